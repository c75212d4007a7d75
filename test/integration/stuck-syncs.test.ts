import { execFileSync } from 'node:child_process';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { message } from '../support/events';
import { globalServices } from '../support/global-state';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Operators find stuck syncs by search attributes, in the Web UI or with
 * `temporal workflow list --query`. Conversations are made stuck on purpose
 * (a permission problem, a Creatio outage) next to healthy ones; the queries
 * must list exactly the stuck ones.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.stop());

async function state(org: string, conv: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${org}/conversations/${conv}`)).body;
}
async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.temporal.workflow.list({ query })) ids.push(wf.workflowId);
  return ids.sort();
}

it('lists exactly the conversations made stuck on purpose', async () => {
  const healthy = 'org-stuck-healthy';
  const noRights = 'org-stuck-perm';
  const outage = 'org-stuck-outage';
  expect((await stack.connect(healthy)).status).toBe(200);
  const limited = stack.sim.addClient({ clientId: 'stuck-perm', clientSecret: 'stuck-perm-secret-1', permissions: { Activity: ['read'] } });
  expect((await stack.connect(noRights, { clientId: limited.clientId, clientSecret: limited.clientSecret })).status).toBe(200);
  const down = stack.sim.addClient({ clientId: 'stuck-outage', clientSecret: 'stuck-outage-secret-1' });
  expect((await stack.connect(outage, { clientId: down.clientId, clientSecret: down.clientSecret })).status).toBe(200);
  // From now on every request of that client fails like a maintenance window.
  stack.sim.injectFaults({ clientId: 'stuck-outage', kind: 'batch', durationMs: 120_000, respond: { status: 503, body: '<html>maintenance</html>' } });

  for (const c of ['h1', 'h2', 'h3']) await stack.postEvents(healthy, c, message('m1', 'customer', 'fine'));
  for (const c of ['p1', 'p2']) await stack.postEvents(noRights, c, message('m1', 'customer', 'stuck on rights'));
  await stack.postEvents(outage, 'o1', message('m1', 'customer', 'stuck on outage'));

  await waitFor(async () => (await Promise.all(['p1', 'p2'].map((c) => state(noRights, c)))).every((s) => s.state === 'needs_attention'), { what: 'needs_attention' });
  await waitFor(async () => (await state(outage, 'o1')).state === 'waiting_for_creatio', { what: 'waiting_for_creatio', timeoutMs: 60_000 });
  await waitFor(async () => (await Promise.all(['h1', 'h2', 'h3'].map((c) => state(healthy, c)))).every((s) => s.syncedUpTo === 1), { what: 'healthy synced' });

  const stuckQuery = `TaskQueue = "${stack.cfg.TEMPORAL_TASK_QUEUE}" AND CreatioSyncState IN ("needs_attention", "waiting_for_creatio")`;
  const expected = ['creatio-sync/org-stuck-outage/o1', 'creatio-sync/org-stuck-perm/p1', 'creatio-sync/org-stuck-perm/p2'];
  await waitFor(async () => JSON.stringify(await listIds(stuckQuery)) === JSON.stringify(expected), { what: 'visibility caught up' });
  expect(await listIds(stuckQuery)).toEqual(expected);
  expect(await listIds(`CreatioOrgId = "${noRights}" AND CreatioSyncState = "needs_attention" AND CreatioSyncReason = "permission_denied"`)).toEqual(expected.slice(1));
  expect(await listIds(`CreatioOrgId = "${healthy}" AND CreatioSyncState = "needs_attention"`)).toEqual([]);

  // The same query through the Temporal CLI, as the README shows it.
  const cli = findTemporalCli();
  if (cli) {
    const out = execFileSync(cli.path, ['workflow', 'list', '--address', globalServices().temporalAddress, '--query', stuckQuery, '--output', 'json'], { encoding: 'utf8' });
    const ids = (JSON.parse(out) as Array<{ execution: { workflowId: string } }>).map((w) => w.execution.workflowId).sort();
    expect(ids).toEqual(expected);
  }

  // Fixing the cause empties the list.
  stack.sim.clearFaults();
  stack.sim.setPermissions('stuck-perm', {});
  expect((await stack.connect(noRights, { clientId: limited.clientId, clientSecret: limited.clientSecret })).status).toBe(200);
  expect((await stack.connect(outage, { clientId: down.clientId, clientSecret: down.clientSecret })).status).toBe(200);
  await waitFor(async () => (await listIds(stuckQuery)).length === 0, { what: 'no stuck syncs left', timeoutMs: 60_000 });
});
