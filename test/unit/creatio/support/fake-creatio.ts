/**
 * A small, precise stand-in for Creatio used by the client's unit tests: token
 * endpoint, OData POST/GET/PATCH by key and JSON $batch over an in-memory store,
 * with scripted faults. It is deliberately tiny; the faithful simulator lives in
 * src/creatio-sim and gets its own end-to-end test.
 */
import type { ServerResponse } from 'node:http';
import { html, json, odataError, startServer, type RecordedRequest, type TestServer } from './http-server';

export type Row = Record<string, unknown>;

export type BatchFault =
  /** Answer the whole $batch with this status (nothing executed). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Execute the first `commit` sub-requests (all if omitted), then never answer. */
  | { kind: 'commit-then-hang'; commit?: number }
  /** Execute the first `commit` sub-requests, then answer 500 without details. */
  | { kind: 'commit-then-500'; commit?: number }
  /** Execute normally but drop these sub-responses (by 0-based index) from the answer. */
  | { kind: 'drop-responses'; indexes: number[] };

export interface FakeCreatio {
  url: string;
  tokenUrl: string;
  server: TestServer;
  store: Map<string, Map<string, Row>>;
  /** Valid targets per lookup column; a value outside the set fails like a PostgreSQL FK. */
  foreignKeys: Record<string, Set<string>>;
  batchFaults: BatchFault[];
  /** Tokens issued so far; only these are accepted (`revokeAll` empties the accepted set). */
  issued: string[];
  revokeAll(): void;
  expiresIn: number;
  /** Intercepts OData requests before the store; return true when it answered. */
  intercept: ((req: RecordedRequest, res: ServerResponse) => boolean | Promise<boolean>) | undefined;
  tokenRequests(): RecordedRequest[];
  odataRequests(): RecordedRequest[];
  rows(entity: string): Row[];
  close(): Promise<void>;
}

export const CLIENT_ID = 'test-client';
export const CLIENT_SECRET = 's3cr3t-value-never-logged';

interface SubResult {
  status: number;
  body?: unknown;
}

export async function startFakeCreatio(): Promise<FakeCreatio> {
  const server = await startServer();
  const accepted = new Set<string>();
  const fake: FakeCreatio = {
    url: server.url,
    tokenUrl: `${server.url}/connect/token`,
    server,
    store: new Map(),
    foreignKeys: {},
    batchFaults: [],
    issued: [],
    expiresIn: 3600,
    intercept: undefined,
    revokeAll: () => accepted.clear(),
    tokenRequests: () => server.requests.filter((r) => r.url.startsWith('/connect/token')),
    odataRequests: () => server.requests.filter((r) => r.url.startsWith('/0/odata')),
    rows: (entity) => [...(fake.store.get(entity)?.values() ?? [])],
    close: () => server.close(),
  };

  function table(entity: string): Map<string, Row> {
    let t = fake.store.get(entity);
    if (!t) {
      t = new Map();
      fake.store.set(entity, t);
    }
    return t;
  }

  function execute(method: string, url: string, body: unknown): SubResult {
    const m = /^([A-Za-z]+)(?:\(([0-9a-f-]{36})\))?(?:\?.*)?$/.exec(url);
    if (!m) return { status: 404, body: { error: { code: '', message: `No route for ${url}` } } };
    const entity = m[1]!;
    const id = m[2];
    const t = table(entity);
    if (method === 'POST' && !id) {
      const row = body as Row;
      const rowId = String(row.Id);
      if (t.has(rowId)) {
        return { status: 500, body: { error: { code: '', message: `Terrasoft.Common.DbOperationException: 23505: duplicate key value violates unique constraint "PK${entity}Id"` } } };
      }
      for (const [col, valid] of Object.entries(fake.foreignKeys)) {
        const v = row[col];
        if (typeof v === 'string' && !valid.has(v)) {
          return { status: 500, body: { error: { code: '', message: `Terrasoft.Common.DbOperationException: 23503: insert or update on table "${entity}" violates foreign key constraint "FKq8Zr3kXwB0"\nDETAIL: Key ("${col}")=(${v}) is not present in table "Contact".` } } };
        }
      }
      const stored = { ...row, CreatedOn: new Date().toISOString() };
      t.set(rowId, stored);
      return { status: 201, body: { '@odata.context': `$metadata#${entity}/$entity`, ...stored } };
    }
    if (method === 'GET' && id) {
      const row = t.get(id);
      return row ? { status: 200, body: row } : { status: 404, body: { error: { code: '', message: 'Not found' } } };
    }
    if (method === 'PATCH' && id) {
      const row = t.get(id);
      if (!row) return { status: 404, body: { error: { code: '', message: 'Not found' } } };
      t.set(id, { ...row, ...(body as Row) });
      return { status: 204 };
    }
    return { status: 405, body: { error: { code: '', message: 'Method not allowed' } } };
  }

  function runBatch(req: RecordedRequest, res: ServerResponse): void {
    const parsed = JSON.parse(req.body) as { requests: Array<{ id: string; method: string; url: string; body?: unknown }> };
    const continueOnError = /continue-on-error/.test(String(req.headers['prefer'] ?? ''));
    const fault = fake.batchFaults.shift();
    if (fault?.kind === 'status') {
      json(res, fault.status, fault.body ?? { error: { code: '', message: 'Service unavailable' } }, fault.headers);
      return;
    }
    const limit = fault && (fault.kind === 'commit-then-hang' || fault.kind === 'commit-then-500') ? (fault.commit ?? Infinity) : Infinity;
    const responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
    for (const [i, sub] of parsed.requests.entries()) {
      if (i >= limit) break;
      const r = execute(sub.method, sub.url, sub.body);
      responses.push({ id: sub.id, status: r.status, headers: { 'Content-Type': 'application/json' }, ...(r.body === undefined ? {} : { body: r.body }) });
      if (r.status >= 400 && !continueOnError) break;
    }
    if (fault?.kind === 'commit-then-hang') return;
    if (fault?.kind === 'commit-then-500') {
      json(res, 500, { error: { code: '', message: 'An error has occurred.' } });
      return;
    }
    const drop = fault?.kind === 'drop-responses' ? new Set(fault.indexes) : new Set<number>();
    json(res, 200, { responses: responses.filter((_r, i) => !drop.has(i)) });
  }

  server.handle(async (req, res) => {
    if (req.url.startsWith('/connect/token')) {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
        return json(res, 400, { error: 'invalid_client' });
      }
      const token = `tok-${fake.issued.length + 1}`;
      fake.issued.push(token);
      accepted.add(token);
      return json(res, 200, { access_token: token, expires_in: fake.expiresIn, token_type: 'Bearer' });
    }
    if (!req.url.startsWith('/0/odata/')) return html(res, 404); // IIS-style page for unknown paths
    const auth = String(req.headers['authorization'] ?? '');
    if (!auth.startsWith('Bearer ') || !accepted.has(auth.slice(7))) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' });
      res.end();
      return;
    }
    if (fake.intercept && (await fake.intercept(req, res))) return;
    const path = req.url.slice('/0/odata/'.length);
    if (path === '$batch' && req.method === 'POST') return runBatch(req, res);
    const r = execute(req.method, path, req.body ? (JSON.parse(req.body) as unknown) : undefined);
    if (r.body === undefined) {
      res.writeHead(r.status);
      res.end();
      return;
    }
    if (r.status >= 400) {
      const msg = (r.body as { error: { message: string } }).error.message;
      return odataError(res, r.status, msg);
    }
    return json(res, r.status, r.body);
  });
  return fake;
}
