import { Writable } from 'node:stream';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createLogger } from '../../src/logging/logger';
import { message } from '../support/events';
import { startTestStack, waitFor, type ApiResponse, type Json, type TestStack } from '../support/stack';

/**
 * The client secret, through the whole admin flow (connect, test, failed
 * save, rotation, audit, disconnect) and a synced conversation, appears in no
 * API response, no log line (everything logged at trace), no database column
 * in clear, and no workflow history.
 */
const SECRET_1 = 'Cs1-Quokka-Lantern-90817-secret';
const SECRET_2 = 'Cs2-Marmot-Fjord-44102-secret';
const WRONG = 'Cs3-Wrong-Typed-77001-secret';
const SECRETS = [SECRET_1, SECRET_2, WRONG];

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString('utf8'));
    done();
  },
});

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ app: { logger: createLogger({ level: 'trace', name: 'secrets-test', destination: sink }) } });
});
afterAll(async () => {
  await stack?.stop();
});

/** Every form a careless encoding could leave the secret in. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret)];
}
function expectNoSecret(haystack: string, where: string): void {
  for (const s of SECRETS) for (const f of forms(s)) expect({ where, found: haystack.includes(f) ? f : null }).toEqual({ where, found: null });
}

it('keeps the secret out of API responses, logs, the database and workflow histories', async () => {
  const org = 'org-secrets';
  const responses: Array<ApiResponse<Json>> = [];
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await stack.api(method, route, body, { 'x-actor': 'admin@example.com' });
    responses.push(res);
    return res;
  };
  stack.sim.addClient({ clientId: 'secret-client', clientSecret: SECRET_1 });
  const settings = (clientSecret?: string) => ({
    instanceUrl: stack.sim.url,
    tokenUrl: stack.sim.tokenUrl,
    clientId: 'secret-client',
    ...(clientSecret ? { clientSecret } : {}),
  });

  expect((await call('PUT', `/v1/orgs/${org}/connection`, settings(SECRET_1))).status).toBe(200);
  expect((await call('GET', `/v1/orgs/${org}/connection`)).status).toBe(200);
  expect((await call('POST', `/v1/orgs/${org}/connection/test`, settings())).status).toBe(200);
  expect((await call('POST', `/v1/orgs/${org}/connection/test`, settings(WRONG))).status).toBe(200);
  expect((await call('PUT', `/v1/orgs/${org}/connection`, settings(WRONG))).status).toBe(422);
  expect((await call('PUT', `/v1/orgs/${org}/connection`, { ...settings(SECRET_1), ownerId: 'not-a-guid' })).status).toBe(400);

  await call('POST', `/v1/orgs/${org}/conversations/sec-1/events`, [message('m1', 'customer', 'hello'), message('m2', 'ai', 'hi')]);
  await waitFor(async () => (await stack.api('GET', `/v1/orgs/${org}/conversations/sec-1`)).body.syncedUpTo === 2, { what: 'synced' });

  // Regenerated in Creatio: the sync fails with the old secret, then the new one is saved.
  stack.sim.setClientSecret('secret-client', SECRET_2);
  stack.sim.revokeTokens('secret-client');
  await call('POST', `/v1/orgs/${org}/conversations/sec-1/events`, message('m3', 'customer', 'still there?'));
  await waitFor(async () => (await stack.api('GET', `/v1/orgs/${org}/connection`)).body.status === 'needs_attention', { what: 'needs_attention' });
  expect((await call('GET', `/v1/orgs/${org}/connection`)).body.lastError).toEqual(expect.any(String));
  expect((await call('PUT', `/v1/orgs/${org}/connection`, settings(SECRET_2))).status).toBe(200);
  const synced = await waitFor(async () => {
    const c = (await stack.api('GET', `/v1/orgs/${org}/conversations/sec-1`)).body;
    return c.syncedUpTo === 3 ? c : undefined;
  }, { what: 'synced after rotation' });
  await call('GET', `/v1/orgs/${org}/conversations/sec-1`);
  expect((await call('GET', `/v1/orgs/${org}/connection/audit`)).status).toBe(200);

  // Database, while a secret is stored: sealed, never in clear, in no table.
  const { rows: sealed } = await stack.pool.query<{ secret_ciphertext: string; secret_key_id: string }>(
    'SELECT secret_ciphertext, secret_key_id FROM connections WHERE org_id = $1',
    [org],
  );
  expect(sealed[0]!.secret_key_id).toEqual(expect.any(String));
  expect(stack.secrets.open({ keyId: sealed[0]!.secret_key_id, ciphertext: sealed[0]!.secret_ciphertext }, org)).toBe(SECRET_2);
  expectNoSecret(await dumpDatabase(), 'database');

  expect((await call('DELETE', `/v1/orgs/${org}/connection`)).status).toBe(200);
  expectNoSecret(await dumpDatabase(), 'database after disconnect');

  // API responses.
  expect(responses.length).toBeGreaterThan(10);
  expectNoSecret(JSON.stringify(responses), 'API responses');

  // Workflow histories (payloads decoded).
  const histories: string[] = [];
  for await (const wf of stack.temporal.workflow.list({ query: `TaskQueue = "${stack.cfg.TEMPORAL_TASK_QUEUE}"` })) {
    histories.push(historyToJSON(await stack.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()));
  }
  expect(histories.length).toBeGreaterThan(0);
  const all = histories.join('\n');
  const decoded = [...all.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
  // The decoding works where payloads are plain JSON (with a payload codec they are ciphertext): IDs are there.
  if (all.includes(Buffer.from('json/plain').toString('base64'))) expect(decoded).toContain(String(synced.caseId));
  expectNoSecret(`${all}\n${decoded}`, 'workflow histories');

  // Logs, everything at trace level.
  const logs = logLines.join('');
  expect(logs).toContain('Creatio connection saved');
  expect(logs).toContain('Creatio connection test failed; nothing saved');
  expectNoSecret(logs, 'logs');
  for (const where of [logs, `${all}\n${decoded}`]) expect(where).not.toMatch(/Bearer\s+[A-Za-z0-9._-]{10,}/);
});

/** Every row of every table, as text. */
async function dumpDatabase(): Promise<string> {
  const { rows: tables } = await stack.pool.query<{ name: string }>(
    "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['connections', 'connection_audit', 'events']));
  const parts: string[] = [];
  for (const t of tables) {
    const { rows } = await stack.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${t.name} t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
