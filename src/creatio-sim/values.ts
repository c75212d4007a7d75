/**
 * Stored value representation and conversions between it and OData JSON.
 * Stored: Guid lower-case string | null, String/Text string, DateTime epoch ms |
 * null, Boolean boolean, Int number.
 */
import { EMPTY_GUID } from '../creatio/stock';
import type { ColumnDef } from './schema';
import type { RecordRow } from './types';

export type StoredValue = string | number | boolean | null;
export type StoredRow = Record<string, StoredValue>;

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

// OData DateTimeOffset literal. The offset is required: a time without one is
// ambiguous, and rejecting it catches client bugs early.
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/i;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, m, 0)).getUTCDate(); // month length, leap-agnostic
  if (m === 2) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return d <= (leap ? 29 : 28);
  }
  return d <= days;
}

/** Parses an ISO date-time with offset to epoch ms; undefined when invalid. */
export function parseDateTime(value: string): number | undefined {
  const m = DATETIME_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = m[6] ? Number(m[6]) : 0;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (y < 100) t = new Date(t).setUTCFullYear(y);
  const off = m[8] as string;
  if (off.toUpperCase() !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1;
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return t;
}

/** Parses an OData Edm.Date literal (YYYY-MM-DD) to epoch ms at UTC midnight. */
export function parseDate(value: string): number | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (!validDate(y, mo, d)) return undefined;
  return Date.UTC(y, mo - 1, d);
}

/**
 * Formats like .NET's DateTimeOffset in OData JSON: UTC with 'Z', fractional
 * seconds only when non-zero, trailing zeros trimmed ("…:59Z", "…:59.12Z").
 */
export function formatDateTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-01T10:00:00.120Z
  const [main, frac] = iso.slice(0, -1).split('.') as [string, string | undefined];
  const trimmed = (frac ?? '').replace(/0+$/, '');
  return trimmed ? `${main}.${trimmed}Z` : `${main}Z`;
}

/** A stored value as OData JSON. */
export function formatValue(column: ColumnDef, value: StoredValue): string | number | boolean | null {
  switch (column.type) {
    case 'Guid':
      return value === null ? EMPTY_GUID : value;
    case 'DateTime':
      return typeof value === 'number' ? formatDateTime(value) : null;
    case 'String':
    case 'Text':
      return value ?? '';
    default:
      return value;
  }
}

export function formatRow(columns: readonly ColumnDef[], row: StoredRow): RecordRow {
  const out: RecordRow = {};
  for (const c of columns) out[c.name] = formatValue(c, row[c.name] ?? null);
  return out;
}

/** Default stored value of a column when nothing was supplied. */
export function emptyValue(column: ColumnDef): StoredValue {
  switch (column.type) {
    case 'String':
    case 'Text':
      return '';
    case 'Boolean':
      return false;
    case 'Int':
      return 0;
    default:
      return null;
  }
}
