import { CaseStatus } from '../../src/creatio/stock';
import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/** What happens when agents delete or close the case in Creatio while the conversation goes on. */
async function conversation(stack: TestStack, orgId: string, conversationId: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`)).body;
}
async function until(stack: TestStack, org: string, conv: string, pred: (c: Json) => boolean, what: string): Promise<Json> {
  return waitFor(async () => {
    const c = await conversation(stack, org, conv);
    return pred(c) ? c : undefined;
  }, { what, timeoutMs: 40_000 });
}
function titles(stack: TestStack, caseId: unknown): string[] {
  return stack.sim.records('Activity').filter((a) => a.CaseId === caseId).map((a) => String(a.Title));
}

describe('default policies (replace deleted cases, reopen closed ones)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  it('replaces a case deleted in Creatio with a new one holding the whole transcript, never retrying forever', async () => {
    const org = 'org-deleted';
    expect((await stack.connect(org)).status).toBe(200);
    const conv = 'del-1';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'First question'), message('m2', 'ai', 'First answer')]);
    const before = await until(stack, org, conv, (c) => c.syncedUpTo === 2, 'first case');
    stack.sim.deleteRecord('Case', String(before.caseId));
    await stack.postEvents(org, conv, message('m3', 'customer', 'Are you still there?'));
    const after = await until(stack, org, conv, (c) => c.syncedUpTo === 3 && c.caseId !== null && c.caseId !== before.caseId, 'replacement case');
    const t = titles(stack, after.caseId);
    expect(t).toHaveLength(4);
    expect(t.slice(1).map((x) => x.split(': ')[1])).toEqual(['First question', 'First answer', 'Are you still there?']);
    const link = stack.sim.records('Activity').find((a) => a.CaseId === after.caseId && String(a.Title).startsWith('Conversation'))!;
    expect(String(link.Notes)).toContain(`replaces case ${String(before.caseNumber)}`);
    expect(after.state).toBe('syncing');
  });

  it('reopens a case an agent closed when the customer writes again', async () => {
    const org = 'org-closed';
    expect((await stack.connect(org)).status).toBe(200);
    const conv = 'closed-1';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'Broken screen'), message('m2', 'ai', 'Sending a technician')]);
    const c = await until(stack, org, conv, (x) => x.syncedUpTo === 2, 'case');
    stack.sim.updateRecord('Case', String(c.caseId), { StatusId: CaseStatus.Closed });
    // The backstop read notices the closure.
    await waitFor(async () => {
      const row = await stack.pool.query<{ s: string }>('SELECT creatio_case_status AS s FROM conversations WHERE org_id = $1 AND conversation_id = $2', [org, conv]);
      return row.rows[0]?.s === 'final';
    }, { what: 'closure noticed' });
    await stack.postEvents(org, conv, message('m3', 'customer', 'It broke again'));
    await until(stack, org, conv, (x) => x.syncedUpTo === 3, 'new message synced');
    expect(stack.sim.getRecord('Case', String(c.caseId))!.StatusId).toBe(CaseStatus.Reopened);
    expect(titles(stack, c.caseId).pop()).toContain('It broke again');
  });
});

describe('alternative policies', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { DELETED_CASE_POLICY: 'stop', CLOSED_CASE_POLICY: 'new_case' } });
  });
  afterAll(async () => stack?.stop());

  it('"stop": a deleted case puts the conversation in needs_attention instead of retrying', async () => {
    const org = 'org-del-stop';
    expect((await stack.connect(org)).status).toBe(200);
    const conv = 'del-stop';
    await stack.postEvents(org, conv, message('m1', 'customer', 'Hello'));
    const c = await until(stack, org, conv, (x) => x.syncedUpTo === 1, 'case');
    stack.sim.deleteRecord('Case', String(c.caseId));
    await stack.postEvents(org, conv, message('m2', 'customer', 'Hello?'));
    const stuck = await until(stack, org, conv, (x) => x.state === 'needs_attention', 'needs attention');
    expect(stuck.reason).toBe('not_found');
    const writes = stack.sim.requestCounts()['batch'] ?? 0;
    await new Promise((r) => setTimeout(r, 2000));
    expect(stack.sim.requestCounts()['batch'] ?? 0).toBe(writes);
  });

  it('"new_case": a closed case is followed by a new case that refers to it', async () => {
    const org = 'org-closed-new';
    expect((await stack.connect(org)).status).toBe(200);
    const conv = 'closed-new';
    await stack.postEvents(org, conv, message('m1', 'customer', 'Order 1 missing'));
    const c = await until(stack, org, conv, (x) => x.syncedUpTo === 1, 'case');
    stack.sim.updateRecord('Case', String(c.caseId), { StatusId: CaseStatus.Canceled });
    await waitFor(async () => {
      const row = await stack.pool.query<{ s: string }>('SELECT creatio_case_status AS s FROM conversations WHERE org_id = $1 AND conversation_id = $2', [org, conv]);
      return row.rows[0]?.s === 'final';
    }, { what: 'cancel noticed' });
    await stack.postEvents(org, conv, message('m2', 'customer', 'Now order 2 is missing too'));
    const next = await until(stack, org, conv, (x) => x.syncedUpTo === 2 && x.caseId !== c.caseId && x.caseId !== null, 'follow-up case');
    expect(stack.sim.getRecord('Case', String(c.caseId))!.StatusId).toBe(CaseStatus.Canceled);
    const t = titles(stack, next.caseId);
    expect(t).toHaveLength(2);
    expect(t[1]).toContain('Now order 2 is missing too');
    const link = stack.sim.records('Activity').find((a) => a.CaseId === next.caseId && String(a.Title).startsWith('Conversation'))!;
    expect(String(link.Notes)).toContain(`Follow-up to case ${String(c.caseNumber)}`);
  });
});
