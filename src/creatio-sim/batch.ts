/**
 * JSON $batch (creatio-api.md 2.5): at most 100 sub-requests, executed in order;
 * after the first failed one (status >= 400) the rest are not executed and are
 * absent from the response, unless the outer request has
 * `Prefer: continue-on-error` (or `odata.continue-on-error`).
 *
 * Atomicity groups (adjacent sub-requests with the same atomicityGroup) are
 * all-or-nothing: when one member fails, the group's earlier writes are undone
 * and the group is reported by the failing member's response alone.
 */
import { ODataHttpError, badRequest, unsupportedMediaType } from './errors';
import type { WriteContext } from './entity-layer';

export const MAX_BATCH_REQUESTS = 100;

export interface SubRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  hasBody: boolean;
  atomicityGroup?: string;
}

export interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  atomicityGroup?: string;
}

/** What running one sub-request produced; drop/hold affect the whole HTTP response. */
export interface SubOutcome {
  response?: SubResponse;
  /** Destroy the connection now (fault): stop executing. */
  drop?: boolean;
  /** Hold the whole batch response (commit-then-timeout fault). */
  hold?: { ms: number; then: 'respond' | 'drop' };
}

export function wantsContinueOnError(prefer: string | undefined): boolean {
  if (!prefer) return false;
  return prefer
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .some((p) => /^(odata\.)?continue-on-error(\s*=\s*true)?$/.test(p));
}

export function parseBatchBody(contentType: string | undefined, text: string): SubRequest[] {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (media === 'multipart/mixed') {
    throw badRequest('The Creatio simulator implements JSON $batch only; send Content-Type: application/json.');
  }
  if (media !== 'application/json') throw unsupportedMediaType(contentType);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`The batch request body is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest("The batch request body must be a JSON object with a 'requests' array.");
  }
  const requests = (parsed as Record<string, unknown>).requests;
  if (!Array.isArray(requests)) throw badRequest("The batch request body must be a JSON object with a 'requests' array.");
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw badRequest(`The number of requests in the batch (${requests.length}) exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  }
  const ids = new Set<string>();
  return requests.map((item: unknown, i): SubRequest => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw badRequest(`Batch request ${i} is not a JSON object.`);
    const r = item as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') throw badRequest(`Batch request ${i} has no 'id' string.`);
    if (ids.has(r.id)) throw badRequest(`Batch request id '${r.id}' is used more than once.`);
    ids.add(r.id);
    if (typeof r.method !== 'string' || !/^(GET|POST|PATCH|PUT|DELETE)$/i.test(r.method)) {
      throw badRequest(`Batch request '${r.id}' has a missing or unsupported 'method'.`);
    }
    if (typeof r.url !== 'string' || r.url === '') throw badRequest(`Batch request '${r.id}' has no 'url'.`);
    const headers: Record<string, string> = {};
    if (r.headers !== undefined) {
      if (r.headers === null || typeof r.headers !== 'object' || Array.isArray(r.headers)) {
        throw badRequest(`Batch request '${r.id}' has invalid 'headers'.`);
      }
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    }
    const sub: SubRequest = { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, hasBody: 'body' in r };
    if (r.atomicityGroup !== undefined) {
      if (typeof r.atomicityGroup !== 'string') throw badRequest(`Batch request '${r.id}' has an invalid 'atomicityGroup'.`);
      sub.atomicityGroup = r.atomicityGroup;
    }
    return sub;
  });
}

export function errorSubResponse(id: string, err: ODataHttpError): SubResponse {
  return {
    id,
    status: err.status,
    headers: { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', 'odata-version': '4.0', ...err.headers },
    body: err.body,
  };
}

export interface BatchRunResult {
  responses: SubResponse[];
  drop: boolean;
  hold?: { ms: number; then: 'respond' | 'drop' };
}

/**
 * Runs the sub-requests. `run` executes one in the given write context;
 * `commit`/`rollback` finish a context (emit its changes or undo its writes).
 */
export async function runBatch(
  subs: SubRequest[],
  continueOnError: boolean,
  run: (sub: SubRequest, ctx: WriteContext) => Promise<SubOutcome>,
  newContext: () => WriteContext,
  commit: (ctx: WriteContext) => void,
  rollback: (ctx: WriteContext) => void,
): Promise<BatchRunResult> {
  const responses: SubResponse[] = [];
  let hold: BatchRunResult['hold'];
  let i = 0;
  while (i < subs.length) {
    const first = subs[i] as SubRequest;
    // A group is the run of adjacent sub-requests sharing an atomicityGroup.
    const group: SubRequest[] = [first];
    if (first.atomicityGroup !== undefined) {
      while (i + group.length < subs.length && subs[i + group.length]?.atomicityGroup === first.atomicityGroup) {
        group.push(subs[i + group.length] as SubRequest);
      }
    }
    i += group.length;
    const ctx = newContext();
    const groupResponses: SubResponse[] = [];
    let failed: SubResponse | undefined;
    for (const sub of group) {
      const outcome = await run(sub, ctx);
      if (outcome.drop) {
        // Earlier sub-requests stay committed, as on a real server that lost the connection;
        // an unfinished atomicity group does not.
        if (first.atomicityGroup !== undefined) rollback(ctx);
        else commit(ctx);
        return { responses, drop: true };
      }
      if (outcome.hold) hold = outcome.hold;
      const response = outcome.response as SubResponse;
      if (sub.atomicityGroup !== undefined) response.atomicityGroup = sub.atomicityGroup;
      if (response.status >= 400) {
        failed = response;
        break;
      }
      groupResponses.push(response);
    }
    if (failed) {
      rollback(ctx);
      responses.push(failed);
      if (!continueOnError) break;
    } else {
      commit(ctx);
      responses.push(...groupResponses);
    }
  }
  const result: BatchRunResult = { responses, drop: false };
  if (hold) result.hold = hold;
  return result;
}

/** A canned sub-response from a fault rule. */
export function faultSubResponse(
  id: string,
  status: number,
  body: unknown,
  contentType: string,
  headers: Record<string, string>,
): SubResponse {
  const response: SubResponse = { id, status, headers: { 'content-type': contentType, ...headers } };
  if (body !== undefined && body !== '') response.body = body;
  return response;
}

