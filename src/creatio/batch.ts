/**
 * OData 4 JSON `$batch` (creatio-api.md 2.5): request body building and
 * per-sub-response interpretation. Sending lives in client.ts.
 *
 * Request:  {"requests":[{"id","method","url" (relative to the service root),"headers","body"}]}
 * Response: {"responses":[{"id","status","headers","body"}]}
 * Creatio executes at most 100 sub-requests per batch and, without
 * `Prefer: continue-on-error`, skips everything after the first failure. A
 * sub-request with no sub-response is treated as not executed.
 */
import type { CreatioError } from './errors';
import { classifyHttpError, type Operation } from './classify';
import { looksLikeHtml, parseErrorEnvelope, type HttpMethod } from './http';
import { buildQueryString, checkEntityName, entityKeyPath, formatGuid } from './odata';

export const MAX_BATCH_SIZE = 100;

export type ODataRecord = Record<string, unknown>;
/** A row to create: always carries its client-generated Id, so retries are idempotent. */
export type NewRecord = ODataRecord & { Id: string };

export type BatchItem =
  | { method: 'POST'; entity: string; body: NewRecord }
  | { method: 'PATCH'; entity: string; id: string; body: ODataRecord }
  | { method: 'DELETE'; entity: string; id: string }
  | { method: 'GET'; entity: string; id: string; select?: readonly string[] };

export type BatchItemResult =
  /** 2xx sub-response; `body` is the parsed JSON (the created entity for a POST), if any. */
  | { outcome: 'ok'; status: number; body: unknown }
  /** The sub-request ran and failed; `error` is classified like a single request's. */
  | { outcome: 'failed'; status: number; error: CreatioError }
  /**
   * Not run: skipped after an earlier failure, missing from the response, or its
   * batch was refused before running (then `error` says why).
   */
  | { outcome: 'not_executed'; error?: CreatioError }
  /** Its batch request timed out or failed with a 5xx: it may or may not have run. */
  | { outcome: 'unknown'; error: CreatioError };

const BODY_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8; IEEE754Compatible=true',
  Accept: 'application/json',
};

export function operationOf(method: HttpMethod): Operation {
  switch (method) {
    case 'GET':
      return 'read';
    case 'POST':
      return 'create';
    case 'PATCH':
      return 'update';
    case 'DELETE':
      return 'delete';
  }
}

export function itemId(item: BatchItem): string | undefined {
  return item.method === 'POST' ? undefined : formatGuid(item.id);
}

/** Sub-request URL relative to the service root: `Case`, `Case(<guid>)`, `Case(<guid>)?$select=Id`. */
export function itemUrl(item: BatchItem): string {
  switch (item.method) {
    case 'POST':
      return checkEntityName(item.entity);
    case 'GET':
      return entityKeyPath(item.entity, item.id) + buildQueryString({ select: item.select });
    case 'PATCH':
    case 'DELETE':
      return entityKeyPath(item.entity, item.id);
  }
}

function itemBody(item: BatchItem): ODataRecord | undefined {
  if (item.method === 'POST') return { ...item.body, Id: formatGuid(item.body.Id) };
  if (item.method === 'PATCH') return item.body;
  return undefined;
}

export interface BatchRequestJson {
  requests: Array<{
    id: string;
    method: HttpMethod;
    url: string;
    headers: Record<string, string>;
    body?: ODataRecord;
  }>;
}

/** Sub-request ids are the item's position in this chunk ("1".."100"). */
export function buildBatchBody(items: readonly BatchItem[]): BatchRequestJson {
  if (items.length === 0 || items.length > MAX_BATCH_SIZE) {
    throw new RangeError(`A $batch holds 1..${MAX_BATCH_SIZE} requests, got ${items.length}`);
  }
  return {
    requests: items.map((item, i) => {
      const body = itemBody(item);
      return {
        id: String(i + 1),
        method: item.method,
        url: itemUrl(item),
        headers: body ? BODY_HEADERS : { Accept: 'application/json' },
        ...(body ? { body } : {}),
      };
    }),
  };
}

interface SubResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function lowerHeaders(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = asRecord(v);
  if (rec) for (const [k, val] of Object.entries(rec)) if (typeof val === 'string') out[k.toLowerCase()] = val;
  return out;
}

/** Index sub-responses by id; undefined when the outer body is not a JSON batch response at all. */
export function parseBatchResponse(json: unknown): Map<string, SubResponse> | undefined {
  const responses = asRecord(json)?.responses;
  if (!Array.isArray(responses)) return undefined;
  const byId = new Map<string, SubResponse>();
  for (const r of responses) {
    const rec = asRecord(r);
    if (!rec || (typeof rec.id !== 'string' && typeof rec.id !== 'number')) continue;
    const status = typeof rec.status === 'number' ? rec.status : Number(rec.status);
    if (!Number.isInteger(status)) continue;
    byId.set(String(rec.id), { status, headers: lowerHeaders(rec.headers), body: rec.body });
  }
  return byId;
}

/** Turns sub-responses into one result per item, in item order. */
export function interpretBatch(items: readonly BatchItem[], byId: Map<string, SubResponse>): BatchItemResult[] {
  return items.map((item, i): BatchItemResult => {
    const sub = byId.get(String(i + 1));
    if (!sub) return { outcome: 'not_executed' };
    let body = sub.body;
    // Some servers embed the sub-body as a JSON string.
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as unknown;
      } catch {
        /* keep the string */
      }
    }
    const isHtml = typeof body === 'string' && looksLikeHtml(sub.headers['content-type'], body);
    if (sub.status >= 200 && sub.status < 300 && !isHtml) return { outcome: 'ok', status: sub.status, body };
    const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
    const error = classifyHttpError({
      status: sub.status,
      headers: sub.headers,
      envelope: parseErrorEnvelope(typeof body === 'string' ? undefined : body, text, isHtml),
      isHtml,
      entity: item.entity,
      operation: operationOf(item.method),
      id: itemId(item),
      sentBody: item.method === 'POST' || item.method === 'PATCH' ? item.body : undefined,
    });
    return { outcome: 'failed', status: sub.status, error };
  });
}
