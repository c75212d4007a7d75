/**
 * In-memory tables. Rows keep insertion order (what an unordered query returns,
 * like a fresh PostgreSQL heap). Guid columns are indexed so `CaseId eq <guid>`
 * reads stay cheap in benchmarks with many activities. No validation here: that
 * is the entity layer's job (entity-layer.ts).
 */
import { SCHEMA, type EntityDef } from './schema';
import type { EntityName } from './types';
import type { StoredRow, StoredValue } from './values';

/** Inverse operations of the writes made so far, for $batch atomicity groups. */
export type UndoLog = Array<() => void>;

class Table {
  readonly rows = new Map<string, StoredRow>();
  private readonly seqOf = new Map<string, number>();
  private nextSeq = 0;
  /** column -> value -> ids */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(readonly def: EntityDef) {
    for (const c of def.columnList) if (c.type === 'Guid' && c.name !== 'Id') this.indexes.set(c.name, new Map());
  }

  private index(id: string, row: StoredRow, add: boolean): void {
    for (const [column, index] of this.indexes) {
      const value = row[column];
      if (typeof value !== 'string') continue;
      let ids = index.get(value);
      if (add) {
        if (!ids) index.set(value, (ids = new Set()));
        ids.add(id);
      } else if (ids) {
        ids.delete(id);
        if (ids.size === 0) index.delete(value);
      }
    }
  }

  insert(row: StoredRow, seq?: number): void {
    const id = row.Id as string;
    this.rows.set(id, row);
    const s = seq ?? this.nextSeq++;
    this.seqOf.set(id, s);
    this.index(id, row, true);
    if (seq !== undefined) this.restoreOrder();
  }

  replace(row: StoredRow): StoredRow {
    const id = row.Id as string;
    const before = this.rows.get(id) as StoredRow;
    this.index(id, before, false);
    this.rows.set(id, row); // Map.set on an existing key keeps its position
    this.index(id, row, true);
    return before;
  }

  delete(id: string): { row: StoredRow; seq: number } | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    const seq = this.seqOf.get(id) as number;
    this.index(id, row, false);
    this.rows.delete(id);
    this.seqOf.delete(id);
    return { row, seq };
  }

  /** After an undone delete, put rows back in insertion order. */
  private restoreOrder(): void {
    const ordered = [...this.rows.entries()].sort((a, b) => (this.seqOf.get(a[0]) ?? 0) - (this.seqOf.get(b[0]) ?? 0));
    this.rows.clear();
    for (const [id, row] of ordered) this.rows.set(id, row);
  }

  seq(id: string): number {
    return this.seqOf.get(id) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Ids whose `column` equals value, or undefined if the column is not indexed. */
  lookup(column: string, value: string | null): ReadonlySet<string> | undefined {
    if (column === 'Id') return new Set(value !== null && this.rows.has(value) ? [value] : []);
    const index = this.indexes.get(column);
    if (!index || value === null) return undefined;
    return index.get(value) ?? new Set();
  }
}

export class Store {
  private readonly tables = new Map<EntityName, Table>();

  constructor() {
    for (const [name, def] of SCHEMA) this.tables.set(name, new Table(def));
  }

  private table(entity: EntityName): Table {
    return this.tables.get(entity) as Table;
  }

  get(entity: EntityName, id: string): StoredRow | undefined {
    return this.table(entity).rows.get(id);
  }

  has(entity: EntityName, id: string): boolean {
    return this.table(entity).rows.has(id);
  }

  all(entity: EntityName): IterableIterator<StoredRow> {
    return this.table(entity).rows.values();
  }

  size(entity: EntityName): number {
    return this.table(entity).rows.size;
  }

  /** Rows with the given ids, in insertion order. */
  byIds(entity: EntityName, ids: ReadonlySet<string>): StoredRow[] {
    const t = this.table(entity);
    return [...ids]
      .sort((a, b) => t.seq(a) - t.seq(b))
      .map((id) => t.rows.get(id))
      .filter((r): r is StoredRow => r !== undefined);
  }

  lookup(entity: EntityName, column: string, value: string | null): ReadonlySet<string> | undefined {
    return this.table(entity).lookup(column, value);
  }

  insert(entity: EntityName, row: StoredRow, undo?: UndoLog): void {
    const t = this.table(entity);
    t.insert(row);
    undo?.push(() => void t.delete(row.Id as string));
  }

  update(entity: EntityName, row: StoredRow, undo?: UndoLog): StoredRow {
    const t = this.table(entity);
    const before = t.replace(row);
    undo?.push(() => void t.replace(before));
    return before;
  }

  delete(entity: EntityName, id: string, undo?: UndoLog): StoredRow | undefined {
    const t = this.table(entity);
    const removed = t.delete(id);
    if (removed) undo?.push(() => t.insert(removed.row, removed.seq));
    return removed?.row;
  }

  /** Ids of rows in `entity` whose `column` equals `value` (scan when not indexed). */
  referencing(entity: EntityName, column: string, value: string): string[] {
    const hit = this.lookup(entity, column, value);
    if (hit) return [...hit];
    const out: string[] = [];
    for (const row of this.all(entity)) if (row[column] === value) out.push(row.Id as string);
    return out;
  }
}

export function rowValue(row: StoredRow, column: string): StoredValue {
  return row[column] ?? null;
}
