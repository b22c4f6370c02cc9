// The audit search form's values as typed, and their translation into the filters the core takes.
import type { ChannelInput } from '../../../../../shared/contract';

export type SearchInput = ChannelInput<'audit.search'>;
export type FilterInput = NonNullable<SearchInput['filters']>;
export type SortOrder = 'newest' | 'oldest';

export const FILTER_FIELDS = [
  'actor',
  'action',
  'outcome',
  'resourceType',
  'resourceId',
  'patient',
  'workstation',
  'from',
  'to',
  'sort',
] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Every field as its input holds it: text, a select's value, or a date input's YYYY-MM-DD ('' when empty). */
export type FilterDraft = Record<FilterField, string>;

export const NO_FILTERS: FilterDraft = {
  actor: '',
  action: '',
  outcome: '',
  resourceType: '',
  resourceId: '',
  patient: '',
  workstation: '',
  from: '',
  to: '',
  sort: 'newest',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A date input's value as the first millisecond of that day in UTC; null when it is not a date. (Date.UTC would
 * take the years 0 to 99 for 1900 to 1999; setUTCFullYear does not.)
 */
export function utcDayStart(value: string): number | null {
  const match = /^(\d{4,6})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = new Date(0);
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const ms = date.getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** The filters for the core, or the fields whose dates cannot be one (checked here: the core only sees numbers). */
export function toFilters(
  draft: FilterDraft,
): { ok: true; filters: FilterInput; sort: SortOrder } | { ok: false; fields: Partial<Record<FilterField, string>> } {
  const fields: Partial<Record<FilterField, string>> = {};
  const filters: FilterInput = {};
  for (const key of ['actor', 'resourceType', 'resourceId', 'patient', 'workstation'] as const) {
    const value = draft[key].trim();
    if (value !== '') filters[key] = value;
  }
  if (draft.action !== '') filters.action = draft.action as FilterInput['action'];
  if (draft.outcome !== '') filters.outcome = draft.outcome as FilterInput['outcome'];
  for (const key of ['from', 'to'] as const) {
    if (draft[key] === '') continue;
    const start = utcDayStart(draft[key]);
    const year = start === null ? NaN : new Date(start).getUTCFullYear();
    if (start === null || year < 1970 || year > 9999) {
      fields[key] = 'Enter a date between 1970 and 9999.';
      continue;
    }
    // "To" includes the whole of its day.
    filters[key] = key === 'from' ? start : start + DAY_MS - 1;
  }
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, filters, sort: draft.sort === 'oldest' ? 'oldest' : 'newest' };
}

/**
 * The core's per-field messages for the search (keys like "filters.to" or "sort") split into those the form shows
 * beside its inputs and the rest, which go to the form's alert.
 */
export function filterFieldMessages(fieldsFromCore: Record<string, string> | undefined): {
  fields: Partial<Record<FilterField, string>>;
  other: string[];
} {
  const fields: Partial<Record<FilterField, string>> = {};
  const other: string[] = [];
  for (const [key, message] of Object.entries(fieldsFromCore ?? {})) {
    const name = (key.startsWith('filters.') ? key.slice('filters.'.length) : key).split('.')[0] as FilterField;
    if (FILTER_FIELDS.includes(name)) fields[name] ??= message;
    else other.push(message);
  }
  return { fields, other };
}

/** Whether any filter narrows the search (the sort order alone does not). */
export function hasFilters(filters: FilterInput): boolean {
  return Object.values(filters).some((v) => v !== undefined);
}
