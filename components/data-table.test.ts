import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, type DataTableProps } from './data-table';

type Run = { id: number; name: string; created: number };

const columns: DataTableProps<Run>['columns'] = [
  { key: 'name', header: 'Run', rowHeader: true, className: 'font-medium', cell: (r) => r.name },
  false,
  { key: 'created', header: 'Created', numeric: true, cell: (r) => r.created },
];

const render = (props: Partial<DataTableProps<Run>>) =>
  renderToStaticMarkup(createElement(DataTable<Run>, { columns, rows: [], rowKey: (r) => r.id, caption: 'Runs', ...props }));

describe('DataTable', () => {
  it('names the table by its caption and scopes column and row headers', () => {
    const html = render({ rows: [{ id: 7, name: '#7', created: 12 }], rowData: (r) => ({ 'data-testid': `run-${r.id}` }) });
    expect(html).toContain('<caption class="sr-only">Runs</caption>');
    expect(html.match(/<th scope="col"/g)).toHaveLength(2);
    // The row header keeps the weight its column asks for instead of the header cell's bold.
    expect(html).toMatch(/<tr data-testid="run-7"><th scope="row" class="[^"]*font-medium[^"]*">#7<\/th>/);
    expect(html).not.toMatch(/scope="row" class="[^"]*font-normal/);
    expect(html).toMatch(/<td class="[^"]*text-right tabular-nums[^"]*">12<\/td>/);
  });

  it('shows the empty message across every column shown, and nothing of it when there are rows', () => {
    expect(render({ empty: 'No runs yet.' })).toContain('<td colSpan="2" class="px-4 py-6 text-center text-slate-600">No runs yet.</td>');
    expect(render({ empty: 'No runs yet.', rows: [{ id: 1, name: '#1', created: 0 }] })).not.toContain('No runs yet.');
    expect(render({})).not.toContain('colSpan');
  });

  it('keeps the header in view only when asked', () => {
    expect(render({ stickyHeader: true })).toMatch(/<th scope="col" class="[^"]*sticky top-0/);
    expect(render({})).not.toContain('sticky');
  });
});
