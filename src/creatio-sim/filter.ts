/**
 * OData 4 $filter: lexer, parser with type checking (so `CaseId eq '<guid>'`
 * fails with ODataLib's "incompatible types" 400, creatio-api.md 6 #1), and an
 * evaluator over stored rows. Property paths may go through lookups
 * (`Case/Id`, `Status/IsFinal`).
 */
import { EMPTY_GUID } from '../creatio/stock';
import { invalidQuery } from './errors';
import { edmType, entityDef, qualifiedTypeName, type ColumnDef, type EntityDef } from './schema';
import type { Store } from './store';
import type { EntityName } from './types';
import { parseDate, parseDateTime, type StoredRow, type StoredValue } from './values';

export type FilterType =
  | 'Edm.Guid'
  | 'Edm.String'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Edm.Boolean'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Decimal'
  | 'Edm.Double'
  | 'null';

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** A column reached from the root entity through zero or more lookups. */
export interface PropPath {
  navs: ColumnDef[];
  column: ColumnDef;
  entity: EntityName;
}

export type Expr =
  | { t: 'lit'; type: FilterType; value: StoredValue }
  | { t: 'prop'; type: FilterType; path: PropPath }
  | { t: 'cmp'; type: FilterType; op: CmpOp; left: Expr; right: Expr }
  | { t: 'and' | 'or'; type: FilterType; left: Expr; right: Expr }
  | { t: 'not'; type: FilterType; operand: Expr }
  | { t: 'call'; type: FilterType; fn: string; args: Expr[] };

const OP_KIND: Record<CmpOp | 'and' | 'or', string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
  and: 'And',
  or: 'Or',
};

/**
 * Resolves `A/B/C` from `def`. Navigation segments follow lookups; `Nav/Id` is
 * rewritten to the lookup column itself (same value, and it can use the index).
 */
export function resolvePath(def: EntityDef, segments: string[]): PropPath {
  let current = def;
  const navs: ColumnDef[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    const column = current.columns.get(seg);
    if (column) {
      if (!last) {
        throw invalidQuery(
          `Found a path with multiple navigation properties or a bad complex property path in a select clause. Property '${seg}' on type '${qualifiedTypeName(current.name)}' is not a navigation property.`,
        );
      }
      if (seg === 'Id' && navs.length > 0) {
        const viaColumn = navs.pop() as ColumnDef;
        const owner = navs.length === 0 ? def.name : (navs[navs.length - 1]?.lookup as EntityName);
        return { navs, column: viaColumn, entity: owner };
      }
      return { navs, column, entity: current.name };
    }
    const nav = current.navigations.get(seg);
    if (nav && nav.lookup) {
      if (last) {
        throw invalidQuery(`The navigation property '${seg}' cannot be used as a value; use '${seg}/Id' or '${nav.name}'.`);
      }
      navs.push(nav);
      current = entityDef(nav.lookup);
      continue;
    }
    throw invalidQuery(`Could not find a property named '${seg}' on type '${qualifiedTypeName(current.name)}'.`);
  }
  throw invalidQuery('Empty property path.');
}

type Tok =
  | { k: 'ident'; v: string; pos: number }
  | { k: 'string'; v: string; pos: number }
  | { k: 'number'; v: string; pos: number }
  | { k: 'guid'; v: string; pos: number }
  | { k: 'datetime'; v: number; pos: number }
  | { k: 'date'; v: number; pos: number }
  | { k: '(' | ')' | ',' | '/' | 'eof'; pos: number };

const RE_DATETIME = /\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?(?![\w])/iy;
const RE_GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/y;
const RE_DATE = /\d{4}-\d{2}-\d{2}(?![\w:-])/y;
const RE_NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w])/y;
const RE_IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

function lex(text: string): Tok[] {
  const toks: Tok[] = [];
  const syntax = (pos: number): never => {
    throw invalidQuery(`Syntax error at position ${pos} in '${text}'.`);
  };
  const tryRe = (re: RegExp, i: number): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : undefined;
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '/') {
      toks.push({ k: ch, pos: i });
      i++;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) throw invalidQuery(`There is an unterminated string literal at position ${i} in '${text}'.`);
        const c = text[j] as string;
        if (c === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += c;
        j++;
      }
      toks.push({ k: 'string', v, pos: i });
      i = j + 1;
      continue;
    }
    const dt = tryRe(RE_DATETIME, i);
    if (dt !== undefined) {
      const ms = parseDateTime(dt);
      if (ms === undefined) throw invalidQuery(`Unrecognized 'Edm.DateTimeOffset' literal '${dt}' at '${i}' in '${text}'.`);
      toks.push({ k: 'datetime', v: ms, pos: i });
      i += dt.length;
      continue;
    }
    const g = tryRe(RE_GUID, i);
    if (g !== undefined) {
      toks.push({ k: 'guid', v: g.toLowerCase(), pos: i });
      i += g.length;
      continue;
    }
    const d = tryRe(RE_DATE, i);
    if (d !== undefined) {
      const ms = parseDate(d);
      if (ms === undefined) throw invalidQuery(`Unrecognized 'Edm.Date' literal '${d}' at '${i}' in '${text}'.`);
      toks.push({ k: 'date', v: ms, pos: i });
      i += d.length;
      continue;
    }
    const n = tryRe(RE_NUMBER, i);
    if (n !== undefined) {
      toks.push({ k: 'number', v: n, pos: i });
      i += n.length;
      continue;
    }
    const id = tryRe(RE_IDENT, i);
    if (id !== undefined) {
      // OData 3 typed literals such as guid'…' or datetime'…' are not OData 4.
      if (text[i + id.length] === "'") {
        throw invalidQuery(`Syntax error: unrecognized literal '${id}'' at position ${i} in '${text}'.`);
      }
      toks.push({ k: 'ident', v: id, pos: i });
      i += id.length;
      continue;
    }
    syntax(i);
  }
  toks.push({ k: 'eof', pos: text.length });
  return toks;
}

const NUMERIC = new Set<FilterType>(['Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double']);

function comparable(a: FilterType, b: FilterType): boolean {
  if (a === 'null' || b === 'null' || a === b) return true;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return true;
  const dates = new Set<FilterType>(['Edm.Date', 'Edm.DateTimeOffset']);
  return dates.has(a) && dates.has(b);
}

interface FnSig {
  args: FilterType[];
  result: FilterType;
}

const FUNCTIONS: Record<string, FnSig> = {
  contains: { args: ['Edm.String', 'Edm.String'], result: 'Edm.Boolean' },
  startswith: { args: ['Edm.String', 'Edm.String'], result: 'Edm.Boolean' },
  endswith: { args: ['Edm.String', 'Edm.String'], result: 'Edm.Boolean' },
  tolower: { args: ['Edm.String'], result: 'Edm.String' },
  toupper: { args: ['Edm.String'], result: 'Edm.String' },
  trim: { args: ['Edm.String'], result: 'Edm.String' },
  length: { args: ['Edm.String'], result: 'Edm.Int32' },
};

class Parser {
  private i = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly def: EntityDef,
    private readonly text: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }

  private next(): Tok {
    return this.toks[this.i++] as Tok;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.k === 'ident' && t.v === word;
  }

  private fail(pos: number): never {
    throw invalidQuery(`Syntax error at position ${pos} in '${this.text}'.`);
  }

  parse(): Expr {
    const e = this.parseOr();
    const t = this.peek();
    if (t.k !== 'eof') this.fail(t.pos);
    if (e.type !== 'Edm.Boolean' && e.type !== 'null') {
      throw invalidQuery('The $filter expression must evaluate to a single boolean value.');
    }
    return e;
  }

  private logical(op: 'and' | 'or', left: Expr, right: Expr): Expr {
    for (const side of [left, right]) {
      if (side.type !== 'Edm.Boolean' && side.type !== 'null') {
        throw invalidQuery(
          `A binary operator with incompatible types was detected. Found operand types '${left.type}' and '${right.type}' for operator kind '${OP_KIND[op]}'.`,
        );
      }
    }
    return { t: op, type: 'Edm.Boolean', left, right };
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.next();
      left = this.logical('or', left, this.parseAnd());
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseComparison();
    while (this.isWord('and')) {
      this.next();
      left = this.logical('and', left, this.parseComparison());
    }
    return left;
  }

  private parseComparison(): Expr {
    const left = this.parseUnary();
    const t = this.peek();
    if (t.k === 'ident' && ['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(t.v)) {
      this.next();
      const op = t.v as CmpOp;
      const right = this.parseUnary();
      if (!comparable(left.type, right.type)) {
        throw invalidQuery(
          `A binary operator with incompatible types was detected. Found operand types '${left.type}' and '${right.type}' for operator kind '${OP_KIND[op]}'.`,
        );
      }
      return { t: 'cmp', type: 'Edm.Boolean', op, left, right };
    }
    if (t.k === 'ident' && ['has', 'in', 'add', 'sub', 'mul', 'div', 'mod'].includes(t.v)) {
      throw invalidQuery(`The operator '${t.v}' is not supported by the Creatio simulator.`);
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isWord('not')) {
      this.next();
      const operand = this.parseUnary();
      if (operand.type !== 'Edm.Boolean' && operand.type !== 'null') {
        throw invalidQuery(
          `A unary operator with an incompatible type was detected. Found operand type '${operand.type}' for operator kind 'Not'.`,
        );
      }
      return { t: 'not', type: 'Edm.Boolean', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.k) {
      case '(': {
        const e = this.parseOr();
        const close = this.next();
        if (close.k !== ')') this.fail(close.pos);
        return e;
      }
      case 'string':
        return { t: 'lit', type: 'Edm.String', value: t.v };
      case 'guid':
        return { t: 'lit', type: 'Edm.Guid', value: t.v };
      case 'datetime':
        return { t: 'lit', type: 'Edm.DateTimeOffset', value: t.v };
      case 'date':
        return { t: 'lit', type: 'Edm.Date', value: t.v };
      case 'number': {
        const isInt = /^-?\d+$/.test(t.v);
        const n = Number(t.v);
        const type: FilterType = isInt ? (Math.abs(n) <= 2147483647 ? 'Edm.Int32' : 'Edm.Int64') : 'Edm.Decimal';
        return { t: 'lit', type, value: n };
      }
      case 'ident': {
        if (t.v === 'true' || t.v === 'false') return { t: 'lit', type: 'Edm.Boolean', value: t.v === 'true' };
        if (t.v === 'null') return { t: 'lit', type: 'null', value: null };
        if (this.peek().k === '(') return this.parseCall(t.v, t.pos);
        const segments = [t.v];
        while (this.peek().k === '/') {
          this.next();
          const seg = this.next();
          if (seg.k !== 'ident') this.fail(seg.pos);
          segments.push(seg.v);
        }
        const path = resolvePath(this.def, segments);
        return { t: 'prop', type: edmType(path.column.type) as FilterType, path };
      }
      default:
        return this.fail(t.pos);
    }
  }

  private parseCall(name: string, pos: number): Expr {
    const sig = FUNCTIONS[name];
    if (!sig) throw invalidQuery(`An unknown function with name '${name}' was found at position ${pos} in '${this.text}'.`);
    this.next(); // (
    const args: Expr[] = [];
    if (this.peek().k !== ')') {
      for (;;) {
        args.push(this.parseOr());
        const sep = this.next();
        if (sep.k === ')') break;
        if (sep.k !== ',') this.fail(sep.pos);
      }
    } else {
      this.next();
    }
    const ok = args.length === sig.args.length && args.every((a, i) => a.type === sig.args[i] || a.type === 'null');
    if (!ok) {
      throw invalidQuery(
        `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${name}(${sig.args
          .map((a) => `${a} Nullable=true`)
          .join(', ')}).`,
      );
    }
    return { t: 'call', type: sig.result, fn: name, args };
  }
}

export function parseFilter(def: EntityDef, text: string): Expr {
  return new Parser(lex(text), def, text).parse();
}

/** Value of a property path on a row (following lookups); null when a lookup is empty. */
export function pathValue(store: Store, root: StoredRow, path: PropPath): StoredValue {
  let row: StoredRow | undefined = root;
  for (const nav of path.navs) {
    const id: StoredValue = row[nav.name] ?? null;
    if (typeof id !== 'string') return null;
    row = store.get(nav.lookup as EntityName, id);
    if (!row) return null;
  }
  return row[path.column.name] ?? null;
}

function eq(a: StoredValue, b: StoredValue): boolean {
  if (a === b) return true;
  // An empty lookup is NULL in the database but reads back as the zero GUID.
  return (a === null && b === EMPTY_GUID) || (b === null && a === EMPTY_GUID);
}

/** Ordering used by gt/lt and $orderby; undefined when either side is null. */
export function compareValues(a: StoredValue, b: StoredValue): number | undefined {
  if (a === null || b === null) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function evaluate(store: Store, row: StoredRow, e: Expr): StoredValue {
  switch (e.t) {
    case 'lit':
      return e.value;
    case 'prop':
      return pathValue(store, row, e.path);
    case 'and': {
      const l = evaluate(store, row, e.left);
      if (l === false) return false;
      const r = evaluate(store, row, e.right);
      return l === true && r === true;
    }
    case 'or':
      return evaluate(store, row, e.left) === true || evaluate(store, row, e.right) === true;
    case 'not': {
      const v = evaluate(store, row, e.operand);
      return v === null ? null : !v;
    }
    case 'cmp': {
      const l = evaluate(store, row, e.left);
      const r = evaluate(store, row, e.right);
      if (e.op === 'eq') return eq(l, r);
      if (e.op === 'ne') return !eq(l, r);
      const c = compareValues(l, r);
      if (c === undefined) return false;
      switch (e.op) {
        case 'gt':
          return c > 0;
        case 'ge':
          return c >= 0;
        case 'lt':
          return c < 0;
        default:
          return c <= 0;
      }
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(store, row, a));
      const [a, b] = args;
      switch (e.fn) {
        case 'contains':
          return typeof a === 'string' && typeof b === 'string' && a.includes(b);
        case 'startswith':
          return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
        case 'endswith':
          return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
        case 'tolower':
          return typeof a === 'string' ? a.toLowerCase() : null;
        case 'toupper':
          return typeof a === 'string' ? a.toUpperCase() : null;
        case 'trim':
          return typeof a === 'string' ? a.trim() : null;
        case 'length':
          return typeof a === 'string' ? [...a].length : null;
        default:
          return null;
      }
    }
  }
}

/**
 * `Column eq <guid>` terms joined by `and` at the top level, usable with the
 * store's indexes to avoid a full scan.
 */
export function indexableTerms(e: Expr): Array<{ column: string; value: string }> {
  if (e.t === 'and') return [...indexableTerms(e.left), ...indexableTerms(e.right)];
  if (e.t !== 'cmp' || e.op !== 'eq') return [];
  const [prop, lit] = e.left.t === 'prop' ? [e.left, e.right] : [e.right, e.left];
  if (prop.t !== 'prop' || lit.t !== 'lit' || prop.path.navs.length > 0) return [];
  if (prop.path.column.type !== 'Guid' || typeof lit.value !== 'string' || lit.value === EMPTY_GUID) return [];
  return [{ column: prop.path.column.name, value: lit.value }];
}
