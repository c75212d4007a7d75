/**
 * OData 4 URL pieces: entity names, bare GUID keys (`Case(<guid>)`, never
 * `guid'…'` or quoted), query strings and `$filter` helpers. Lookups are
 * filtered through the navigation property (`Case/Id eq <guid>`) because Creatio
 * rejects a GUID compared with a quoted string (creatio-api.md 2.4, 6.1).
 */
import { ValidationError } from './errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `XId eq '<guid>'` or `X/Id eq '<guid>'`: the form Creatio answers with a 400 type mismatch. */
const QUOTED_GUID_COMPARISON =
  /Id\s+(?:eq|ne|gt|ge|lt|le)\s+'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** Bare lower-case GUID for keys and filters. */
export function formatGuid(id: string): string {
  if (!isGuid(id)) throw new ValidationError('Expected a GUID (8-4-4-4-12 hex digits)');
  return id.toLowerCase();
}

export function checkEntityName(entity: string): string {
  if (!IDENTIFIER.test(entity)) throw new ValidationError('Entity name must be an OData identifier such as "Case"');
  return entity;
}

/** `Case(<guid>)`: the OData 4 key segment. */
export function entityKeyPath(entity: string, id: string): string {
  return `${checkEntityName(entity)}(${formatGuid(id)})`;
}

/** A GUID literal for `$filter`; wrap values with it so they are written bare. */
export interface GuidLiteral {
  readonly guid: string;
}

export function guid(id: string): GuidLiteral {
  return { guid: formatGuid(id) };
}

export type ODataLiteral = string | number | boolean | null | Date | GuidLiteral;

function isGuidLiteral(v: ODataLiteral): v is GuidLiteral {
  return typeof v === 'object' && v !== null && !(v instanceof Date);
}

export function formatLiteral(value: ODataLiteral): string {
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError('Invalid date in $filter');
    return value.toISOString(); // unquoted in OData 4
  }
  if (isGuidLiteral(value)) return value.guid;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError('Non-finite number in $filter');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `'${value.replace(/'/g, "''")}'`;
}

function checkPath(path: string): string {
  if (!path.split('/').every((p) => IDENTIFIER.test(p))) {
    throw new ValidationError('Filter property must be an identifier path such as "Status/Id"');
  }
  return path;
}

type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

function compare(op: Comparison, property: string, value: ODataLiteral): string {
  if (typeof value === 'string' && isGuid(value) && /Id$/.test(property)) {
    // The one mistake Creatio punishes with a 400: use lookupEq() or guid().
    throw new ValidationError(`GUID compared as a string on ${property}; use lookupEq() or guid()`);
  }
  return `${checkPath(property)} ${op} ${formatLiteral(value)}`;
}

export const eq = (property: string, value: ODataLiteral): string => compare('eq', property, value);
export const ne = (property: string, value: ODataLiteral): string => compare('ne', property, value);
export const gt = (property: string, value: ODataLiteral): string => compare('gt', property, value);
export const ge = (property: string, value: ODataLiteral): string => compare('ge', property, value);
export const lt = (property: string, value: ODataLiteral): string => compare('lt', property, value);
export const le = (property: string, value: ODataLiteral): string => compare('le', property, value);

/** `lookupEq('Case', id)` → `Case/Id eq <guid>` (filter through the navigation property). */
export function lookupEq(navigationProperty: string, id: string): string {
  return `${checkPath(navigationProperty)}/Id eq ${formatGuid(id)}`;
}

export function and(...clauses: string[]): string {
  return join('and', clauses);
}

export function or(...clauses: string[]): string {
  return join('or', clauses);
}

function join(op: 'and' | 'or', clauses: string[]): string {
  const parts = clauses.filter((c) => c.trim() !== '');
  if (parts.length === 0) throw new ValidationError(`Empty "${op}" filter`);
  return parts.length === 1 ? parts[0]! : parts.map((c) => `(${c})`).join(` ${op} `);
}

/** Refuses filters Creatio is known to reject, before they cost a request. */
export function checkFilter(filter: string): string {
  if (QUOTED_GUID_COMPARISON.test(filter)) {
    throw new ValidationError('$filter compares a GUID column with a quoted string; write the GUID bare (lookupEq)');
  }
  return filter;
}

export interface QueryOptions {
  filter?: string;
  select?: readonly string[];
  /** Raw `$expand` items, e.g. `Status($select=Name,IsFinal)`. */
  expand?: readonly string[];
  top?: number;
  skip?: number;
  /** e.g. `['CreatedOn', 'Id desc']`. */
  orderby?: readonly string[];
  count?: boolean;
}

function nonNegativeInt(name: string, v: number): string {
  if (!Number.isInteger(v) || v < 0) throw new ValidationError(`${name} must be a non-negative integer`);
  return String(v);
}

/** `?$filter=…&$select=…`, values percent-encoded; '' when there are no options. */
export function buildQueryString(opts: QueryOptions): string {
  const params: string[] = [];
  const add = (name: string, value: string): void => {
    params.push(`${name}=${encodeURIComponent(value)}`);
  };
  if (opts.filter !== undefined && opts.filter.trim() !== '') add('$filter', checkFilter(opts.filter));
  if (opts.select && opts.select.length > 0) add('$select', opts.select.map(checkPath).join(','));
  if (opts.expand && opts.expand.length > 0) add('$expand', opts.expand.join(','));
  if (opts.orderby && opts.orderby.length > 0) {
    for (const o of opts.orderby) {
      if (!/^[A-Za-z_][\w/]*(\s+(asc|desc))?$/.test(o.trim())) throw new ValidationError('Bad $orderby item');
    }
    add('$orderby', opts.orderby.map((o) => o.trim()).join(','));
  }
  if (opts.top !== undefined) add('$top', nonNegativeInt('$top', opts.top));
  if (opts.skip !== undefined) add('$skip', nonNegativeInt('$skip', opts.skip));
  if (opts.count) add('$count', 'true');
  // '$' and ',' stay readable; servers decode both forms.
  return params.length === 0 ? '' : `?${params.join('&').replace(/%2C/g, ',').replace(/%24/g, '$')}`;
}
