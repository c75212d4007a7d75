/**
 * One HTTP exchange with undici, and nothing else: per-request timeout (covering
 * the body too), no redirect following, body read as text and sniffed for
 * JSON / HTML so that no caller ever crashes on `JSON.parse` of a login page.
 * Network failures and timeouts become TransientError here; every HTTP status is
 * returned as data for classify.ts to judge.
 */
import { request, type Dispatcher } from 'undici';
import { TransientError } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** Parsed body when it is JSON; undefined otherwise (empty, HTML, plain text, broken JSON). */
  json: unknown;
  isHtml: boolean;
}

/** Thrown for timeouts and network errors; `maybeDelivered` says whether Creatio may have acted on it. */
export class TransportError extends TransientError {
  constructor(
    message: string,
    /** false only when we know the request never left (connection refused, DNS failure). */
    readonly maybeDelivered: boolean,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const NOT_DELIVERED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== err) return errorCode(cause);
  }
  return undefined;
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** HTML by content type, or by content when a gateway lies about the type. */
export function looksLikeHtml(contentType: string | undefined, text: string): boolean {
  if (contentType && /text\/html|application\/xhtml/i.test(contentType)) return true;
  const head = text.slice(0, 256).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body');
}

function parseJson(contentType: string | undefined, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const jsonType = contentType !== undefined && /json/i.test(contentType);
  if (!jsonType && !trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
  const host = safeHost(req.url);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  let headersReceived = false;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      dispatcher: req.dispatcher,
    });
    headersReceived = true;
    const text = await res.body.text();
    const headers = flattenHeaders(res.headers);
    const contentType = headers['content-type'];
    return {
      status: res.statusCode,
      headers,
      text,
      json: parseJson(contentType, text),
      isHtml: looksLikeHtml(contentType, text),
    };
  } catch (err) {
    if (timedOut) {
      throw new TransportError(
        `Creatio did not answer within ${req.timeoutMs} ms (${req.method} ${host}); the request may still complete`,
        true,
        true,
      );
    }
    const code = errorCode(err) ?? 'unknown error';
    const maybeDelivered = headersReceived || !NOT_DELIVERED_CODES.has(code);
    throw new TransportError(`Network error talking to ${host} (${code})`, maybeDelivered, false);
  } finally {
    clearTimeout(timer);
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'Creatio';
  }
}

/**
 * Retry-After as milliseconds from now: either delay-seconds or an HTTP date
 * (RFC 9110 10.2.3). Undefined when absent or unparseable; dates in the past give 0.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // HTTP dates name a month ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse would also take "-5" as a year.
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface ErrorEnvelope {
  /** error.message (ASP.NET OData envelope), else a short plain-text body. */
  message?: string;
  /** Everything textual we could find (message, innererror message/type), for classify.ts. */
  fullText: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Reads `{"error":{"code","message","innererror":{"message","type"}}}` (creatio-api.md 2.6),
 * tolerating the older `{"Message": ...}` shape and plain-text bodies.
 */
export function parseErrorEnvelope(json: unknown, text: string, isHtml: boolean): ErrorEnvelope {
  const root = record(json);
  const error = record(root?.error);
  const parts: string[] = [];
  let message: string | undefined;
  if (error) {
    const msg = record(error.message);
    message = str(error.message) ?? str(msg?.value);
    const inner = record(error.innererror) ?? record(error.innerError);
    for (const p of [message, str(error.code), str(inner?.message), str(inner?.type)]) if (p) parts.push(p);
    const innerInner = record(inner?.internalexception) ?? record(inner?.innererror);
    const deep = str(innerInner?.message);
    if (deep) parts.push(deep);
  } else if (root) {
    message = str(root.Message) ?? str(root.message) ?? str(root.error_description);
    for (const p of [message, str(root.ExceptionMessage), str(root.ExceptionType)]) if (p) parts.push(p);
  }
  if (parts.length === 0 && !isHtml && json === undefined) {
    const plain = text.trim();
    if (plain) {
      message = plain.slice(0, 500);
      parts.push(plain);
    }
  }
  if (parts.length === 0 && isHtml) parts.push(text);
  return { message, fullText: parts.join('\n') };
}
