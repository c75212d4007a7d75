import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/**
 * The worker runs as its own OS process and is killed with SIGKILL in the
 * middle of a conversation (while Creatio is slow, so writes are in flight);
 * a new worker process picks up and the case ends up with every message
 * exactly once, in order.
 */
let stack: TestStack;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await startTestStack({ runWorker: false });
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.stop();
});

it('survives the worker being killed with SIGKILL mid-conversation', async () => {
  const org = 'org-crash';
  const conv = 'crash-1';
  expect((await stack.connect(org)).status).toBe(200);
  // Slow Creatio: every request takes 150 ms, so the kill lands mid-write.
  stack.sim.injectFaults({ label: 'slow', durationMs: 120_000, latencyMs: 150 });
  worker = spawnWorker(stack);

  const total = 60;
  const post = async (from: number, n: number) => {
    const events = Array.from({ length: n }, (_, i) => message(`k${from + i}`, (from + i) % 2 ? 'customer' : 'ai', `crash test message ${from + i}`));
    expect((await stack.postEvents(org, conv, events)).status).toBe(202);
  };
  for (let i = 1; i <= 30; i += 3) await post(i, 3);
  const get = async () => (await stack.api<Json>('GET', `/v1/orgs/${org}/conversations/${conv}`)).body;
  await waitFor(async () => Number((await get()).syncedUpTo) >= 6, { what: 'some messages synced' });

  expect(await worker.kill('SIGKILL')).toBeNull();
  const syncedAtKill = Number((await get()).syncedUpTo);
  expect(syncedAtKill).toBeLessThan(total);
  // Events keep arriving while no worker runs.
  for (let i = 31; i <= total; i += 5) await post(i, 5);

  worker = spawnWorker(stack);
  const done = await waitFor(async () => {
    const c = await get();
    return c.syncedUpTo === total ? c : undefined;
  }, { what: 'all synced after restart', timeoutMs: 90_000 });

  const titles = stack.sim
    .records('Activity')
    .filter((a) => a.CaseId === done.caseId)
    .map((a) => String(a.Title))
    .slice(1);
  expect(titles).toEqual(Array.from({ length: total }, (_, i) => expect.stringContaining(`crash test message ${i + 1}`)));
  expect(new Set(titles).size).toBe(total);
  expect(stack.sim.records('Case').filter((k) => String(k.Symptoms).includes(`Conversation: ${conv}`))).toHaveLength(1);
});
