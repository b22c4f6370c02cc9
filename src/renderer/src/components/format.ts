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
