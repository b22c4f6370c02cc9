// How exported events are written. CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
// the start) are prefixed with an apostrophe, so `=HYPERLINK(...)` typed as a name stays text when opened.
import { AUDIT_COLUMNS, type AuditRow } from './chain';

const CSV_COLUMNS = ['seq', 'occurred_at_utc', ...AUDIT_COLUMNS.slice(2), 'mac'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(row: AuditRow): string {
  const cells: Array<string | number | null> = [row.seq, new Date(row.occurred_at).toISOString()];
  for (const column of AUDIT_COLUMNS.slice(2)) cells.push(row[column]);
  cells.push(row.mac);
  return `${cells.map(csvCell).join(',')}\r\n`;
}
