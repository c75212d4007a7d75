/**
 * Public types of the Creatio simulator. Kept apart from the implementation so
 * tests, the demo and benchmarks can import them without pulling in the server.
 */

export const ENTITY_NAMES = [
  'Case',
  'Activity',
  'Contact',
  'Account',
  'CaseStatus',
  'CasePriority',
  'CaseOrigin',
  'CaseCategory',
  'ActivityType',
  'ActivityCategory',
  'ActivityStatus',
  'ContactType',
  'SysAdminUnit',
  'SocialMessage',
] as const;

export type EntityName = (typeof ENTITY_NAMES)[number];

export function isEntityName(value: string): value is EntityName {
  return (ENTITY_NAMES as readonly string[]).includes(value);
}

export type Operation = 'read' | 'create' | 'update' | 'delete';

/** Per entity, the operations allowed. An entity that is absent allows everything. */
export type Permissions = Partial<Record<EntityName, Operation[]>>;

export interface SimClientSpec {
  clientId: string;
  clientSecret: string;
  name?: string;
  /** The OAuth app's "Active" flag; inactive clients get invalid_client. Default true. */
  active?: boolean;
  /** Whether the app may use the client_credentials grant. Default true. */
  allowClientCredentials?: boolean;
  permissions?: Permissions;
  /** Contact of the app's system user; generated when absent. */
  userContactId?: string;
}

export interface SimClientInfo {
  clientId: string;
  clientSecret: string;
  userContactId: string;
}

/** A row as Creatio would return it over OData (dates ISO strings, empty lookups as the zero GUID). */
export type RecordRow = Record<string, string | number | boolean | null>;

export interface RecordChange {
  entity: EntityName;
  op: 'insert' | 'update' | 'delete';
  id: string;
  before?: RecordRow;
  after?: RecordRow;
  /** Contact of the user who made the change: an OAuth app's system user or an agent. */
  byUserContactId: string;
  /** Set when the change came through the API with an OAuth client's token. */
  viaClientId?: string;
  at: number;
}

/**
 * Request kinds used in requestLog() and requestCounts():
 *   token                       POST /connect/token (any outcome)
 *   discovery                   GET /.well-known/openid-configuration
 *   service-document, metadata  GET {odata}/ and {odata}/$metadata
 *   read:<Entity>               GET collection, by key, property, /$count
 *   create:<Entity>, update:<Entity>, delete:<Entity>
 *   batch                       the outer POST {odata}/$batch
 *   batched:<kind>              one sub-request of a $batch (counted in addition to "batch")
 *   login-page                  GET /Login/NuiLogin.aspx (auth-bounce target)
 *   unknown                     anything else (unknown entity set, unknown path, bad method)
 * A request is counted under its kind whatever its outcome (401, 403, fault...).
 */
export type RequestKind = string;

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  /** HTTP status sent; 0 when the connection was dropped without a response. */
  status: number;
  clientId?: string;
  kind: RequestKind;
  /** Outer $batch request: number of sub-requests in its body. */
  subRequests?: number;
  /** Sub-request of a $batch: the outer request's sequence number. */
  batchSeq?: number;
  /** Label of the fault rule applied to this request, if any. */
  fault?: string;
  /** Sequence number of the HTTP request (sub-requests share their batch's). */
  seq: number;
}

/** A canned response used by fault rules. */
export interface FaultResponse {
  status: number;
  /**
   * Object: sent as JSON. String: sent raw, as text/html when it starts with '<',
   * else text/plain (override with contentType). Absent: the ASP.NET OData error
   * envelope with the status's reason phrase.
   */
  body?: string | Record<string, unknown>;
  contentType?: string;
  headers?: Record<string, string>;
  /** Retry-After header: seconds or an HTTP date. */
  retryAfter?: number | string;
}

/**
 * A fault rule. Matching: every given criterion must hold. Rules are tried in the
 * order they were added; the first active matching rule applies (one rule per
 * request). A rule is checked against each HTTP request (including the token
 * endpoint and the outer $batch), then against each $batch sub-request.
 *
 * Lifetime: `times` (next N matching requests) and/or a window (`durationMs`,
 * starting `delayStartMs` after it was added). With neither, it applies once.
 * With both, it ends at whichever runs out first.
 *
 * Effects: `latencyMs` (delay before handling; combines with any other effect),
 * then exactly one of, optionally:
 *   respond            send this response instead of handling the request
 *   commitThenTimeout  handle (commit) the request, then hold the response for
 *                      holdMs and then send it late ('respond', default) or drop
 *                      the socket ('drop'). In a $batch sub-request it holds the
 *                      whole batch response.
 *   dropConnection     destroy the socket without handling the request. In a
 *                      $batch sub-request the earlier sub-requests stay committed.
 */
export interface FaultRule {
  /** Free label, reported in requestLog and faultCounts. Default: generated id. */
  label?: string;
  method?: string;
  /** Substring of the request path (with query string), e.g. '/connect/token', 'Case('. */
  pathIncludes?: string;
  entity?: EntityName;
  /** Exact request kind ('create:Case', 'token', 'batch') or prefix ending in ':' ('create:'). */
  kind?: string;
  clientId?: string;
  times?: number;
  durationMs?: number;
  delayStartMs?: number;
  latencyMs?: number;
  respond?: FaultResponse;
  commitThenTimeout?: { holdMs: number; then?: 'respond' | 'drop' };
  dropConnection?: boolean;
}

export interface ActiveFaultInfo {
  id: string;
  label: string;
  rule: FaultRule;
  remaining?: number;
  applied: number;
}

export interface SimulatorOptions {
  /** Default '127.0.0.1' (loopback only). */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default '/0/odata' (.NET Framework); '/odata' for .NET Core / 8 instances. */
  odataBasePath?: '/0/odata' | '/odata';
  /** Default 3600. Fractions allowed for tests; expires_in is rounded up. */
  tokenLifetimeSeconds?: number;
  /** Default: one client with all permissions and random credentials. */
  clients?: SimClientSpec[];
  /** HTTP test-control API under /__sim. Default false (then /__sim is 404). */
  controlApi?: boolean;
  /** When set, the control API requires header x-sim-control-token with this value. */
  controlToken?: string;
  /** Seed a "Chat" CaseOrigin (stock Creatio has none). Default true. */
  seedChatOrigin?: boolean;
  /** HTTP status for foreign-key violations. Default 500. */
  foreignKeyErrorStatus?: 500 | 400;
  /** Finite lengths for 'Entity.Column', e.g. {'Activity.Notes': 4000}. */
  maxTextLength?: Partial<Record<string, number>>;
  /** Refuse changing StatusId of a case whose status is final. Default false. */
  enforceFinalStatus?: boolean;
  /** Row cap per query (Creatio MaxEntityRowCount). Default 20000. */
  maxPageSize?: number;
}

export interface DeleteOptions {
  /**
   * What an agent's delete does with records that reference the deleted one:
   * 'cascade' (default, like deleting "with connected records" in the UI) deletes
   * them too, 'setNull' clears the reference, 'restrict' fails like the database.
   */
  dependents?: 'cascade' | 'setNull' | 'restrict';
}

export interface AgentWriteOptions {
  /** Contact of the acting user. Default: the Supervisor contact. */
  asUserContactId?: string;
}

export interface CreatioSimulator {
  url: string;
  tokenUrl: string;
  odataUrl: string;
  /** Current credentials of every client (secrets as currently set). */
  readonly clients: SimClientInfo[];
  /** Contact used by agent writes by default (the Supervisor). */
  readonly agentContactId: string;

  addClient(spec: SimClientSpec): SimClientInfo;
  setClientSecret(clientId: string, secret: string): void;
  setClientActive(clientId: string, active: boolean): void;
  setPermissions(clientId: string, permissions: Permissions): void;
  revokeTokens(clientId?: string): void;
  expireTokens(clientId?: string): void;

  /** Adds a fault rule; returns its id. */
  injectFaults(rule: FaultRule): string;
  removeFault(id: string): void;
  clearFaults(): void;
  faults(): ActiveFaultInfo[];
  /** How many times each fault label was applied since the last resetCounts(). */
  faultCounts(): Record<string, number>;

  records(entity: EntityName): ReadonlyArray<RecordRow>;
  getRecord(entity: EntityName, id: string): RecordRow | undefined;
  insertRecord(entity: EntityName, row: Record<string, unknown>, options?: AgentWriteOptions): RecordRow;
  updateRecord(entity: EntityName, id: string, patch: Record<string, unknown>, options?: AgentWriteOptions): RecordRow;
  deleteRecord(entity: EntityName, id: string, options?: DeleteOptions & AgentWriteOptions): void;

  requestLog(): ReadonlyArray<RequestLogEntry>;
  requestCounts(): Record<RequestKind, number>;
  /** Clears request counts, the request log and fault counts. */
  resetCounts(): void;

  onRecordChange(listener: (change: RecordChange) => void): () => void;
  close(): Promise<void>;
}
