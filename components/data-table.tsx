import type { Key, ReactNode } from 'react';

// The one table of the product's pages. It renders plain markup (no hooks, no client JavaScript),
// so server pages and client forms use it alike. Screen readers get a caption (the table's name,
// which the e2e tests find it by), column headers, and a row header where a column names its row.

export type DataTableColumn<Row> = {
  /** Unique within the table. */
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Counts: right-aligned, with figures of equal width so that they line up. */
  numeric?: boolean;
  align?: 'left' | 'right';
  /** This column names the row (<th scope="row">): the cell a screen reader announces with each other cell. */
  rowHeader?: boolean;
  /** Width, font and colour of this column's cells; never padding (the table's density sets it). */
  className?: string;
};

/**
 * card: a bordered white card of its own; flush: inside a card or section that already has one;
 * compact: a small table beside other content (lighter header, tighter cells).
 */
export type DataTableVariant = 'card' | 'flush' | 'compact';

export type DataTableProps<Row> = {
  /** Conditional columns may be passed as false. */
  columns: readonly (DataTableColumn<Row> | false)[];
  rows: readonly Row[];
  rowKey: (row: Row) => Key;
  /** The table's accessible name; visually hidden unless captionVisible. */
  caption: ReactNode;
  captionVisible?: boolean;
  /** Shown in one row across all columns when there are no rows; without it the table is just its header. */
  empty?: ReactNode;
  variant?: DataTableVariant;
  /** relaxed: taller rows, for rows of several lines (jobs, audit events). */
  density?: 'normal' | 'relaxed';
  /** Keeps the header in view while the rows scroll (the table scrolls inside a box of 70 % of the window's height). */
  stickyHeader?: boolean;
  /** Classes and data-* attributes of a row (e.g. data-testid). */
  rowClassName?: string | ((row: Row) => string | undefined);
  rowData?: (row: Row) => Record<`data-${string}`, string>;
  /** Margins of the whole table (e.g. mt-8). */
  className?: string;
};

const WRAPPER: Record<DataTableVariant, string> = {
  card: 'overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm',
  flush: 'overflow-x-auto',
  compact: 'overflow-x-auto',
};

const HEAD: Record<DataTableVariant, string> = {
  card: 'bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase',
  flush: 'bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase',
  compact: 'text-xs font-medium text-slate-600',
};

function padding(variant: DataTableVariant, density: 'normal' | 'relaxed'): string {
  if (variant === 'compact') return 'py-1.5 pr-3 last:pr-0';
  return density === 'relaxed' ? 'px-4 py-3' : 'px-4 py-2';
}

function alignment<Row>(column: DataTableColumn<Row>): string {
  const right = column.align === 'right' || (column.numeric && column.align !== 'left');
  return [right ? 'text-right' : 'text-left', column.numeric ? 'tabular-nums' : ''].filter(Boolean).join(' ');
}

const FONT_WEIGHT = /\bfont-(thin|extralight|light|normal|medium|semibold|bold|extrabold|black)\b/;

const join = (...classes: (string | false | undefined)[]) => classes.filter(Boolean).join(' ');

export function DataTable<Row>({
  columns: maybeColumns,
  rows,
  rowKey,
  caption,
  captionVisible = false,
  empty,
  variant = 'card',
  density = 'normal',
  stickyHeader = false,
  rowClassName,
  rowData,
  className,
}: DataTableProps<Row>) {
  const columns = maybeColumns.filter((c): c is DataTableColumn<Row> => c !== false);
  const pad = padding(variant, density);
  return (
    <div className={join(WRAPPER[variant], stickyHeader && 'max-h-[70vh] overflow-y-auto', className)}>
      <table className={join('min-w-full text-sm', variant !== 'compact' && 'divide-y divide-slate-200')}>
        <caption className={captionVisible ? 'px-4 py-2 text-left text-sm font-medium text-slate-900' : 'sr-only'}>{caption}</caption>
        <thead className={HEAD[variant]}>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={join(pad, alignment(column), stickyHeader && 'sticky top-0 z-10 bg-slate-50')}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.length === 0 && empty !== undefined && (
            <tr>
              <td colSpan={columns.length} className="px-4 py-6 text-center text-slate-600">
                {empty}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} className={typeof rowClassName === 'function' ? rowClassName(row) : rowClassName} {...rowData?.(row)}>
              {columns.map((column) => {
                const classes = join(pad, alignment(column), column.className);
                return column.rowHeader ? (
                  // A header cell is bold by default; a row header looks like its column says.
                  <th key={column.key} scope="row" className={join(!FONT_WEIGHT.test(column.className ?? '') && 'font-normal', classes)}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={column.key} className={classes}>
                    {column.cell(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A header only screen readers need (a column of buttons). */
export function HiddenHeader({ children }: { children: ReactNode }) {
  return <span className="sr-only">{children}</span>;
}
