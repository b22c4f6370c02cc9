// Dates and times as the person's own locale writes them.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A moment (milliseconds since the epoch) as a local date and time, e.g. "12 Mar 2026, 14:05". */
export function formatDateTime(ms: number): string {
  return dateTime.format(new Date(ms));
}

/** The machine-readable form for <time dateTime>. */
export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const count = new Intl.NumberFormat(undefined);

/** A moment to the second, e.g. "12 Mar 2026, 14:05:09": for records where the order within a minute matters. */
export function formatDateTimeSeconds(ms: number): string {
  return dateTimeSeconds.format(new Date(ms));
}

/** A moment's local date, e.g. "12 Mar 2026". */
export function formatDate(ms: number): string {
  return dateOnly.format(new Date(ms));
}

/** A count with the locale's grouping, e.g. "12,345". */
export function formatCount(n: number): string {
  return count.format(n);
}

/** A file size in bytes, KB or MB (1 KB = 1,024 bytes), e.g. "4.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb.toLocaleString(undefined, { maximumFractionDigits: 1 })} KB`;
  return `${(kb / 1024).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;
}

const timeSeconds = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A moment's local time of day to the second, e.g. "14:05:09". */
export function formatTimeSeconds(ms: number): string {
  return timeSeconds.format(new Date(ms));
}
