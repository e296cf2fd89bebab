'use client';

type Format = 'datetime' | 'time' | 'date';

const OPTIONS: Record<Format, Intl.DateTimeFormatOptions> = {
  datetime: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit' },
  date: { year: 'numeric', month: 'short', day: 'numeric' },
};

/**
 * A moment in the reader's own time zone. The server renders it in its zone first; the browser
 * then shows the local one (the difference is expected, hence suppressHydrationWarning). The full
 * date and time are in the title for "time"-only displays.
 */
export function LocalTime({ value, format = 'datetime', withSeconds = false }: { value: Date | string | null; format?: Format; withSeconds?: boolean }) {
  if (value === null) return <span className="text-slate-500">—</span>;
  const date = typeof value === 'string' ? new Date(value) : value;
  const options = { ...OPTIONS[format], ...(withSeconds && format !== 'date' ? { second: '2-digit' as const } : {}) };
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()} suppressHydrationWarning>
      {date.toLocaleString(undefined, options)}
    </time>
  );
}
