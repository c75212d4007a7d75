/**
 * The simulator's state and the operations both the HTTP server and the
 * in-process/control APIs use: store, entity layer, identity service, faults,
 * request log, change listeners.
 */
import { randomUUID } from 'node:crypto';
import { SUPERVISOR_CONTACT_ID } from '../creatio/stock';
import { EntityLayer, type Actor, type DependentsPolicy, type WriteContext } from './entity-layer';
import { FaultInjector } from './faults';
import { ODataService } from './odata-service';
import { RequestRecorder } from './request-log';
import { entityDef } from './schema';
import { seedClientUser, seedStore } from './seed';
import { Store } from './store';
import { IdentityService } from './token';
import { isEntityName, type EntityName, type RecordChange, type RecordRow, type SimClientInfo, type SimClientSpec, type SimulatorOptions } from './types';
import { formatRow } from './values';

export interface ResolvedOptions {
  host: string;
  port: number;
  odataBasePath: '/0/odata' | '/odata';
  tokenLifetimeSeconds: number;
  controlApi: boolean;
  controlToken?: string;
  seedChatOrigin: boolean;
  foreignKeyErrorStatus: 500 | 400;
  maxTextLength: Partial<Record<string, number>>;
  enforceFinalStatus: boolean;
  maxPageSize: number;
}

export function resolveOptions(o: SimulatorOptions = {}): ResolvedOptions {
  const lifetime = o.tokenLifetimeSeconds ?? 3600;
  if (!(lifetime > 0)) throw new Error('tokenLifetimeSeconds must be positive');
  const resolved: ResolvedOptions = {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    odataBasePath: o.odataBasePath ?? '/0/odata',
    tokenLifetimeSeconds: lifetime,
    controlApi: o.controlApi ?? false,
    seedChatOrigin: o.seedChatOrigin ?? true,
    foreignKeyErrorStatus: o.foreignKeyErrorStatus ?? 500,
    maxTextLength: { ...(o.maxTextLength ?? {}) },
    enforceFinalStatus: o.enforceFinalStatus ?? false,
    maxPageSize: o.maxPageSize ?? 20_000,
  };
  if (o.controlToken !== undefined) resolved.controlToken = o.controlToken;
  if (resolved.odataBasePath !== '/0/odata' && resolved.odataBasePath !== '/odata') throw new Error('odataBasePath must be /0/odata or /odata');
  for (const [key, max] of Object.entries(resolved.maxTextLength)) {
    // A typo here would silently leave the column unlimited, so refuse it.
    const [entity, column] = key.split('.');
    if (!entity || !column || !isEntityName(entity) || !entityDef(entity).columns.has(column)) {
      throw new Error(`maxTextLength: unknown column '${key}' (expected 'Entity.Column')`);
    }
    if (max === undefined || !Number.isInteger(max) || max < 1) throw new Error(`maxTextLength: '${key}' must be a positive integer`);
  }
  return resolved;
}

export interface SimUrls {
  url: string;
  tokenUrl: string;
  odataUrl: string;
}

export class SimulatorCore {
  readonly now = (): number => Date.now();
  readonly store = new Store();
  readonly layer: EntityLayer;
  readonly identity: IdentityService;
  readonly faults = new FaultInjector(this.now);
  readonly recorder = new RequestRecorder();
  readonly service: ODataService;
  private readonly listeners = new Set<(change: RecordChange) => void>();
  /** Agent writes (insertRecord...) act as the Supervisor unless told otherwise. */
  readonly agentContactId = SUPERVISOR_CONTACT_ID;

  constructor(
    readonly options: ResolvedOptions,
    readonly urls: SimUrls,
    clients: SimClientSpec[],
  ) {
    this.layer = new EntityLayer(this.store, {
      foreignKeyErrorStatus: options.foreignKeyErrorStatus,
      maxTextLength: options.maxTextLength,
      enforceFinalStatus: options.enforceFinalStatus,
      now: this.now,
    });
    this.identity = new IdentityService(options.tokenLifetimeSeconds, urls.url, this.now);
    this.service = new ODataService(this.store, this.layer, urls.odataUrl, options.maxPageSize);
    seedStore(this.store, { seedChatOrigin: options.seedChatOrigin, now: this.now() });
    for (const spec of clients) this.addClient(spec);
  }

  addClient(spec: SimClientSpec): SimClientInfo {
    const contactId = (spec.userContactId ?? randomUUID()).toLowerCase();
    const name = spec.name ?? `${spec.clientId} (OAuth app user)`;
    const client = this.identity.addClient(spec, contactId);
    if (!this.store.has('Contact', contactId)) seedClientUser(this.store, name, contactId, randomUUID(), this.now());
    return { clientId: client.clientId, clientSecret: client.clientSecret, userContactId: client.userContactId };
  }

  onRecordChange(listener: (change: RecordChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  newContext(actor: Actor): WriteContext {
    return { actor, undo: [], changes: [] };
  }

  commit(ctx: WriteContext): void {
    const changes = ctx.changes.splice(0);
    ctx.undo?.splice(0);
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (err) {
          // A broken listener must not turn a committed write into an error.
          process.stderr.write(`creatio-sim: record-change listener failed: ${String(err)}\n`);
        }
      }
    }
  }

  rollback(ctx: WriteContext): void {
    const undo = ctx.undo ?? [];
    for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
    undo.splice(0);
    ctx.changes.splice(0);
  }

  /** Runs an agent write in its own unit of work. Throws ODataHttpError on failure. */
  private agentWrite<T>(asUserContactId: string | undefined, fn: (ctx: WriteContext) => T): T {
    const ctx = this.newContext({ userContactId: (asUserContactId ?? this.agentContactId).toLowerCase() });
    try {
      const result = fn(ctx);
      this.commit(ctx);
      return result;
    } catch (err) {
      this.rollback(ctx);
      throw err;
    }
  }

  format(entity: EntityName, id: string): RecordRow | undefined {
    const row = this.store.get(entity, id.toLowerCase());
    return row ? formatRow(entityDef(entity).columnList, row) : undefined;
  }

  records(entity: EntityName): RecordRow[] {
    const columns = entityDef(entity).columnList;
    return [...this.store.all(entity)].map((row) => formatRow(columns, row));
  }

  insertRecord(entity: EntityName, row: Record<string, unknown>, asUserContactId?: string): RecordRow {
    const stored = this.agentWrite(asUserContactId, (ctx) => this.layer.create(entity, row, ctx));
    return formatRow(entityDef(entity).columnList, stored);
  }

  updateRecord(entity: EntityName, id: string, patch: Record<string, unknown>, asUserContactId?: string): RecordRow {
    const stored = this.agentWrite(asUserContactId, (ctx) => this.layer.update(entity, id.toLowerCase(), patch, ctx));
    return formatRow(entityDef(entity).columnList, stored);
  }

  deleteRecord(entity: EntityName, id: string, dependents: DependentsPolicy = 'cascade', asUserContactId?: string): void {
    this.agentWrite(asUserContactId, (ctx) => this.layer.delete(entity, id.toLowerCase(), ctx, dependents));
  }
}

