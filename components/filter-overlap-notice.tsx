import type { FilterOverlapNotice as Notice } from '@/lib/batch-jobs/filter-overlap-notice';

const TONES: Record<Notice['tone'], string> = {
  warning: 'border-amber-300 bg-amber-50 text-amber-950',
  caution: 'border-amber-200 bg-amber-50 text-amber-900',
  ok: 'border-slate-200 bg-slate-50 text-slate-700',
};

/**
 * The result of the overlap check of the two jobs' filters (lib/batch-jobs/check-filter-overlap):
 * after a job's Save and with Test connection. People who will fail at run time are an alert,
 * so that a screen reader announces them with the Save confirmation; the rest is a status.
 */
export function FilterOverlapNotice({ notice }: { notice: Notice | undefined }) {
  if (!notice) return null;
  return (
    <div
      role={notice.tone === 'warning' ? 'alert' : 'status'}
      data-testid="filter-overlap"
      className={`rounded-md border px-3 py-2 text-sm ${TONES[notice.tone]} ${notice.tone === 'warning' ? 'border-l-4' : ''}`}
    >
      <p className="font-semibold">{notice.tone === 'ok' ? notice.title : `Warning: ${notice.title}`}</p>
      {notice.paragraphs.map((text) => (
        <p key={text} className="mt-1">
          {text}
        </p>
      ))}
      {notice.examples.length > 0 && (
        <ul className="mt-2 list-disc space-y-0.5 pl-5" aria-label="People matched by both filters">
          {notice.examples.map((example) => (
            <li key={example.dn}>
              {example.username && <span className="font-medium">{example.username}</span>}{' '}
              <code className="font-mono text-xs break-all">{example.dn}</code>
            </li>
          ))}
          {notice.moreExamples && <li className="list-none">{notice.moreExamples}</li>}
        </ul>
      )}
      {notice.advice && <p className="mt-2">{notice.advice}</p>}
      {notice.suggestedActiveFilter && (
        <p className="mt-1">
          Active job&apos;s filter: <code className="font-mono text-xs break-all">{notice.suggestedActiveFilter}</code>
        </p>
      )}
    </div>
  );
}
