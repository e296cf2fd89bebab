import { EVENT_LABELS, type AnyEventType } from '@/lib/notifications/events';
import type { DeliveryLogRow } from '@/lib/notifications/webhooks';

export function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
}

const label = (type: string) => EVENT_LABELS[type as AnyEventType] ?? type;

/** Delivery attempts, newest first: the webhook page's log and Sent notifications. */
export function DeliveryLogTable({ rows, caption, showTarget = false }: { rows: DeliveryLogRow[]; caption: string; showTarget?: boolean }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label={caption}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-4 py-2">When</th>
            <th scope="col" className="px-4 py-2">Event</th>
            {showTarget && <th scope="col" className="px-4 py-2">To</th>}
            <th scope="col" className="px-4 py-2">Attempt</th>
            <th scope="col" className="px-4 py-2">Result</th>
            <th scope="col" className="px-4 py-2">Status code</th>
            <th scope="col" className="px-4 py-2">Duration</th>
            <th scope="col" className="px-4 py-2">Error</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.length === 0 && (
            <tr>
              <td colSpan={showTarget ? 8 : 7} className="px-4 py-6 text-center text-slate-600">Nothing sent yet.</td>
            </tr>
          )}
          {rows.map((d) => (
            <tr key={d.id} className="align-top">
              <td className="px-4 py-2 whitespace-nowrap text-slate-700">{when(d.at)}</td>
              <td className="px-4 py-2">
                {label(d.eventType)} <code className="text-xs text-slate-600">evt_{d.eventId}</code>
              </td>
              {showTarget && (
                <td className="max-w-xs px-4 py-2 break-all text-slate-700">
                  {d.channel === 'EMAIL' ? 'E-mail: ' : 'Webhook: '}
                  {d.target}
                </td>
              )}
              <td className="px-4 py-2">{d.attempt}</td>
              <td className={`px-4 py-2 font-medium ${d.ok ? 'text-emerald-800' : 'text-red-700'}`}>{d.ok ? 'Delivered' : 'Failed'}</td>
              <td className="px-4 py-2 font-mono">{d.statusCode ?? '—'}</td>
              <td className="px-4 py-2 whitespace-nowrap">{d.durationMs} ms</td>
              <td className="max-w-sm px-4 py-2 break-words text-slate-700">{d.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
