/**
 * The Creatio OData client for one connection. Everything HTTP goes through
 * `exchange`: limiter slot → cached Bearer token → one request → on an auth
 * bounce (401, redirect to the login page, HTML with 2xx) drop the token, fetch
 * a new one and retry exactly once. Operations then turn the final response into
 * a result or a typed error (classify.ts).
 *
 * Idempotent creates: every create carries its Id. When a create's outcome is
 * uncertain (timeout, network error after sending, unrecognised 5xx) or Creatio
 * says duplicate key, we GET `Entity(<id>)`: found → it is created.
 */
import type { Dispatcher } from 'undici';
import {
  CreatioError,
  DuplicateKeyError,
  NotFoundError,
  TransientError,
  UnexpectedHtmlError,
  ValidationError,
} from './errors';
import { classifyHttpError, isAuthBounce, type Operation } from './classify';
import { parseErrorEnvelope, send, TransportError, type HttpMethod, type HttpResponse } from './http';
import { ConnectionLimiter, defaultConnectionLimiter } from './limiter';
import { buildQueryString, checkEntityName, entityKeyPath, formatGuid, type QueryOptions } from './odata';
import { acquireToken, TokenCache, type AccessToken } from './token-cache';
import { fetchToken } from './token';
import { resolveEndpoints, type Endpoints } from './urls';
import {
  buildBatchBody,
  interpretBatch,
  MAX_BATCH_SIZE,
  parseBatchResponse,
  type BatchItem,
  type BatchItemResult,
  type NewRecord,
  type ODataRecord,
} from './batch';
import { createMany as createManyImpl, type CreateManyOptions, type CreateManyResult, type EntityRow } from './create-many';

export interface CreatioConnection {
  /** Token cache key; the caller passes `${orgId}:${credentialsVersion}`. */
  cacheKey: string;
  /** `https://<name>.creatio.com` or the on-site root. */
  instanceUrl: string;
  /** Required unless the instance is `*.creatio.com`. */
  tokenUrl?: string;
  /** `/0/odata` (default) or `/odata` (.NET 8 on-site). */
  odataBasePath?: string;
  clientId: string;
  clientSecret: string;
  /** Concurrency-limit key; defaults to the OData root, i.e. one limit per Creatio instance. */
  limiterKey?: string;
}

export type RequestKind = 'token' | 'read' | 'create' | 'update' | 'delete' | 'batch';

export interface RequestEvent {
  kind: RequestKind;
  entity?: string;
  /** Sub-requests in a `$batch`. */
  subRequests?: number;
  /** HTTP status; undefined for timeouts and network errors. */
  status?: number;
  /** Caller's tag, e.g. 'backstop'. */
  purpose?: string;
  durationMs: number;
}

export interface CreatioClientDeps {
  /** One per worker process, shared by all clients. */
  tokenCache: TokenCache;
  /** One per worker process; defaults to a process-wide limiter of 8 per instance. */
  limiter?: ConnectionLimiter;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Called after every HTTP request (token requests and retries included). Must not throw. */
  onRequest?: (event: RequestEvent) => void;
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  /** Passed through to `onRequest`. */
  purpose?: string;
  timeoutMs?: number;
}

export interface GetOptions extends CallOptions {
  select?: readonly string[];
  expand?: readonly string[];
}

export type QueryCallOptions = QueryOptions & CallOptions;

export interface BatchOptions extends CallOptions {
  /** Sends `Prefer: continue-on-error`; otherwise Creatio stops at the first failure. */
  continueOnError?: boolean;
}

export interface CreatioClient {
  /** Makes sure a token can be had (fetching one if needed); returns only its expiry. */
  getToken(opts?: CallOptions): Promise<{ expiresAt: number }>;
  get<T extends ODataRecord = ODataRecord>(entity: string, id: string, opts?: GetOptions): Promise<T>;
  query<T extends ODataRecord = ODataRecord>(
    entity: string,
    opts?: QueryCallOptions,
  ): Promise<{ value: T[]; count?: number }>;
  count(entity: string, opts?: { filter?: string } & CallOptions): Promise<number>;
  /** POST with the record's Id; returns the created (or already existing) record. */
  create<T extends ODataRecord = ODataRecord>(entity: string, body: NewRecord, opts?: CallOptions): Promise<T>;
  update(entity: string, id: string, patch: ODataRecord, opts?: CallOptions): Promise<void>;
  delete(entity: string, id: string, opts?: CallOptions): Promise<void>;
  /** Mixed `$batch`; split into requests of ≤100. Check every result. */
  batch(items: readonly BatchItem[], opts?: BatchOptions): Promise<BatchItemResult[]>;
  /** Ordered, idempotent bulk create; see create-many.ts. */
  createMany(entity: string, rows: readonly NewRecord[], opts?: CreateManyOptions): Promise<CreateManyResult>;
  /** Same, for rows of several entities in one ordered sequence (a Case, then its Activities). */
  createMany(rows: readonly EntityRow[], opts?: CreateManyOptions): Promise<CreateManyResult>;
}

const JSON_BODY_CONTENT_TYPE = 'application/json; charset=utf-8; IEEE754Compatible=true';
const DEFAULT_TIMEOUT_MS = 30_000;

interface ExchangeSpec {
  method: HttpMethod;
  /** Relative to the OData root, including any query string. */
  path: string;
  body?: unknown;
  kind: Exclude<RequestKind, 'token'>;
  entity?: string;
  subRequests?: number;
  extraHeaders?: Record<string, string>;
  opts?: CallOptions;
}

interface ErrorSpec {
  entity: string;
  operation: Operation;
  id?: string;
  sentBody?: ODataRecord;
}

function isRecord(v: unknown): v is ODataRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSuccess(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300 && !res.isHtml;
}

/** Whether a failed write may nevertheless have been applied. */
export function isUncertain(err: CreatioError): boolean {
  if (err instanceof TransportError) return err.maybeDelivered;
  return err instanceof TransientError && err.status !== undefined && err.status >= 500;
}

export function createCreatioClient(conn: CreatioConnection, deps: CreatioClientDeps): CreatioClient {
  const endpoints: Endpoints = resolveEndpoints(conn);
  const limiter = deps.limiter ?? defaultConnectionLimiter;
  const limiterKey = conn.limiterKey ?? endpoints.odataRoot;
  const defaultTimeout = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  function report(event: RequestEvent): void {
    if (!deps.onRequest) return;
    try {
      deps.onRequest(event);
    } catch {
      // Metrics must never break a sync.
    }
  }

  function token(opts?: CallOptions): Promise<AccessToken> {
    return acquireToken(deps.tokenCache, conn.cacheKey, async () => {
      const started = Date.now();
      let status: number | undefined;
      try {
        const res = await fetchToken({
          tokenUrl: endpoints.tokenUrl,
          tokenUrlDerived: endpoints.tokenUrlDerived,
          clientId: conn.clientId,
          clientSecret: conn.clientSecret,
          timeoutMs: opts?.timeoutMs ?? defaultTimeout,
          dispatcher: deps.dispatcher,
        });
        status = res.status;
        return res.token;
      } catch (err) {
        status = err instanceof CreatioError ? err.status : undefined;
        throw err;
      } finally {
        report({ kind: 'token', status, purpose: opts?.purpose, durationMs: Date.now() - started });
      }
    });
  }

  async function sendOnce(spec: ExchangeSpec, accessToken: string): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      ...spec.extraHeaders,
    };
    if (spec.body !== undefined) headers['content-type'] = JSON_BODY_CONTENT_TYPE;
    const started = Date.now();
    let status: number | undefined;
    try {
      const res = await limiter.run(limiterKey, () =>
        send({
          method: spec.method,
          url: `${endpoints.odataRoot}/${spec.path}`,
          headers,
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          timeoutMs: spec.opts?.timeoutMs ?? defaultTimeout,
          dispatcher: deps.dispatcher,
        }),
      );
      status = res.status;
      return res;
    } finally {
      report({
        kind: spec.kind,
        entity: spec.entity,
        subRequests: spec.subRequests,
        status,
        purpose: spec.opts?.purpose,
        durationMs: Date.now() - started,
      });
    }
  }

  /** One request, with exactly one token refresh + retry on an auth bounce. Returns any final status. */
  async function exchange(spec: ExchangeSpec): Promise<HttpResponse> {
    const first = await token(spec.opts);
    const res = await sendOnce(spec, first.accessToken);
    if (!isAuthBounce(res.status, res.headers, res.isHtml)) return res;
    deps.tokenCache.invalidate(conn.cacheKey, first.accessToken);
    const second = await token(spec.opts);
    return sendOnce(spec, second.accessToken);
  }

  function fail(res: HttpResponse, e: ErrorSpec): CreatioError {
    return classifyHttpError({
      status: res.status,
      headers: res.headers,
      envelope: parseErrorEnvelope(res.json, res.text, res.isHtml),
      isHtml: res.isHtml,
      entity: e.entity,
      operation: e.operation,
      id: e.id,
      sentBody: e.sentBody,
    });
  }

  function expectRecord(res: HttpResponse, e: ErrorSpec): ODataRecord {
    if (!isSuccess(res)) throw fail(res, e);
    if (!isRecord(res.json)) {
      throw new UnexpectedHtmlError(`Creatio answered ${e.operation} of ${e.entity} with ${res.status} but no JSON entity`, res.status);
    }
    return res.json;
  }

  async function get<T extends ODataRecord>(entity: string, id: string, opts?: GetOptions): Promise<T> {
    const path = entityKeyPath(entity, id) + buildQueryString({ select: opts?.select, expand: opts?.expand });
    const res = await exchange({ method: 'GET', path, kind: 'read', entity, opts });
    return expectRecord(res, { entity, operation: 'read', id: formatGuid(id) }) as T;
  }

  async function query<T extends ODataRecord>(
    entity: string,
    opts: QueryCallOptions = {},
  ): Promise<{ value: T[]; count?: number }> {
    const path = checkEntityName(entity) + buildQueryString(opts);
    const res = await exchange({ method: 'GET', path, kind: 'read', entity, opts });
    const body = expectRecord(res, { entity, operation: 'read' });
    if (!Array.isArray(body.value)) {
      throw new UnexpectedHtmlError(`Creatio answered a query of ${entity} without a "value" array`, res.status);
    }
    const rawCount = body['@odata.count'];
    // IEEE754Compatible=true sends Int64 as a string.
    const count = typeof rawCount === 'number' ? rawCount : typeof rawCount === 'string' ? Number(rawCount) : undefined;
    const value = body.value.filter(isRecord) as T[];
    return count === undefined || Number.isNaN(count) ? { value } : { value, count };
  }

  async function count(entity: string, opts: { filter?: string } & CallOptions = {}): Promise<number> {
    const { count: n } = await query(entity, { filter: opts.filter, top: 0, count: true, purpose: opts.purpose, timeoutMs: opts.timeoutMs });
    if (n === undefined) throw new UnexpectedHtmlError(`Creatio answered a count of ${entity} without @odata.count`);
    return n;
  }

  /** After an uncertain create: the record if it exists, else the original error. */
  async function findCreated<T extends ODataRecord>(entity: string, id: string, original: CreatioError, opts?: CallOptions): Promise<T> {
    try {
      return await get<T>(entity, id, { purpose: opts?.purpose, timeoutMs: opts?.timeoutMs });
    } catch (err) {
      if (err instanceof NotFoundError) throw original;
      // A non-retryable answer (e.g. no read right) is more useful than retrying forever.
      if (err instanceof CreatioError && !err.retryable) throw err;
      throw original;
    }
  }

  async function create<T extends ODataRecord>(entity: string, body: NewRecord, opts?: CallOptions): Promise<T> {
    checkEntityName(entity);
    if (typeof body.Id !== 'string') throw new ValidationError(`Creates must send their Id (${entity})`);
    const id = formatGuid(body.Id);
    const payload: NewRecord = { ...body, Id: id };
    let res: HttpResponse;
    try {
      res = await exchange({ method: 'POST', path: entity, body: payload, kind: 'create', entity, opts });
    } catch (err) {
      if (err instanceof TransportError && err.maybeDelivered) return findCreated<T>(entity, id, err, opts);
      throw err;
    }
    if (isSuccess(res)) {
      // 201 carries the entity; a 204 (return=minimal) does not, so read it back.
      return isRecord(res.json) ? (res.json as T) : get<T>(entity, id, opts);
    }
    const error = fail(res, { entity, operation: 'create', id, sentBody: payload });
    if (error instanceof DuplicateKeyError || isUncertain(error)) return findCreated<T>(entity, id, error, opts);
    throw error;
  }

  async function update(entity: string, id: string, patch: ODataRecord, opts?: CallOptions): Promise<void> {
    const res = await exchange({ method: 'PATCH', path: entityKeyPath(entity, id), body: patch, kind: 'update', entity, opts });
    if (!isSuccess(res)) throw fail(res, { entity, operation: 'update', id: formatGuid(id), sentBody: patch });
  }

  async function del(entity: string, id: string, opts?: CallOptions): Promise<void> {
    const res = await exchange({ method: 'DELETE', path: entityKeyPath(entity, id), kind: 'delete', entity, opts });
    if (!isSuccess(res)) throw fail(res, { entity, operation: 'delete', id: formatGuid(id) });
  }

  /** One `$batch` HTTP request (≤100 items). Never throws for HTTP outcomes: they become item results. */
  async function sendChunk(items: readonly BatchItem[], opts: BatchOptions = {}): Promise<BatchItemResult[]> {
    const body = buildBatchBody(items);
    const entities = new Set(items.map((i) => i.entity));
    const entity = entities.size === 1 ? items[0]?.entity : undefined;
    const errorEntity = entity ?? '$batch';
    const everyItem = (r: BatchItemResult): BatchItemResult[] => items.map(() => r);
    let res: HttpResponse;
    try {
      res = await exchange({
        method: 'POST',
        path: '$batch',
        body,
        kind: 'batch',
        entity,
        subRequests: items.length,
        extraHeaders: opts.continueOnError ? { prefer: 'continue-on-error' } : undefined,
        opts,
      });
    } catch (err) {
      if (!(err instanceof CreatioError)) throw err;
      return everyItem(isUncertain(err) ? { outcome: 'unknown', error: err } : { outcome: 'not_executed', error: err });
    }
    if (!isSuccess(res)) {
      const error = fail(res, { entity: errorEntity, operation: 'batch' });
      return everyItem(isUncertain(error) ? { outcome: 'unknown', error } : { outcome: 'not_executed', error });
    }
    const byId = parseBatchResponse(res.json);
    if (!byId) {
      const error = new TransientError(`Creatio answered a $batch with ${res.status} but no "responses" array`, res.status);
      return everyItem({ outcome: 'unknown', error });
    }
    return interpretBatch(items, byId);
  }

  async function batch(items: readonly BatchItem[], opts: BatchOptions = {}): Promise<BatchItemResult[]> {
    const results: BatchItemResult[] = [];
    let stopped = false;
    for (let start = 0; start < items.length; start += MAX_BATCH_SIZE) {
      const chunk = items.slice(start, start + MAX_BATCH_SIZE);
      if (stopped) {
        for (let i = 0; i < chunk.length; i++) results.push({ outcome: 'not_executed' });
        continue;
      }
      const chunkResults = await sendChunk(chunk, opts);
      results.push(...chunkResults);
      const chunkFailed = chunkResults.some((r) => r.outcome !== 'ok');
      // Keep Creatio's stop-on-first-error meaning across chunks; a whole-request failure always stops.
      const wholeRequestFailed = chunkResults.every((r) => r.outcome === 'unknown' || (r.outcome === 'not_executed' && r.error));
      if ((chunkFailed && !opts.continueOnError) || wholeRequestFailed) stopped = true;
    }
    return results;
  }

  return {
    async getToken(opts) {
      const t = await token(opts);
      return { expiresAt: t.expiresAt };
    },
    get,
    query,
    count,
    create,
    update,
    delete: del,
    batch,
    createMany: (
      entityOrRows: string | readonly EntityRow[],
      rowsOrOpts?: readonly NewRecord[] | CreateManyOptions,
      maybeOpts?: CreateManyOptions,
    ): Promise<CreateManyResult> =>
      typeof entityOrRows === 'string'
        ? createManyImpl(
            { sendChunk },
            ((rowsOrOpts ?? []) as readonly NewRecord[]).map((body) => ({ entity: entityOrRows, body })),
            maybeOpts,
          )
        : createManyImpl({ sendChunk }, entityOrRows, rowsOrOpts as CreateManyOptions | undefined),
  };
}
