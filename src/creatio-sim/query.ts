/**
 * OData query options ($filter, $select, $expand, $orderby, $top, $skip, $count)
 * for reads: parsing with ASP.NET OData's error texts, execution against the
 * store, and projection into response JSON.
 */
import { badRequest, invalidQuery } from './errors';
import { compareValues, evaluate, indexableTerms, parseFilter, pathValue, resolvePath, type Expr, type PropPath } from './filter';
import { entityDef, qualifiedTypeName, type ColumnDef, type EntityDef } from './schema';
import type { Store } from './store';
import type { EntityName } from './types';
import { formatValue, type StoredRow } from './values';

export interface ExpandItem {
  nav: string;
  column: ColumnDef;
  target: EntityName;
  /** Nested $select; undefined = all columns. */
  select?: ColumnDef[];
}

export interface QueryOptions {
  filter?: Expr;
  /** undefined = all columns. */
  select?: ColumnDef[];
  /** Raw $select items, for the context URL. */
  selectNames?: string[];
  expand: ExpandItem[];
  orderby: Array<{ path: PropPath; desc: boolean }>;
  top?: number;
  skip?: number;
  count: boolean;
}

const KNOWN = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip', '$count', '$format']);
const COLLECTION_ONLY = ['$filter', '$orderby', '$count', '$skip', '$top'];

export type Target = 'collection' | 'single' | 'count';

/** Splits on `sep` outside parentheses and quotes. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseSelect(def: EntityDef, text: string): { columns: ColumnDef[] | undefined; names: string[] } {
  const names = splitTop(text, ',');
  if (names.some((n) => n === '')) throw invalidQuery(`Syntax error at position ${text.length} in '${text}'.`);
  if (names.includes('*')) return { columns: undefined, names };
  const columns: ColumnDef[] = [];
  for (const name of names) {
    const column = def.columns.get(name);
    if (column) {
      if (!columns.includes(column)) columns.push(column);
      continue;
    }
    // Selecting a navigation property is legal OData but adds nothing to the JSON.
    if (def.navigations.has(name)) continue;
    if (name.includes('/') || name.includes('(')) {
      throw invalidQuery(`Found a path with multiple navigation properties or a bad complex property path in a select clause: '${name}'.`);
    }
    throw invalidQuery(`Could not find a property named '${name}' on type '${qualifiedTypeName(def.name)}'.`);
  }
  return { columns: columns.length > 0 || names.length > 0 ? columns : undefined, names };
}

function parseExpand(def: EntityDef, text: string): ExpandItem[] {
  const items: ExpandItem[] = [];
  for (const part of splitTop(text, ',')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(part);
    if (!m) throw invalidQuery(`Syntax error at position 0 in '${part}'.`);
    const nav = m[1] as string;
    const column = def.navigations.get(nav);
    if (!column || !column.lookup) {
      if (def.columns.has(nav)) {
        throw invalidQuery(
          `Property '${nav}' on type '${qualifiedTypeName(def.name)}' is not a navigation property or complex property. Only navigation properties can be expanded.`,
        );
      }
      throw invalidQuery(`Could not find a property named '${nav}' on type '${qualifiedTypeName(def.name)}'.`);
    }
    const target = entityDef(column.lookup);
    const item: ExpandItem = { nav, column, target: target.name };
    if (m[2] !== undefined && m[2].trim() !== '') {
      for (const opt of splitTop(m[2], ';')) {
        const eqAt = opt.indexOf('=');
        const name = eqAt >= 0 ? opt.slice(0, eqAt).trim() : opt;
        const value = eqAt >= 0 ? opt.slice(eqAt + 1) : '';
        if (name === '$select') {
          item.select = parseSelect(target, value).columns;
        } else {
          // Lookups are single-valued: only $select makes sense, and the simulator expands one level.
          throw invalidQuery(`The query option '${name}' inside $expand is not supported by the Creatio simulator.`);
        }
      }
    }
    items.push(item);
  }
  return items;
}

function parseOrderBy(def: EntityDef, text: string): QueryOptions['orderby'] {
  return splitTop(text, ',').map((item) => {
    const m = /^(\S+?)(?:\s+(asc|desc))?$/.exec(item);
    if (!m) throw invalidQuery(`Syntax error at position 0 in '${item}'.`);
    return { path: resolvePath(def, (m[1] as string).split('/')), desc: m[2] === 'desc' };
  });
}

function parseNonNegative(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 2147483647) {
    throw invalidQuery(`Invalid value '${value}' for ${name} query option found. The ${name} query option requires a non-negative integer value.`);
  }
  return Number(value);
}

export function parseQueryOptions(def: EntityDef, params: URLSearchParams, target: Target): QueryOptions {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!key.startsWith('$')) continue; // custom query options are allowed and ignored
    if (seen.has(key)) throw invalidQuery(`Query option '${key}' was specified more than once, but it must be specified at most once.`);
    seen.add(key);
    if (!KNOWN.has(key)) throw invalidQuery(`The query parameter '${key}' is not supported.`);
  }
  if (target === 'single' && COLLECTION_ONLY.some((k) => seen.has(k))) {
    throw invalidQuery(
      'The requested resource is not a collection. Query options $filter, $orderby, $count, $skip, and $top can be applied only on collections.',
    );
  }
  const format = params.get('$format');
  if (format !== null && !/^(json|application\/json)\b/i.test(format)) {
    throw badRequest(`The requested format '${format}' is not supported.`);
  }
  const opts: QueryOptions = { expand: [], orderby: [], count: false };
  const filter = params.get('$filter');
  if (filter !== null) opts.filter = parseFilter(def, filter);
  if (target === 'count') return opts;
  const select = params.get('$select');
  if (select !== null) {
    const s = parseSelect(def, select);
    opts.select = s.columns;
    opts.selectNames = s.names;
  }
  const expand = params.get('$expand');
  if (expand !== null) opts.expand = parseExpand(def, expand);
  const orderby = params.get('$orderby');
  if (orderby !== null) opts.orderby = parseOrderBy(def, orderby);
  const top = params.get('$top');
  if (top !== null) opts.top = parseNonNegative('$top', top);
  const skip = params.get('$skip');
  if (skip !== null) opts.skip = parseNonNegative('$skip', skip);
  const count = params.get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false') throw invalidQuery(`'${count}' is not a valid count option.`);
    opts.count = count === 'true';
  }
  return opts;
}

/** Rows matching the filter, in insertion order. */
export function filterRows(store: Store, def: EntityDef, filter: Expr | undefined): StoredRow[] {
  let source: Iterable<StoredRow> = store.all(def.name);
  if (filter) {
    let best: ReadonlySet<string> | undefined;
    for (const term of indexableTerms(filter)) {
      const ids = store.lookup(def.name, term.column, term.value);
      if (ids && (!best || ids.size < best.size)) best = ids;
    }
    if (best) source = store.byIds(def.name, best);
  }
  const out: StoredRow[] = [];
  for (const row of source) if (!filter || evaluate(store, row, filter) === true) out.push(row);
  return out;
}

export function runQuery(
  store: Store,
  def: EntityDef,
  opts: QueryOptions,
  maxPageSize: number,
): { rows: StoredRow[]; count: number } {
  let rows = filterRows(store, def, opts.filter);
  const count = rows.length;
  if (opts.orderby.length > 0) {
    const keyed = rows.map((row, i) => ({ row, i, keys: opts.orderby.map((o) => pathValue(store, row, o.path)) }));
    keyed.sort((a, b) => {
      for (let k = 0; k < opts.orderby.length; k++) {
        const desc = (opts.orderby[k] as { desc: boolean }).desc;
        const av = a.keys[k] ?? null;
        const bv = b.keys[k] ?? null;
        // PostgreSQL: NULLS LAST ascending, NULLS FIRST descending.
        if (av === null || bv === null) {
          if (av === bv) continue;
          return (av === null ? 1 : -1) * (desc ? -1 : 1);
        }
        const c = compareValues(av, bv) ?? 0;
        if (c !== 0) return desc ? -c : c;
      }
      return a.i - b.i;
    });
    rows = keyed.map((k) => k.row);
  }
  const skip = opts.skip ?? 0;
  const take = Math.min(opts.top ?? Number.MAX_SAFE_INTEGER, maxPageSize);
  return { rows: rows.slice(skip, skip + take), count };
}

export function projectRow(store: Store, def: EntityDef, row: StoredRow, opts: Pick<QueryOptions, 'select' | 'expand'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const columns = opts.select ?? def.columnList;
  for (const c of columns) out[c.name] = formatValue(c, row[c.name] ?? null);
  for (const item of opts.expand) {
    const id = row[item.column.name];
    const target = entityDef(item.target);
    const related = typeof id === 'string' ? store.get(item.target, id) : undefined;
    if (!related) {
      out[item.nav] = null;
      continue;
    }
    const nested: Record<string, unknown> = {};
    for (const c of item.select ?? target.columnList) nested[c.name] = formatValue(c, related[c.name] ?? null);
    out[item.nav] = nested;
  }
  return out;
}

/** The part after '#' in @odata.context, e.g. `Case(Id,Number,Status(Name))`. */
export function contextFragment(entity: EntityName, opts: Pick<QueryOptions, 'selectNames' | 'expand'>): string {
  const parts: string[] = [...(opts.selectNames ?? [])];
  for (const item of opts.expand) {
    parts.push(`${item.nav}(${item.select ? item.select.map((c) => c.name).join(',') : ''})`);
  }
  return parts.length > 0 ? `${entity}(${parts.join(',')})` : entity;
}
