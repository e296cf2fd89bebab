import { DataTable } from '@/components/data-table';
import { EVENT_LABELS, type AnyEventType } from '@/lib/notifications/events';
import type { DeliveryLogRow } from '@/lib/notifications/webhooks';

export function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
}

const label = (type: string) => EVENT_LABELS[type as AnyEventType] ?? type;

/** Delivery attempts, newest first: the webhook page's log and Sent notifications. */
export function DeliveryLogTable({ rows, caption, showTarget = false }: { rows: DeliveryLogRow[]; caption: string; showTarget?: boolean }) {
  return (
    <DataTable
      caption={caption}
      rows={rows}
      rowKey={(d) => d.id}
      empty="Nothing sent yet."
      columns={[
        { key: 'at', header: 'When', className: 'whitespace-nowrap text-slate-700', cell: (d) => when(d.at) },
        {
          key: 'event',
          header: 'Event',
          cell: (d) => (
            <>
              {label(d.eventType)} <code className="text-xs text-slate-600">evt_{d.eventId}</code>
            </>
          ),
        },
        showTarget && {
          key: 'target',
          header: 'To',
          className: 'max-w-xs break-all text-slate-700',
          cell: (d) => (
            <>
              {d.channel === 'EMAIL' ? 'E-mail: ' : 'Webhook: '}
              {d.target}
            </>
          ),
        },
        { key: 'attempt', header: 'Attempt', cell: (d) => d.attempt },
        { key: 'result', header: 'Result', className: 'font-medium', cell: (d) => <span className={d.ok ? 'text-emerald-800' : 'text-red-700'}>{d.ok ? 'Delivered' : 'Failed'}</span> },
        { key: 'statusCode', header: 'Status code', className: 'font-mono', cell: (d) => d.statusCode ?? '—' },
        { key: 'duration', header: 'Duration', className: 'whitespace-nowrap', cell: (d) => `${d.durationMs} ms` },
        { key: 'error', header: 'Error', className: 'max-w-sm break-words text-slate-700', cell: (d) => d.error ?? '' },
      ]}
    />
  );
}
