import { temporal } from '@temporalio/proto';
import { CaseStatus } from '../../src/creatio/stock';
import { signalEventsAvailable } from '../../src/client/conversation-signals';
import { conversationWorkflowId } from '../../src/workflows/ids';
import { handoff, message, resolve } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function casesFor(conversationId: string) {
  return stack.sim.records('Case').filter((c) => String(c.Symptoms ?? '').includes(`Conversation: ${conversationId}`));
}
function activitiesOf(caseId: string) {
  return stack.sim.records('Activity').filter((a) => a.CaseId === caseId);
}
async function conversation(orgId: string, conversationId: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`)).body;
}

describe('every-conversation mode', () => {
  const org = 'org-every';
  beforeAll(async () => {
    const res = await stack.connect(org);
    expect(res.status).toBe(200);
  });

  it('creates the case on the first customer message and logs every message once, in order', async () => {
    const conv = 'conv-1';
    const first = await stack.postEvents(org, conv, [message('m1', 'ai', 'Hi! How can I help?'), message('m2', 'customer', 'My invoice is wrong')]);
    expect(first.status).toBe(202);
    await stack.postEvents(org, conv, message('m3', 'ai', 'Let me check that for you.'));

    const state = await waitFor(async () => {
      const c = await conversation(org, conv);
      return c.syncedUpTo === 3 && c.state === 'syncing' ? c : undefined;
    }, { what: 'conversation synced' });
    const cases = casesFor(conv);
    expect(cases).toHaveLength(1);
    expect(cases[0]!.Id).toBe(state.caseId);
    expect(cases[0]!.Number).toBe(state.caseNumber);
    const acts = activitiesOf(String(state.caseId));
    // Session link first, then the three messages in sequence order.
    expect(acts.map((a) => String(a.Title).slice(0, 30))).toEqual([
      expect.stringContaining(`Conversation ${conv}`),
      expect.stringContaining('Hi! How can I help?'),
      expect.stringContaining('My invoice is wrong'),
      expect.stringContaining('Let me check'),
    ]);
  });

  it('resolves the case with the configured status and finishes the workflow', async () => {
    await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved });
    const conv = 'conv-resolve';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'Where is my order?'), message('m2', 'ai', 'It ships today.'), resolve('r1')]);
    const state = await waitFor(async () => {
      const c = await conversation(org, conv);
      return c.state === 'resolved' ? c : undefined;
    }, { what: 'resolved' });
    expect(stack.sim.getRecord('Case', String(state.caseId))!.StatusId).toBe(CaseStatus.Resolved);
    // Created and resolved together: the status went in the $batch that created the case (after
    // its activities), with no status read and no request of its own.
    const caseRequests = stack.sim.requestLog().filter((e) => e.path.toLowerCase().includes(String(state.caseId).toLowerCase()));
    expect(caseRequests.map((e) => [e.method, e.batchSeq !== undefined])).toEqual([['PATCH', true]]);
    const batch = stack.sim.requestLog().filter((e) => e.batchSeq === caseRequests[0]!.batchSeq && e.path !== '/0/odata/$batch');
    expect(batch.map((e) => e.method)).toEqual(['POST', 'POST', 'POST', 'POST', 'PATCH']);
    const handle = stack.temporal.workflow.getHandle(String((await conversation(org, conv)).workflowId));
    const result = await handle.result();
    expect(result.state).toBe('resolved');

    // A late signal (a re-sent request, the recovery loop) starts a new run: it sees the end and finishes at once.
    const firstRunId = (await handle.describe()).runId;
    await signalEventsAvailable({ client: stack.temporal, taskQueue: stack.cfg.TEMPORAL_TASK_QUEUE }, org, conv, 3);
    const late = stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv));
    const lateResult = await late.result();
    expect(lateResult.state).toBe('resolved');
    expect((await late.describe()).runId).not.toBe(firstRunId);
    // The API's cheaper plain signal, tried first when a run is probably open, falls back to
    // signal-with-start when the run has finished: the signal is not lost.
    const secondRunId = (await late.describe()).runId;
    await signalEventsAvailable({ client: stack.temporal, taskQueue: stack.cfg.TEMPORAL_TASK_QUEUE }, org, conv, 3, true);
    const third = stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv));
    expect((await third.result()).state).toBe('resolved');
    expect((await third.describe()).runId).not.toBe(secondRunId);
    // And a re-sent request for events already written sends no signal at all.
    const before = (await late.describe()).runId;
    expect((await stack.postEvents(org, conv, [message('m2', 'ai', 'It ships today.'), resolve('r1')])).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv)).describe()).runId).toBe(before);
    expect(stack.sim.records('Case').filter((c) => c.Id === state.caseId)).toHaveLength(1);
  });
});

describe('handoff-only mode', () => {
  const org = 'org-handoff';
  beforeAll(async () => {
    expect((await stack.connect(org, { handoffOnly: true })).status).toBe(200);
  });

  it('writes nothing before the handoff, then the case and the whole transcript in order', async () => {
    const conv = 'conv-h1';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'I need help with billing'), message('m2', 'ai', 'Sure, what is wrong?')]);
    await waitFor(async () => (await conversation(org, conv)).storedUpTo === 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(casesFor(conv)).toHaveLength(0);

    await stack.postEvents(org, conv, [message('m3', 'customer', 'I want a human'), handoff('h1'), message('m4', 'agent', 'Hello, I am Bob.')]);
    const state = await waitFor(async () => {
      const c = await conversation(org, conv);
      return c.syncedUpTo === 5 ? c : undefined;
    }, { what: 'handoff synced' });
    const cases = casesFor(conv);
    expect(cases).toHaveLength(1);
    expect(String(cases[0]!.Symptoms)).toContain('Customer cannot log in');
    const titles = activitiesOf(String(state.caseId)).map((a) => String(a.Title));
    expect(titles).toHaveLength(5); // link + 4 messages; the handoff that created the case adds no note
    expect(titles[1]).toContain('I need help with billing');
    expect(titles[4]).toContain('Hello, I am Bob.');
  });

  it('waits for the handoff without a step per message, yet misses no handoff that arrives with a message', async () => {
    const conv = 'conv-h-lean';
    for (let i = 1; i <= 30; i++) {
      expect((await stack.postEvents(org, conv, message(`m${i}`, i % 2 ? 'customer' : 'ai', `Message number ${i}`))).status).toBe(202);
    }
    // The handoff arrives in the same request as a message, and a message with an explicit seq after it.
    await stack.postEvents(org, conv, [message('m31', 'customer', 'A human please'), handoff('h1')]);
    await stack.postEvents(org, conv, { events: [{ ...message('m33', 'agent', 'Hi, Ann here.'), seq: 33 }] });
    const state = await waitFor(async () => {
      const c = await conversation(org, conv);
      return c.syncedUpTo === 33 ? c : undefined;
    }, { what: 'handoff-only conversation synced' });
    const titles = activitiesOf(String(state.caseId)).map((a) => String(a.Title));
    expect(titles).toHaveLength(1 + 31 + 1); // link + 31 messages + Ann; the handoff that created the case adds no note
    expect(titles[1]).toContain('Message number 1');
    expect(titles[32]).toContain('Hi, Ann here.');

    const history = await stack.temporal.workflow.getHandle(conversationWorkflowId(org, conv)).fetchHistory();
    const T = temporal.api.enums.v1.EventType;
    const count = (type: temporal.api.enums.v1.EventType) => (history.events ?? []).filter((e) => e.eventType === type).length;
    // Before the handoff a message costs its signal and one workflow task; no plan (marker), no timer.
    expect(count(T.EVENT_TYPE_MARKER_RECORDED)).toBeLessThan(8);
    expect(count(T.EVENT_TYPE_TIMER_STARTED)).toBeLessThan(4);
    expect(count(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBeLessThanOrEqual(3);
  });

  it('runs no workflow for messages before a handoff; switching the org to every-conversation mode syncs them', async () => {
    const org2 = 'org-handoff-switch';
    expect((await stack.connect(org2, { handoffOnly: true })).status).toBe(200);
    const conv = 'conv-switch';
    await stack.postEvents(org2, conv, [message('m1', 'customer', 'Can I change my plan?')]);
    await stack.postEvents(org2, conv, [message('m2', 'ai', 'Yes, from the billing page.')]);
    expect((await conversation(org2, conv)).storedUpTo).toBe(2);
    await expect(stack.temporal.workflow.getHandle(conversationWorkflowId(org2, conv)).describe()).rejects.toThrow(/not found/i);

    expect((await stack.connect(org2, { handoffOnly: false })).status).toBe(200);
    const state = await waitFor(async () => {
      const c = await conversation(org2, conv);
      return c.syncedUpTo === 2 ? c : undefined;
    }, { what: 'synced after the mode switch' });
    expect(activitiesOf(String(state.caseId))).toHaveLength(3);
  });

  it('creates no case when the conversation closes without a handoff', async () => {
    const conv = 'conv-h2';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'What are your hours?'), message('m2', 'ai', '9 to 5.'), resolve('r1')]);
    const state = await waitFor(async () => {
      const c = await conversation(org, conv);
      return c.state === 'closed_without_case' ? c : undefined;
    }, { what: 'closed without case' });
    expect(state.caseId).toBeNull();
    expect(casesFor(conv)).toHaveLength(0);
  });
});
