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
  /**
   * Emulates the customer's two webhook business processes (issue 4). Off when
   * absent; can be set later with setBusinessProcesses, because the service's
   * webhook URL is only known once its connection is saved.
   */
  businessProcesses?: BusinessProcessesOptions;
}

/**
 * The two business processes a Creatio admin builds so Creatio calls our webhook
 * (creatio-api.md 4.1; opencx-creatio-integration.md 3.3): a Signal start event
 * plus "Call web service". Creatio cannot sign the request and does not retry it.
 *
 * Bodies (keys in this order; `format: 'form'` sends the same keys as
 * application/x-www-form-urlencoded):
 *   BP #1  {"event_type":"new_activity","caseId":"<guid>","activityId":"<guid>"}
 *   BP #2  {"event_type":"case_status_changed","caseId":"<guid>","statusId":"<guid>","modifiedOn":"<iso>"}
 */
export interface BusinessProcessesOptions {
  /** Absolute http(s) URL, e.g. https://host/webhooks/creatio/<token>. */
  url: string;
  /** Extra request headers, as declared on the web service (e.g. X-Webhook-Token). */
  headers?: Record<string, string>;
  /** Body encoding. Default 'json'. */
  format?: 'json' | 'form';
  /** BP #1: Activity "After record added". */
  agentReply?: {
    /** Default true. */
    enabled?: boolean;
    /** ActivityType names the start-event filter accepts. Default ['Email', 'Task']; [] = any type. */
    activityTypeNames?: string[];
    /** Filter "Case is filled in". Default true; when false, an activity without a case sends the zero GUID. */
    onlyWithCase?: boolean;
    /**
     * Skip activities added by an OAuth client's system user. Default false: a
     * realistic process fires on ANY added activity, including the integration's
     * own, and the service must ignore those itself.
     */
    excludeClientUsers?: boolean;
  };
  /** BP #2: Case "After record modified" when StatusId changes to a matching status. */
  caseClosure?: {
    /** Default true. */
    enabled?: boolean;
    /** Which statuses fire: IsResolved, IsFinal, or either. Default 'resolved_or_final'. */
    statusFilter?: 'resolved_or_final' | 'resolved' | 'final';
    /** Skip status changes made by an OAuth client's system user. Default false (fires for everyone). */
    excludeClientUsers?: boolean;
  };
  /** Abort a POST after this long (the process element fails). Default 10000. */
  timeoutMs?: number;
  /** Extra attempts after a failure (network error or non-2xx). Default 0: Creatio's element does not retry. */
  retries?: number;
  /** Pause before each retry. Default 1000. */
  retryDelayMs?: number;
}

export type BusinessProcessKind = 'agentReply' | 'caseClosure';

/** The keys a process sends (see BusinessProcessesOptions for the exact bodies). */
export type WebhookPayload =
  | { event_type: 'new_activity'; caseId: string; activityId: string }
  | { event_type: 'case_status_changed'; caseId: string; statusId: string; modifiedOn: string };

/** Test controls for webhook delivery. Fields given replace the current value; others stay. */
export interface WebhookControls {
  /** Wait this long before each POST (held deliveries are sent without it once released). Default 0. */
  delayMs?: number;
  /** Silently lose the next N process runs (logged with dropped: true, nothing sent). */
  dropNext?: number;
  /** Send the next N process runs twice, concurrently (the copy is logged with duplicated: true). */
  duplicateNext?: number;
  /**
   * Queue deliveries instead of sending them, until releaseWebhooks(), which sends
   * them in reverse order. Setting it back to false releases the queue the same way.
   */
  holdAndReorder?: boolean;
}

export interface WebhookControlState {
  delayMs: number;
  dropNext: number;
  duplicateNext: number;
  holdAndReorder: boolean;
}

/** One delivery attempt (or a dropped run), logged when it ends. */
export interface WebhookAttempt {
  /** Attempt number, in the order attempts ended. */
  seq: number;
  /** The process run it belongs to; a duplicate and retries share their run's. */
  run: number;
  /** When the POST started (or the run was dropped). */
  at: number;
  kind: BusinessProcessKind;
  url: string;
  contentType: string;
  /** The body exactly as sent (or as it would have been, when dropped). */
  body: string;
  payload: WebhookPayload;
  /** Contact whose change triggered the process. */
  byUserContactId: string;
  /** HTTP status received; absent when dropped or on a network error. */
  status?: number;
  /** Start of the response body (up to 2000 characters). */
  responseBody?: string;
  /** Network error, timeout or abort. */
  error?: string;
  durationMs?: number;
  dropped?: boolean;
  duplicated?: boolean;
  /** Retry number (1 = first retry) when the `retries` option is used. */
  retry?: number;
}

export interface WebhookCounts {
  /** Process runs by kind (dropped ones included). */
  runs: Record<BusinessProcessKind, number>;
  /** POSTs made (duplicates and retries included). */
  attempts: number;
  /** Attempts answered with 2xx. */
  succeeded: number;
  /** Attempts with a non-2xx answer or a network error. */
  failed: number;
  dropped: number;
  duplicated: number;
  retried: number;
  /** Deliveries queued by holdAndReorder right now. */
  held: number;
  /** Deliveries waiting for their delay or in flight right now. */
  pending: number;
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

  /** Sets or replaces the emulated business processes; undefined turns them off. Throws on invalid options. */
  setBusinessProcesses(options: BusinessProcessesOptions | undefined): void;
  /** The current business-process options with defaults filled in, or undefined when off. */
  businessProcesses(): BusinessProcessesOptions | undefined;
  /** Changes the given delivery controls and returns the resulting state (no argument: just read it). */
  webhookControls(controls?: WebhookControls): WebhookControlState;
  /** Ends holding and sends the held deliveries newest first, one after another; resolves with their attempts. */
  releaseWebhooks(): Promise<WebhookAttempt[]>;
  webhookLog(): ReadonlyArray<WebhookAttempt>;
  webhookCounts(): WebhookCounts;
  /** Clears the webhook log and counts (not the controls or held deliveries). */
  clearWebhookLog(): void;
  /** Resolves when no delivery is waiting or in flight (held ones excluded); rejects after timeoutMs (default 10000). */
  webhooksSettled(timeoutMs?: number): Promise<void>;
  onWebhookAttempt(listener: (attempt: WebhookAttempt) => void): () => void;

  close(): Promise<void>;
}
