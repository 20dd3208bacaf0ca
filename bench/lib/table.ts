export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/**
 * A plain-text table (GitHub Markdown compatible, so it can be pasted into docs/benchmarks.md as is).
 * The first column is left-aligned, the others (figures) right-aligned unless a column says otherwise.
 */
export function formatTable(
  columns: readonly (Column | string)[],
  rows: readonly (readonly string[])[],
): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const aligns: Align[] = cols.map((c, i) => c.align ?? (i === 0 ? 'left' : 'right'));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length), 3));
  const pad = (text: string, i: number) =>
    aligns[i] === 'right' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]) => `| ${cols.map((_, i) => pad(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = `| ${cols.map((_, i) => (aligns[i] === 'right' ? `${'-'.repeat((widths[i] ?? 3) - 1)}:` : '-'.repeat(widths[i] ?? 3))).join(' | ')} |`;
  return [line(cols.map((c) => c.header)), rule, ...rows.map(line)].join('\n');
}

/** `1234.5` → `1235 ms`; `null` → `—`. */
export function ms(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)} ms` : '—';
}

/** Bytes as KB (1 KB = 1000 bytes, as Vite and browsers' devtools print them) with one decimal. */
export function kb(bytes: number | null | undefined): string {
  return typeof bytes === 'number' && Number.isFinite(bytes) ? `${(bytes / 1000).toFixed(1)} KB` : '—';
}
