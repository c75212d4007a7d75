import { Pool } from 'pg';
import { lockOrgExclusive, OrgLockTimeoutError, withSharedOrgLock } from '../../src/connections/write-guard';
import type { RecordChange } from '../../src/creatio-sim/types';
import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Disconnect with conversations open and writes in flight: once DELETE
 * returns, Creatio sees no request from us; the writes in flight finished
 * before it; the workflows finish as "disconnected"; cases stay in Creatio;
 * later events get 409 not_connected and start nothing.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function conversation(orgId: string, conversationId: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`)).body;
}

it('no Creatio request after DELETE returns; in-flight writes finished before; workflows end disconnected', async () => {
  const org = 'org-disc';
  const c = stack.sim.addClient({ clientId: 'disc-client', clientSecret: 'disc-secret-1234' });
  expect((await stack.connect(org, { clientId: c.clientId, clientSecret: c.clientSecret })).status).toBe(200);
  const convs = Array.from({ length: 10 }, (_, i) => `open-${i + 1}`);
  for (const conv of convs) await stack.postEvents(org, conv, message('m1', 'customer', `${conv} first`));
  await waitFor(async () => (await Promise.all(convs.map((x) => conversation(org, x)))).every((x) => x.syncedUpTo === 1), { what: 'first messages synced' });

  // Slow writes from now on, so some are in flight when DELETE arrives.
  stack.sim.injectFaults({ label: 'slow', kind: 'batch', latencyMs: 400, durationMs: 120_000 });
  const changes: RecordChange[] = [];
  const unsubscribe = stack.sim.onRecordChange((ch) => changes.push(ch));
  let posting = true;
  const rejected: number[] = [];
  const posters = convs.map(async (conv) => {
    for (let n = 2; posting; n++) {
      const res = await stack.postEvents(org, conv, message(`m${n}`, 'customer', `${conv} message ${n}`));
      if (res.status !== 202) rejected.push(res.status);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await waitFor(() => stack.sim.requestLog().some((e) => e.clientId === c.clientId && e.fault === 'slow'), { what: 'a slow write in flight' });

  const casesBefore = stack.sim.records('Case').length;
  const started = Date.now();
  const del = await stack.api('DELETE', `/v1/orgs/${org}/connection`, undefined, { 'x-actor': 'admin@example.com' });
  const returnedAt = Date.now();
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ status: 'disconnected', hasClientSecret: false });
  const writesBefore = changes.filter((ch) => ch.viaClientId === c.clientId).length;

  // Events keep arriving for a while after the disconnect.
  await new Promise((r) => setTimeout(r, 1500));
  posting = false;
  await Promise.all(posters);
  unsubscribe();

  const after = stack.sim.requestLog().filter((e) => e.clientId === c.clientId && e.at > returnedAt);
  expect(after).toEqual([]);
  const ours = changes.filter((ch) => ch.viaClientId === c.clientId);
  expect(writesBefore).toBeGreaterThan(0);
  expect(ours.every((ch) => ch.at <= returnedAt)).toBe(true);
  expect(ours.filter((ch) => ch.op === 'delete')).toEqual([]);
  expect(stack.sim.records('Case').length).toBe(casesBefore);

  // Later events: a clear "not connected", nothing stored or started.
  expect(rejected.length).toBeGreaterThan(0);
  expect(new Set(rejected)).toEqual(new Set([409]));
  const late = await stack.postEvents(org, 'brand-new', message('m1', 'customer', 'hello?'));
  expect(late.status).toBe(409);
  expect(late.body.error).toBe('not_connected');
  expect((await stack.api('GET', `/v1/orgs/${org}/conversations/brand-new`)).status).toBe(404);

  // Every workflow ends cleanly, as disconnected.
  const finished = await waitFor(
    async () => {
      const all = await Promise.all(convs.map((x) => conversation(org, x)));
      return all.every((x) => x.state === 'disconnected') ? all : undefined;
    },
    { what: 'all disconnected', timeoutMs: 30_000 },
  );
  for (const x of finished) {
    const result = await stack.temporal.workflow.getHandle(String(x.workflowId)).result();
    expect(result).toMatchObject({ state: 'disconnected' });
  }
  stack.sim.clearFaults();
  process.stdout.write(`DELETE waited ${returnedAt - started} ms for writes in flight; ${writesBefore} records written before it, none after\n`);
}, 120_000);

describe('write guard', () => {
  let lockPool: Pool;
  beforeAll(() => {
    lockPool = new Pool({ connectionString: stack.cfg.DATABASE_URL, max: 4 });
  });
  afterAll(async () => lockPool.end());

  async function exclusive(orgId: string, timeoutMs: number, hold = 0): Promise<number> {
    const tx = await stack.pool.connect();
    try {
      await tx.query('BEGIN');
      await lockOrgExclusive(tx, orgId, timeoutMs);
      const at = Date.now();
      if (hold) await new Promise((r) => setTimeout(r, hold));
      await tx.query('COMMIT');
      return at;
    } catch (err) {
      await tx.query('ROLLBACK');
      throw err;
    } finally {
      tx.release();
    }
  }

  it('an exclusive lock waits for shared holders and times out as a typed error', async () => {
    let releasedAt = 0;
    const holder = withSharedOrgLock(lockPool, 'org-g', 5000, async () => {
      await new Promise((r) => setTimeout(r, 300));
      releasedAt = Date.now();
    });
    await new Promise((r) => setTimeout(r, 50));
    await expect(exclusive('org-g', 100)).rejects.toBeInstanceOf(OrgLockTimeoutError);
    const gotAt = await exclusive('org-g', 5000);
    await holder;
    expect(gotAt).toBeGreaterThanOrEqual(releasedAt);
  });

  it('shared holders do not wait for each other, other orgs are not affected, and a waiting exclusive blocks new holders', async () => {
    const t0 = Date.now();
    await Promise.all([1, 2, 3].map(() => withSharedOrgLock(lockPool, 'org-h', 5000, () => new Promise((r) => setTimeout(r, 200)))));
    expect(Date.now() - t0).toBeLessThan(550);

    const blocker = exclusive('org-i', 5000, 400);
    await new Promise((r) => setTimeout(r, 50));
    await expect(withSharedOrgLock(lockPool, 'org-i', 100, async () => 'ran')).rejects.toBeInstanceOf(OrgLockTimeoutError);
    await expect(withSharedOrgLock(lockPool, 'org-other', 100, async () => 'ran')).resolves.toBe('ran');
    await blocker;
    await expect(withSharedOrgLock(lockPool, 'org-i', 100, async () => 'ran')).resolves.toBe('ran');
  });

  it('a read under the lock sees what a disconnect committed while the call waited for the lock', async () => {
    // An org ID with a quote in it checks that the literal is quoted, too.
    const org = "org-k'; --";
    await stack.pool.query('CREATE TABLE IF NOT EXISTS lock_probe (org_id text PRIMARY KEY, v int)');
    await stack.pool.query('INSERT INTO lock_probe VALUES ($1, 1) ON CONFLICT (org_id) DO UPDATE SET v = 1', [org]);
    const tx = await stack.pool.connect();
    await tx.query('BEGIN');
    await lockOrgExclusive(tx, org, 5000);
    await tx.query('UPDATE lock_probe SET v = 2 WHERE org_id = $1', [org]);
    const reader = withSharedOrgLock(lockPool, org, 5000, async (rows) => rows, (lit) => `SELECT v FROM lock_probe WHERE org_id = ${lit}`);
    await new Promise((r) => setTimeout(r, 150));
    await tx.query('COMMIT');
    tx.release();
    expect(await reader).toEqual([{ v: 2 }]);
  });

  it('the lock is released when the work fails', async () => {
    await expect(withSharedOrgLock(lockPool, 'org-j', 1000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(exclusive('org-j', 200)).resolves.toEqual(expect.any(Number));
  });
});
