/**
 * HTTP layer (node:http, so status codes, headers and bodies are exactly ours):
 * routing to the token endpoint, OData service, $batch and control API; fault
 * injection; request logging.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorSubResponse, faultSubResponse, parseBatchBody, runBatch, wantsContinueOnError, type SubOutcome, type SubRequest, type SubResponse } from './batch';
import type { ControlApi } from './control';
import type { SimulatorCore } from './core';
import type { WriteContext } from './entity-layer';
import { ODataHttpError, envelope, methodNotAllowed, reasonPhrase } from './errors';
import { LOGIN_PAGE_HTML } from './faults';
import { jsonContentType, wantsIeee754, type ODataCall, type ODataResult } from './odata-service';
import { entityOfPath, parseResource } from './resource-path';
import type { Principal } from './token';
import type { EntityName, FaultResponse, FaultRule, RequestLogEntry } from './types';

const MAX_BODY_BYTES = 50 * 1024 * 1024;
const ERROR_CONTENT_TYPE = 'application/json; odata.metadata=minimal; charset=utf-8';

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** What handling produced: a response, or a dropped connection, possibly held first. */
interface Outcome {
  response?: HttpResponse;
  drop?: boolean;
  hold?: { ms: number; then: 'respond' | 'drop' };
  subRequests?: number;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function json(status: number, body: unknown, contentType = 'application/json; charset=utf-8', extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': contentType, ...extra }, body: JSON.stringify(body) };
}

function errorResponse(err: ODataHttpError): HttpResponse {
  return json(err.status, err.body, ERROR_CONTENT_TYPE, { 'odata-version': '4.0', ...err.headers });
}

function fromResult(result: ODataResult): HttpResponse {
  if (result.json !== undefined) return { status: result.status, headers: result.headers, body: JSON.stringify(result.json) };
  return { status: result.status, headers: result.headers, body: result.text ?? '' };
}

const NOT_FOUND_HTML = `<!DOCTYPE html>
<html><head><title>404 - File or directory not found.</title></head>
<body><h2>404 - File or directory not found.</h2><p>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</p></body></html>
`;

function notFoundHtml(): HttpResponse {
  return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: NOT_FOUND_HTML };
}

/** Builds the HTTP response a fault rule asks for. */
export function faultHttpResponse(r: FaultResponse): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  if (r.retryAfter !== undefined) headers['retry-after'] = String(r.retryAfter);
  if (r.body === undefined) {
    return { status: r.status, headers: { 'content-type': ERROR_CONTENT_TYPE, ...headers }, body: JSON.stringify(envelope(reasonPhrase(r.status))) };
  }
  if (typeof r.body === 'string') {
    const ct = r.contentType ?? (r.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8');
    return { status: r.status, headers: { 'content-type': ct, ...headers }, body: r.body };
  }
  return { status: r.status, headers: { 'content-type': r.contentType ?? 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(r.body) };
}

function unauthorized(reason: 'missing' | 'invalid' | 'expired'): HttpResponse {
  // RFC 6750 challenge, empty body: clients must not depend on a JSON body here.
  const challenge =
    reason === 'missing'
      ? 'Bearer'
      : `Bearer error="invalid_token", error_description="${reason === 'expired' ? 'The access token expired' : 'The access token is invalid'}"`;
  return { status: 401, headers: { 'www-authenticate': challenge }, body: '' };
}

export class SimulatorHttpHandler {
  private closed = false;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(
    private readonly core: SimulatorCore,
    private readonly control: ControlApi | undefined,
  ) {}

  /** Wakes every pending delay so handlers can finish; further requests are dropped. */
  shutdown(): void {
    this.closed = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleepers.add(entry);
    });
  }

  private send(res: ServerResponse, response: HttpResponse): void {
    if (res.destroyed || res.writableEnded || res.socket?.destroyed) return;
    const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
    res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
    res.end(body);
  }

  private drop(res: ServerResponse): void {
    res.socket?.destroy();
    res.destroy();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.handleRequest(req, res).catch((err: unknown) => {
      process.stderr.write(`creatio-sim: unhandled error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      this.send(res, json(500, envelope('An error has occurred.', { type: 'System.Exception', message: String(err) }), ERROR_CONTENT_TYPE));
    });
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.core.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const search = q >= 0 ? rawUrl.slice(q + 1) : '';
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) this.send(res, json(413, envelope('Request body too large.'), ERROR_CONTENT_TYPE));
      return;
    }
    const text = body.toString('utf8');

    if (path === '/__sim' || path.startsWith('/__sim/')) {
      if (this.control) {
        const r = await this.control.handle(method, path, search, header(req, 'x-sim-control-token'), text);
        this.send(res, r);
        return;
      }
    }

    const seq = this.core.recorder.nextSeq();
    const route = this.classify(method, path, req, text);
    const entry: RequestLogEntry = { at, method, path: rawUrl, status: 0, kind: route.kind, seq };
    if (route.clientId !== undefined) entry.clientId = route.clientId;
    const target: { method: string; path: string; kind: string; entity?: EntityName; clientId?: string } = { method, path: rawUrl, kind: route.kind };
    if (route.entity) target.entity = route.entity;
    if (route.clientId) target.clientId = route.clientId;
    const fault = this.core.faults.take(target);
    if (fault) entry.fault = fault.label;

    const finish = (outcome: Outcome): void => {
      if (outcome.subRequests !== undefined) entry.subRequests = outcome.subRequests;
      if (outcome.drop || !outcome.response || this.closed) {
        entry.status = 0;
        this.drop(res);
      } else {
        entry.status = outcome.response.status;
        this.send(res, outcome.response);
      }
      this.core.recorder.record(entry);
    };

    if (fault?.rule.latencyMs) await this.sleep(fault.rule.latencyMs);
    if (fault?.rule.dropConnection) return finish({ drop: true });
    if (fault?.rule.respond) return finish({ response: faultHttpResponse(fault.rule.respond) });

    const outcome = await this.dispatch(method, route.area, path, search, req, text, entry.seq);
    const hold = fault?.rule.commitThenTimeout
      ? { ms: fault.rule.commitThenTimeout.holdMs, then: fault.rule.commitThenTimeout.then ?? 'respond' }
      : outcome.hold;
    if (hold) {
      await this.sleep(hold.ms);
      if (hold.then === 'drop') outcome.drop = true;
    }
    finish(outcome);
  }

  private classify(
    method: string,
    path: string,
    req: IncomingMessage,
    text: string,
  ): { area: 'token' | 'discovery' | 'login' | 'odata' | 'none'; kind: string; entity?: EntityName; clientId?: string } {
    const base = this.core.options.odataBasePath;
    if (path === '/connect/token') {
      const clientId = new URLSearchParams(text).get('client_id') ?? undefined;
      const known = clientId !== undefined && this.core.identity.list().some((c) => c.clientId === clientId);
      return known ? { area: 'token', kind: 'token', clientId } : { area: 'token', kind: 'token' };
    }
    if (path === '/.well-known/openid-configuration') return { area: 'discovery', kind: 'discovery' };
    if (path.toLowerCase() === '/login/nuilogin.aspx') return { area: 'login', kind: 'login-page' };
    if (path === base || path.startsWith(`${base}/`)) {
      const k = this.odataKind(method, path.slice(base.length));
      const clientId = this.core.identity.peekClient(header(req, 'authorization'));
      const r: { area: 'odata'; kind: string; entity?: EntityName; clientId?: string } = { area: 'odata', kind: k.kind };
      if (k.entity) r.entity = k.entity;
      if (clientId) r.clientId = clientId;
      return r;
    }
    return { area: 'none', kind: 'unknown' };
  }

  private odataKind(method: string, rest: string): { kind: string; entity?: EntityName } {
    const p = rest.startsWith('/') ? rest : `/${rest}`;
    if (p === '/' || p === '') return { kind: 'service-document' };
    if (p === '/$metadata') return { kind: 'metadata' };
    if (p === '/$batch') return { kind: 'batch' };
    const entity = entityOfPath(p);
    if (!entity) return { kind: 'unknown' };
    const op = method === 'GET' ? 'read' : method === 'POST' ? 'create' : method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : undefined;
    return op ? { kind: `${op}:${entity}`, entity } : { kind: 'unknown', entity };
  }

  private async dispatch(
    method: string,
    area: 'token' | 'discovery' | 'login' | 'odata' | 'none',
    path: string,
    search: string,
    req: IncomingMessage,
    text: string,
    seq: number,
  ): Promise<Outcome> {
    switch (area) {
      case 'token':
        return { response: this.token(method, req, text) };
      case 'discovery':
        return {
          response: json(200, {
            issuer: this.core.urls.url,
            token_endpoint: this.core.urls.tokenUrl,
            grant_types_supported: ['client_credentials'],
            token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
            jwks_uri: `${this.core.urls.url}/.well-known/openid-configuration/jwks`,
          }),
        };
      case 'login':
        return { response: { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: LOGIN_PAGE_HTML } };
      case 'odata':
        return this.odata(method, path, search, req, text, seq);
      default:
        return { response: notFoundHtml() };
    }
  }

  private token(method: string, req: IncomingMessage, text: string): HttpResponse {
    let basic: { clientId: string; clientSecret: string } | undefined;
    const auth = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (auth) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        basic = { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
      }
    }
    const r = this.core.identity.token(method, header(req, 'content-type'), text, basic);
    return json(r.status, r.body, 'application/json; charset=UTF-8', { 'cache-control': 'no-store, no-cache, max-age=0', pragma: 'no-cache' });
  }

  private allowedFor(principal: Principal): (entity: EntityName, op: 'read' | 'create' | 'update' | 'delete') => boolean {
    return (entity, op) => this.core.identity.allowed(principal.clientId, entity, op);
  }

  /** Executes one OData call in `ctx`; failures come back as ODataHttpError (not thrown). */
  private executeIn(call: Omit<ODataCall, 'allowed' | 'ctx'>, principal: Principal, ctx: WriteContext, ieee754: boolean): ODataResult | ODataHttpError {
    try {
      return this.core.service.execute({ ...call, allowed: this.allowedFor(principal), ctx }, ieee754);
    } catch (err) {
      if (err instanceof ODataHttpError) return err;
      process.stderr.write(`creatio-sim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return new ODataHttpError(500, envelope('An error has occurred.', { type: 'System.Exception', message: String(err) }));
    }
  }

  private async odata(method: string, path: string, search: string, req: IncomingMessage, text: string, seq: number): Promise<Outcome> {
    const base = this.core.options.odataBasePath;
    const auth = this.core.identity.authenticate(header(req, 'authorization'));
    if (!auth.ok) return { response: unauthorized(auth.reason) };
    const principal = auth.principal;
    const fullUrl = `${this.core.urls.url}${path}${search ? `?${search}` : ''}`;
    const contentType = header(req, 'content-type');
    const ieee754 = wantsIeee754(contentType, header(req, 'accept'));
    let resource;
    try {
      resource = parseResource(path.slice(base.length), fullUrl);
    } catch (err) {
      if (err instanceof ODataHttpError) return { response: errorResponse(err) };
      throw err;
    }
    if (resource.kind === 'batch') {
      if (method !== 'POST') return { response: errorResponse(methodNotAllowed(method, 'POST')) };
      return this.batch(principal, contentType, header(req, 'prefer'), text, seq, ieee754);
    }
    const ctx = this.core.newContext({ userContactId: principal.userContactId, clientId: principal.clientId });
    const result = this.executeIn(
      {
        method,
        resource,
        query: new URLSearchParams(search),
        url: fullUrl,
        contentType,
        contentTypeRequired: true,
        body: { kind: 'raw', text },
        prefer: header(req, 'prefer'),
      },
      principal,
      ctx,
      ieee754,
    );
    if (result instanceof ODataHttpError) {
      this.core.rollback(ctx);
      return { response: errorResponse(result) };
    }
    this.core.commit(ctx);
    return { response: fromResult(result) };
  }

  /** Maps a sub-request URL (relative to the service root, absolute path, or absolute URL) to the path after the base. */
  private subRequestTarget(url: string): { rest: string; search: string; path: string } | undefined {
    const base = this.core.options.odataBasePath;
    let pathAndQuery: string;
    if (/^https?:\/\//i.test(url)) {
      try {
        const u = new URL(url);
        pathAndQuery = `${u.pathname}${u.search}`;
      } catch {
        return undefined;
      }
    } else if (url.startsWith('/')) {
      pathAndQuery = url;
    } else {
      pathAndQuery = `${base}/${url}`;
    }
    const q = pathAndQuery.indexOf('?');
    const path = q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery;
    const search = q >= 0 ? pathAndQuery.slice(q + 1) : '';
    if (path !== base && !path.startsWith(`${base}/`)) return undefined;
    return { rest: path.slice(base.length), search, path: pathAndQuery };
  }

  private async batch(
    principal: Principal,
    contentType: string | undefined,
    prefer: string | undefined,
    text: string,
    seq: number,
    ieee754: boolean,
  ): Promise<Outcome> {
    let subs: SubRequest[];
    try {
      subs = parseBatchBody(contentType, text);
    } catch (err) {
      if (err instanceof ODataHttpError) return { response: errorResponse(err) };
      throw err;
    }
    const run = async (sub: SubRequest, ctx: WriteContext): Promise<SubOutcome> => this.subRequest(sub, principal, ctx, seq, ieee754);
    const result = await runBatch(
      subs,
      wantsContinueOnError(prefer),
      run,
      () => this.core.newContext({ userContactId: principal.userContactId, clientId: principal.clientId }),
      (ctx) => this.core.commit(ctx),
      (ctx) => this.core.rollback(ctx),
    );
    const outcome: Outcome = { subRequests: subs.length };
    if (result.drop) {
      outcome.drop = true;
      return outcome;
    }
    if (result.hold) outcome.hold = result.hold;
    outcome.response = json(200, { responses: result.responses }, jsonContentType(ieee754), { 'odata-version': '4.0' });
    return outcome;
  }

  private async subRequest(sub: SubRequest, principal: Principal, ctx: WriteContext, batchSeq: number, ieee754: boolean): Promise<SubOutcome> {
    const target = this.subRequestTarget(sub.url);
    const k = target ? this.odataKind(sub.method, target.rest) : { kind: 'unknown' as string, entity: undefined };
    const entry: RequestLogEntry = {
      at: this.core.now(),
      method: sub.method,
      path: target?.path ?? sub.url,
      status: 0,
      kind: `batched:${k.kind}`,
      clientId: principal.clientId,
      batchSeq,
      seq: batchSeq,
    };
    const faultTarget: { method: string; path: string; kind: string; entity?: EntityName; clientId?: string } = {
      method: sub.method,
      path: entry.path,
      kind: k.kind,
      clientId: principal.clientId,
    };
    if (k.entity) faultTarget.entity = k.entity;
    const fault = this.core.faults.take(faultTarget);
    const done = (outcome: SubOutcome): SubOutcome => {
      entry.status = outcome.response?.status ?? 0;
      this.core.recorder.record(entry);
      return outcome;
    };
    let rule: FaultRule | undefined;
    if (fault) {
      entry.fault = fault.label;
      rule = fault.rule;
      if (rule.latencyMs) await this.sleep(rule.latencyMs);
      if (rule.dropConnection || this.closed) return done({ drop: true });
      if (rule.respond) {
        const r = faultHttpResponse(rule.respond);
        const bodyText = r.body.toString();
        let body: unknown = bodyText;
        if (r.headers['content-type']?.includes('json')) {
          try {
            body = JSON.parse(bodyText) as unknown;
          } catch {
            // A rule may label a non-JSON body as JSON; pass it through as text.
          }
        }
        const { 'content-type': ct, ...rest } = r.headers;
        return done({ response: faultSubResponse(sub.id, r.status, body, ct ?? 'text/plain', rest) });
      }
    }
    let response: SubResponse;
    if (!target) {
      response = errorSubResponse(sub.id, new ODataHttpError(404, envelope(`No HTTP resource was found that matches the request URI '${sub.url}'.`)));
    } else {
      let resource;
      try {
        resource = parseResource(target.rest, `${this.core.urls.url}${target.path}`);
      } catch (err) {
        if (!(err instanceof ODataHttpError)) throw err;
        return done({ response: errorSubResponse(sub.id, err) });
      }
      const call: Omit<ODataCall, 'allowed' | 'ctx'> = {
        method: sub.method,
        resource,
        query: new URLSearchParams(target.search),
        url: `${this.core.urls.url}${target.path}`,
        contentType: sub.headers['content-type'],
        contentTypeRequired: false,
        body: sub.hasBody ? { kind: 'json', value: sub.body } : undefined,
        prefer: sub.headers.prefer,
      };
      const result = this.executeIn(call, principal, ctx, ieee754);
      if (result instanceof ODataHttpError) {
        response = errorSubResponse(sub.id, result);
      } else {
        response = { id: sub.id, status: result.status, headers: result.headers };
        if (result.json !== undefined) response.body = result.json;
        else if (result.text !== undefined && result.text !== '') response.body = result.text;
      }
    }
    const outcome: SubOutcome = { response };
    if (rule?.commitThenTimeout) outcome.hold = { ms: rule.commitThenTimeout.holdMs, then: rule.commitThenTimeout.then ?? 'respond' };
    return done(outcome);
  }
}

