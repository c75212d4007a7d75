/**
 * What Creatio's entity layer and database do on a write: JSON value conversion
 * (400s with ODataLib-like texts), defaults from system settings, generated case
 * numbers, Created/Modified columns, then the database checks in PostgreSQL's
 * order: value too long (22001), primary key (23505), foreign keys (23503).
 */
import { randomUUID } from 'node:crypto';
import { CaseStatus, CasePriority, CaseOrigin, ActivityType, ActivityCategory, ActivityStatus, FIRST_LINE_SUPPORT_GROUP_ID, EMPTY_GUID } from '../creatio/stock';
import {
  ODataHttpError,
  badRequest,
  duplicateKey,
  finalCaseStatus,
  foreignKeyViolation,
  notFound,
  referencedOnDelete,
  valueTooLong,
} from './errors';
import { entityDef, qualifiedTypeName, referencesTo, edmType, type ColumnDef, type EntityDef } from './schema';
import type { Store, UndoLog } from './store';
import type { EntityName, RecordChange } from './types';
import { emptyValue, formatRow, isGuid, parseDateTime, type StoredRow, type StoredValue } from './values';

export interface Actor {
  userContactId: string;
  clientId?: string;
}

/** A unit of work: its undo log and the change events to emit if it commits. */
export interface WriteContext {
  actor: Actor;
  undo?: UndoLog;
  changes: RecordChange[];
}

export interface EntityLayerOptions {
  foreignKeyErrorStatus: number;
  maxTextLength: Partial<Record<string, number>>;
  enforceFinalStatus: boolean;
  now: () => number;
}

export type DependentsPolicy = 'restrict' | 'cascade' | 'setNull';

/** Columns that are filled in on insert when the body leaves them out (creatio-api.md 3.1, 3.5). */
function entityDefaults(entity: EntityName, actor: Actor, now: number): Record<string, StoredValue> {
  switch (entity) {
    case 'Case':
      return {
        StatusId: CaseStatus.New,
        PriorityId: CasePriority.Medium,
        OriginId: CaseOrigin.Default,
        GroupId: FIRST_LINE_SUPPORT_GROUP_ID,
        RegisteredOn: now,
      };
    case 'Activity':
      return {
        TypeId: ActivityType.Task,
        ActivityCategoryId: ActivityCategory.ToDo,
        StatusId: ActivityStatus.NotStarted,
        StartDate: now,
        OwnerId: actor.userContactId,
        AuthorId: actor.userContactId,
      };
    case 'SysAdminUnit':
      return { Active: true };
    default:
      return {};
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'StartArray';
  if (typeof value === 'object') return 'StartObject';
  return String(value);
}

export class EntityLayer {
  private caseNumber = 0;

  constructor(
    private readonly store: Store,
    private readonly options: EntityLayerOptions,
  ) {}

  /** Converts one JSON property value to its stored form, or throws a 400. */
  convertValue(column: ColumnDef, value: unknown): StoredValue {
    const edm = edmType(column.type);
    if (value === null) {
      if (!column.nullable) {
        const t = `${edm}[Nullable=False]`;
        throw badRequest(
          `A null value was found for the property named '${column.name}', which has the expected type '${t}'. The expected type '${t}' does not allow null values.`,
        );
      }
      return column.type === 'String' || column.type === 'Text' ? '' : null;
    }
    if (typeof value === 'object') {
      throw badRequest(
        `An unexpected '${describe(value)}' node was found for property named '${column.name}' when reading from the JSON reader. A 'PrimitiveValue' node was expected.`,
      );
    }
    const cannotConvertLiteral = (): ODataHttpError =>
      badRequest(`Cannot convert the literal '${String(value)}' to the expected type '${edm}'.`);
    const cannotConvertPrimitive = (): ODataHttpError =>
      badRequest(`Cannot convert a primitive value to the expected type '${edm}'. See the inner exception for more details.`);
    switch (column.type) {
      case 'Guid': {
        if (typeof value !== 'string' || !isGuid(value)) throw cannotConvertLiteral();
        const g = value.toLowerCase();
        // Creatio stores an empty lookup as NULL; it reads back as the zero GUID.
        if (g === EMPTY_GUID && column.name !== 'Id') return null;
        return g;
      }
      case 'String':
      case 'Text':
        if (typeof value !== 'string') throw cannotConvertPrimitive();
        return value;
      case 'DateTime': {
        if (typeof value !== 'string') throw cannotConvertPrimitive();
        const t = parseDateTime(value);
        if (t === undefined) throw cannotConvertLiteral();
        return t;
      }
      case 'Boolean':
        if (typeof value !== 'boolean') throw cannotConvertPrimitive();
        return value;
      case 'Int':
        if (typeof value !== 'number' || !Number.isInteger(value) || value > 2147483647 || value < -2147483648) {
          throw cannotConvertPrimitive();
        }
        return value;
    }
  }

  /** Converts a JSON body into column values; rejects arrays, unknown properties and wrong types. */
  convertBody(def: EntityDef, body: unknown): Map<string, StoredValue> {
    if (body === null || typeof body !== 'object') {
      throw badRequest(
        `An unexpected '${body === undefined ? 'EndOfInput' : 'PrimitiveValue'}' node was found when reading from the JSON reader. A 'StartObject' node was expected.`,
      );
    }
    if (Array.isArray(body)) {
      throw badRequest(
        "An unexpected 'StartArray' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
      );
    }
    const out = new Map<string, StoredValue>();
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const at = key.indexOf('@');
      if (at >= 0) {
        const annotation = key.slice(at + 1);
        if (at > 0 && annotation === 'odata.bind') this.bindNavigation(def, key.slice(0, at), value, out);
        // Other instance annotations (@odata.type, @odata.context...) carry no data.
        continue;
      }
      const column = def.columns.get(key);
      if (!column) {
        if (def.navigations.has(key)) {
          throw badRequest(`Deep insert or update of navigation property '${key}' is not supported; set '${def.navigations.get(key)?.name}' instead.`);
        }
        throw badRequest(
          `The property '${key}' does not exist on type '${qualifiedTypeName(def.name)}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
        );
      }
      out.set(column.name, this.convertValue(column, value));
    }
    return out;
  }

  /** `Status@odata.bind: "CaseStatus(<guid>)"` sets StatusId. */
  private bindNavigation(def: EntityDef, nav: string, value: unknown, out: Map<string, StoredValue>): void {
    const column = def.navigations.get(nav);
    if (!column || !column.lookup) {
      throw badRequest(`The property '${nav}' does not exist on type '${qualifiedTypeName(def.name)}'.`);
    }
    const m = typeof value === 'string' ? /(?:^|\/)([A-Za-z]+)(?:\(([^)]*)\)|\/([^/]+))$/.exec(value) : null;
    const key = m ? (m[2] ?? m[3] ?? '') : '';
    if (!m || m[1] !== column.lookup || !isGuid(key)) {
      throw badRequest(`Invalid entity reference '${String(value)}' for navigation property '${nav}'.`);
    }
    out.set(column.name, key.toLowerCase());
  }

  private maxLength(def: EntityDef, column: ColumnDef): number | undefined {
    return this.options.maxTextLength[`${def.name}.${column.name}`] ?? column.maxLength;
  }

  private checkLengths(def: EntityDef, row: StoredRow): void {
    for (const column of def.columnList) {
      if (column.type !== 'String' && column.type !== 'Text') continue;
      const max = this.maxLength(def, column);
      const v = row[column.name];
      // PostgreSQL counts characters (code points), not UTF-16 units.
      if (max !== undefined && typeof v === 'string' && v.length > max && [...v].length > max) {
        throw valueTooLong(max);
      }
    }
  }

  private checkForeignKeys(def: EntityDef, row: StoredRow, only?: ReadonlySet<string>): void {
    for (const column of def.columnList) {
      if (!column.lookup || (only && !only.has(column.name))) continue;
      const v = row[column.name];
      if (typeof v !== 'string') continue;
      // A self-reference to the row being inserted is fine.
      if (column.lookup === def.name && v === row.Id) continue;
      if (!this.store.has(column.lookup, v)) {
        throw foreignKeyViolation(this.options.foreignKeyErrorStatus, def.table, column.name, v, entityDef(column.lookup).table);
      }
    }
  }

  /** SolutionProvidedOn / ClosureDate follow the status, as Case business logic does. */
  private applyCaseRules(row: StoredRow, supplied: ReadonlyMap<string, StoredValue>, now: number): void {
    const statusId = row.StatusId;
    if (typeof statusId !== 'string') return;
    const status = this.store.get('CaseStatus', statusId);
    if (!status) return;
    if (status.IsResolved === true && row.SolutionProvidedOn === null && !supplied.has('SolutionProvidedOn')) {
      row.SolutionProvidedOn = now;
      if (row.FirstSolutionProvidedOn === null && !supplied.has('FirstSolutionProvidedOn')) row.FirstSolutionProvidedOn = now;
    }
    if (status.IsFinal === true && row.ClosureDate === null && !supplied.has('ClosureDate')) row.ClosureDate = now;
  }

  private nextCaseNumber(): string {
    this.caseNumber += 1;
    return `SR${String(this.caseNumber).padStart(8, '0')}`;
  }

  private emit(ctx: WriteContext, change: Omit<RecordChange, 'byUserContactId' | 'viaClientId' | 'at'>): void {
    const full: RecordChange = { ...change, byUserContactId: ctx.actor.userContactId, at: this.options.now() };
    if (ctx.actor.clientId !== undefined) full.viaClientId = ctx.actor.clientId;
    ctx.changes.push(full);
  }

  create(entity: EntityName, body: unknown, ctx: WriteContext): StoredRow {
    const def = entityDef(entity);
    const supplied = this.convertBody(def, body);
    const now = this.options.now();
    const row: StoredRow = {};
    for (const c of def.columnList) row[c.name] = emptyValue(c);
    Object.assign(row, entityDefaults(entity, ctx.actor, now));
    row.CreatedOn = now;
    row.ModifiedOn = now;
    row.CreatedById = ctx.actor.userContactId;
    row.ModifiedById = ctx.actor.userContactId;
    for (const [k, v] of supplied) {
      // Server-set columns keep the server's value when the client sends null.
      if ((k === 'CreatedOn' || k === 'ModifiedOn' || k === 'CreatedById' || k === 'ModifiedById') && v === null) continue;
      row[k] = v;
    }
    // Creatio's default due date follows the start date.
    if (entity === 'Activity' && !supplied.has('DueDate') && typeof row.StartDate === 'number') row.DueDate = row.StartDate + 30 * 60_000;
    const id = row.Id;
    if (typeof id !== 'string' || id === EMPTY_GUID) row.Id = randomUUID();
    if (entity === 'Case' && (row.Number === '' || row.Number === null)) row.Number = this.nextCaseNumber();
    if (entity === 'Case') this.applyCaseRules(row, supplied, now);

    this.checkLengths(def, row);
    if (this.store.has(entity, row.Id as string)) throw duplicateKey(def.table, row.Id as string);
    this.checkForeignKeys(def, row);

    this.store.insert(entity, row, ctx.undo);
    this.emit(ctx, { entity, op: 'insert', id: row.Id as string, after: formatRow(def.columnList, row) });
    return row;
  }

  update(entity: EntityName, id: string, body: unknown, ctx: WriteContext): StoredRow {
    const def = entityDef(entity);
    const supplied = this.convertBody(def, body);
    const current = this.store.get(entity, id);
    if (!current) throw notFound(`The ${entity} record with Id '${id}' was not found.`);
    if (supplied.has('Id') && supplied.get('Id') !== id) {
      throw badRequest(`The key property 'Id' of ${entity} cannot be changed.`);
    }
    const now = this.options.now();
    const row: StoredRow = { ...current };
    for (const [k, v] of supplied) row[k] = v;

    if (entity === 'Case' && this.options.enforceFinalStatus && supplied.has('StatusId') && row.StatusId !== current.StatusId) {
      const status = typeof current.StatusId === 'string' ? this.store.get('CaseStatus', current.StatusId) : undefined;
      if (status?.IsFinal === true) throw finalCaseStatus(String(current.Number));
    }
    if (entity === 'Case') this.applyCaseRules(row, supplied, now);
    // Creatio's entity layer stamps every save.
    row.ModifiedOn = now;
    row.ModifiedById = ctx.actor.userContactId;

    this.checkLengths(def, row);
    this.checkForeignKeys(def, row, new Set([...supplied.keys(), 'ModifiedById']));

    const before = this.store.update(entity, row, ctx.undo);
    this.emit(ctx, {
      entity,
      op: 'update',
      id,
      before: formatRow(def.columnList, before),
      after: formatRow(def.columnList, row),
    });
    return row;
  }

  /**
   * Deletes a row. References through CreatedById/ModifiedById are cleared (they
   * never block a delete); other references follow `dependents`.
   */
  delete(entity: EntityName, id: string, ctx: WriteContext, dependents: DependentsPolicy): void {
    const def = entityDef(entity);
    const current = this.store.get(entity, id);
    if (!current) throw notFound(`The ${entity} record with Id '${id}' was not found.`);
    for (const ref of referencesTo(entity)) {
      const ids = this.store.referencing(ref.entity, ref.column.name, id).filter((rid) => !(ref.entity === entity && rid === id));
      if (ids.length === 0) continue;
      const audit = ref.column.name === 'CreatedById' || ref.column.name === 'ModifiedById';
      const policy: DependentsPolicy = audit ? 'setNull' : dependents;
      if (policy === 'restrict') {
        throw referencedOnDelete(this.options.foreignKeyErrorStatus, def.table, entityDef(ref.entity).table, ref.column.name, id);
      }
      for (const rid of ids) {
        if (policy === 'cascade') {
          if (this.store.has(ref.entity, rid)) this.delete(ref.entity, rid, ctx, dependents);
        } else {
          const refDef = entityDef(ref.entity);
          const before = this.store.get(ref.entity, rid);
          if (!before) continue;
          const after: StoredRow = { ...before, [ref.column.name]: null };
          this.store.update(ref.entity, after, ctx.undo);
          this.emit(ctx, {
            entity: ref.entity,
            op: 'update',
            id: rid,
            before: formatRow(refDef.columnList, before),
            after: formatRow(refDef.columnList, after),
          });
        }
      }
    }
    const removed = this.store.delete(entity, id, ctx.undo);
    if (removed) this.emit(ctx, { entity, op: 'delete', id, before: formatRow(def.columnList, removed) });
  }
}
