import { temporal } from '@temporalio/proto';
import { CaseStatus } from '../../src/creatio/stock';
import { conversationWorkflowId } from '../../src/workflows/ids';
import { message, resolve } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Events stored while a write to the case is under way are not signalled:
 * the write reads what came meanwhile as it records its result. These tests
 * hold a write in the (slow) simulator, post more events meanwhile, and check
 * that the events are written without a signal of their own, by the same run.
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

/** Waits until a write of the conversation has started and not yet recorded its result. */
async function writeUnderWay(orgId: string, conversationId: string): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await stack.pool.query<{ writing: boolean }>(
        'SELECT write_started_at IS NOT NULL AS writing FROM conversations WHERE org_id = $1 AND conversation_id = $2',
        [orgId, conversationId],
      );
      return rows[0]?.writing ? true : undefined;
    },
    { what: 'a write under way' },
  );
}

async function signalsIn(workflowId: string, runId: string): Promise<number> {
  const history = await stack.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
}

it('writes events stored during a write without signalling them, in order', async () => {
  const org = 'org-inflight';
  expect((await stack.connect(org)).status).toBe(200);
  const conv = 'inflight-1';
  // The first write (the case and m1) takes 1.5 s in Creatio.
  stack.sim.injectFaults({ label: 'slow-first', kind: 'batch', times: 1, latencyMs: 1_500 });
  expect((await stack.postEvents(org, conv, message('m1', 'customer', 'My parcel is late'))).status).toBe(202);
  await writeUnderWay(org, conv);
  expect((await stack.postEvents(org, conv, message('m2', 'ai', 'Let me look it up.'))).status).toBe(202);
  expect((await stack.postEvents(org, conv, message('m3', 'customer', 'Order 1234'))).status).toBe(202);

  const state = await waitFor(async () => {
    const c = await conversation(org, conv);
    return c.syncedUpTo === 3 ? c : undefined;
  }, { what: 'all three synced' });
  const acts = stack.sim.records('Activity').filter((a) => a.CaseId === state.caseId);
  expect(acts.map((a) => String(a.Title))).toEqual([
    expect.stringContaining(`Conversation ${conv}`),
    expect.stringContaining('My parcel is late'),
    expect.stringContaining('Let me look it up.'),
    expect.stringContaining('Order 1234'),
  ]);
  const handle = stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv));
  // Only the first request woke the workflow; the other two were read by the write in flight.
  expect(await signalsIn(handle.workflowId, (await handle.describe()).runId)).toBe(1);
  const { rows } = await stack.pool.query('SELECT write_started_at FROM conversations WHERE org_id = $1 AND conversation_id = $2', [org, conv]);
  expect(rows[0].write_started_at).toBeNull();
});

it('does not finish after a resolving write while events stored during it wait', async () => {
  const org = 'org-inflight-resolve';
  expect((await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved })).status).toBe(200);
  const conv = 'inflight-2';
  stack.sim.injectFaults({ label: 'slow-resolve', kind: 'batch', times: 1, latencyMs: 1_500 });
  // The case is created and resolved in one (slow) request.
  expect((await stack.postEvents(org, conv, [message('m1', 'customer', 'Thanks, all good now'), resolve('r1')])).status).toBe(202);
  await writeUnderWay(org, conv);
  const handle = stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv));
  const runId = (await handle.describe()).runId;
  expect((await stack.postEvents(org, conv, message('m3', 'ai', 'Glad to help!'))).status).toBe(202);

  // The same run learns of m3 from the write's result and writes it instead of finishing at seq 2
  // (and leaving m3 to the signal recovery loop and a new run).
  const c = await waitFor(async () => {
    const got = await conversation(org, conv);
    return got.syncedUpTo === 3 ? got : undefined;
  }, { what: 'm3 synced' });
  const desc = await handle.describe();
  expect(desc.runId).toBe(runId);
  expect(await signalsIn(handle.workflowId, runId)).toBe(1);
  const acts = stack.sim.records('Activity').filter((a) => a.CaseId === c.caseId);
  expect(acts.map((a) => String(a.Title)).slice(-1)).toEqual([expect.stringContaining('Glad to help!')]);
  expect(stack.sim.getRecord('Case', String(c.caseId))!.StatusId).toBe(CaseStatus.Resolved);
});
