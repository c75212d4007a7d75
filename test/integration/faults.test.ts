import { EventInputSchema } from '../../src/api/schemas';
import { toConversationEvent } from '../../src/api/to-event';
import { CaseStatus } from '../../src/creatio/stock';
import type { Pool } from 'pg';
import { recordWriteProgressAndPlan } from '../../src/store/conversations-repo';
import { appendEvents } from '../../src/store/events-repo';
import { handoff, message, resolve } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

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
async function until(orgId: string, conversationId: string, pred: (c: Json) => boolean, what: string, timeoutMs = 30_000): Promise<Json> {
  return waitFor(async () => {
    const c = await conversation(orgId, conversationId);
    return pred(c) ? c : undefined;
  }, { what: `${conversationId}: ${what}`, timeoutMs });
}
function activityTitles(caseId: unknown): string[] {
  return stack.sim
    .records('Activity')
    .filter((a) => a.CaseId === caseId)
    .map((a) => String(a.Title));
}
function messages(prefix: string, n: number, from = 1) {
  return Array.from({ length: n }, (_, i) => message(`${prefix}${from + i}`, i % 2 === 0 ? 'customer' : 'ai', `${prefix} message number ${from + i}`));
}
/** Titles of the message activities, minus the session link. */
function messageTitles(caseId: unknown): string[] {
  return activityTitles(caseId).slice(1);
}

describe('duplicates and ordering', () => {
  const org = 'org-dup';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it('stores a re-sent event once and writes one activity for it', async () => {
    const conv = 'dup-1';
    const m1 = message('e1', 'customer', 'Hello, my parcel is late');
    const r1 = await stack.postEvents(org, conv, m1);
    const r2 = await stack.postEvents(org, conv, m1);
    expect(r1.status).toBe(202);
    expect(r2.status).toBe(202);
    expect((r2.body.events as Json[])[0]).toMatchObject({ eventId: 'e1', seq: 1, duplicate: true });
    await stack.postEvents(org, conv, [m1, message('e2', 'ai', 'Sorry to hear that')]);
    const c = await until(org, conv, (x) => x.syncedUpTo === 2, 'synced');
    expect(messageTitles(c.caseId)).toEqual([expect.stringContaining('my parcel is late'), expect.stringContaining('Sorry to hear')]);
  });

  it('a re-post of stored events changes nothing, not even updatedAt; a new customer detail does', async () => {
    const conv = 'dup-4';
    const m1 = message('u1', 'customer', 'Where is my order?', { customer: { name: 'Ann Example', email: 'ann@example.com' } });
    expect((await stack.postEvents(org, conv, m1)).status).toBe(202);
    const before = await until(org, conv, (x) => x.syncedUpTo === 1 && x.state === 'syncing', 'synced');
    await new Promise((r) => setTimeout(r, 20));
    const again = await stack.postEvents(org, conv, m1);
    expect((again.body.events as Json[])[0]).toMatchObject({ eventId: 'u1', seq: 1, duplicate: true });
    expect((await conversation(org, conv)).updatedAt).toBe(before.updatedAt);
    const phone = await stack.postEvents(org, conv, { ...m1, customer: { phone: '+44 20 7946 0000' } });
    expect((phone.body.events as Json[])[0]).toMatchObject({ duplicate: true });
    expect((await conversation(org, conv)).updatedAt).not.toBe(before.updatedAt);
  });

  it('an event ID re-sent with a different type is a conflict and stores nothing', async () => {
    const conv = 'dup-2';
    await stack.postEvents(org, conv, message('x1', 'customer', 'first'));
    const res = await stack.postEvents(org, conv, resolve('x1'));
    expect(res.status).toBe(409);
    expect(String(res.body.message)).toContain('event x1 was already received as a message event, not a resolve (seq 1)');
  });

  it('an event ID re-sent with other text is a conflict; the same content is a duplicate, in one request or two', async () => {
    const conv = 'dup-3';
    await stack.postEvents(org, conv, message('y1', 'customer', 'first words'));
    const changed = await stack.postEvents(org, conv, [message('y2', 'ai', 'new'), message('y1', 'customer', 'other words')]);
    expect(changed.status).toBe(409);
    expect(String(changed.body.message)).toContain('different content');
    const same = await stack.postEvents(org, conv, [message('y2', 'ai', 'new'), message('y2', 'ai', 'new'), message('y1', 'customer', 'first words')]);
    expect(same.status).toBe(202);
    expect((same.body.events as Json[]).map((e) => [e.seq, e.duplicate])).toEqual([[2, false], [2, true], [1, true]]);
    // The refused request stored nothing: y2 got seq 2 only with the second request.
    expect((await stack.api('GET', `/v1/orgs/${org}/conversations/${conv}`)).body.storedUpTo).toBe(2);
    // One new ID twice in a request with different content: said as such (nothing was received before).
    const twice = await stack.postEvents(org, conv, [message('y3', 'ai', 'one'), message('y3', 'ai', 'two')]);
    expect(twice.status).toBe(409);
    expect(String(twice.body.message)).toContain('event y3 comes twice in this request with different content');
    expect((await stack.api('GET', `/v1/orgs/${org}/conversations/${conv}`)).body.storedUpTo).toBe(2);
  });

  it('holds events that arrive before a missing sequence number and writes them in sequence order', async () => {
    const conv = 'order-1';
    await stack.postEvents(org, conv, { ...message('o1', 'customer', 'one'), seq: 1 });
    await stack.postEvents(org, conv, [{ ...message('o3', 'customer', 'three'), seq: 3 }, { ...message('o4', 'ai', 'four'), seq: 4 }]);
    const mid = await until(org, conv, (x) => x.syncedUpTo === 1, 'first synced');
    expect(mid.storedUpTo).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(messageTitles(mid.caseId)).toHaveLength(1);
    await stack.postEvents(org, conv, { ...message('o2', 'ai', 'two'), seq: 2 });
    const done = await until(org, conv, (x) => x.syncedUpTo === 4, 'all synced');
    expect(messageTitles(done.caseId).map((t) => t.split(': ')[1])).toEqual(['one', 'two', 'three', 'four']);
  });

  it('ten concurrent first messages of a new conversation make one case and ten activities', async () => {
    const conv = 'burst-1';
    const results = await Promise.all(messages('b', 10).map((m) => stack.postEvents(org, conv, m)));
    expect(results.every((r) => r.status === 202)).toBe(true);
    // Distinct, gap-free numbers although every request raced for the same new conversation row.
    const seqs = results.map((r) => Number((r.body.events as Json[])[0]!.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The same ten again, concurrently: all duplicates, nothing renumbered.
    const again = await Promise.all(messages('b', 10).map((m) => stack.postEvents(org, conv, m)));
    expect(again.map((r) => (r.body.events as Json[])[0]!.duplicate)).toEqual(Array(10).fill(true));
    expect(again.map((r) => Number((r.body.events as Json[])[0]!.seq))).toEqual(results.map((r) => Number((r.body.events as Json[])[0]!.seq)));
    const c = await until(org, conv, (x) => x.syncedUpTo === 10, 'burst synced');
    const cases = stack.sim.records('Case').filter((k) => String(k.Symptoms).includes(`Conversation: ${conv}`));
    expect(cases).toHaveLength(1);
    expect(messageTitles(c.caseId)).toHaveLength(10);
  });
});

describe('lifecycle', () => {
  const org = 'org-life';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it('a handoff on an existing case adds one handoff note and no second case', async () => {
    const conv = 'life-handoff';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'The app crashes on start'), message('m2', 'ai', 'Try reinstalling')]);
    await until(org, conv, (x) => x.syncedUpTo === 2, 'messages synced');
    await stack.postEvents(org, conv, [handoff('h1'), message('m3', 'agent', 'Hi, Maria from support here')]);
    const c = await until(org, conv, (x) => x.syncedUpTo === 4, 'handoff synced');
    const titles = messageTitles(c.caseId);
    expect(titles).toHaveLength(4);
    expect(titles[2]).toContain('Handoff to a human agent');
    const note = stack.sim.records('Activity').find((a) => String(a.Title).includes('Handoff to a human agent') && a.CaseId === c.caseId)!;
    expect(String(note.Notes)).toContain('Sentiment: frustrated');
    expect(String(note.Notes)).toContain('Language: en');
    expect(stack.sim.records('Case').filter((k) => String(k.Symptoms).includes(`Conversation: ${conv}`))).toHaveLength(1);
  });

  it('resolve without a resolved status leaves the case status alone and still finishes', async () => {
    const conv = 'life-nostatus';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'Thanks, all good'), resolve('r1')]);
    const c = await until(org, conv, (x) => x.state === 'resolved', 'resolved');
    expect(stack.sim.getRecord('Case', String(c.caseId))!.StatusId).toBe(CaseStatus.New);
  });

  it('a message after the conversation was resolved goes to the same case', async () => {
    await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved });
    const conv = 'life-after';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'Refund please'), resolve('r1')]);
    const first = await until(org, conv, (x) => x.state === 'resolved', 'resolved');
    await stack.temporal.workflow.getHandle(String(first.workflowId)).result();
    await stack.postEvents(org, conv, message('m2', 'customer', 'Actually, one more question'));
    const after = await until(org, conv, (x) => x.syncedUpTo === 3, 'late message synced');
    expect(after.caseId).toBe(first.caseId);
    expect(stack.sim.records('Case').filter((k) => String(k.Symptoms).includes(`Conversation: ${conv}`))).toHaveLength(1);
    expect(messageTitles(after.caseId).pop()).toContain('one more question');
  });
});

describe('Creatio failures', () => {
  const org = 'org-faults';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));
  afterEach(() => stack.sim.clearFaults());

  it('rides out 503 maintenance pages and 429 with Retry-After without duplicates', async () => {
    const conv = 'f-503';
    await stack.postEvents(org, conv, messages('a', 3));
    await until(org, conv, (x) => x.syncedUpTo === 3, 'first part');
    stack.sim.injectFaults({ label: 'maint', kind: 'batch', times: 3, respond: { status: 503, body: '<html><body>Maintenance</body></html>', retryAfter: 1 } });
    stack.sim.injectFaults({ label: 'rate', kind: 'batch', times: 2, respond: { status: 429, retryAfter: 1 } });
    for (const m of messages('a', 5, 4)) await stack.postEvents(org, conv, m);
    const c = await until(org, conv, (x) => x.syncedUpTo === 8, 'synced after faults', 60_000);
    expect(stack.sim.faultCounts()).toMatchObject({ maint: 3, rate: 2 });
    expect(messageTitles(c.caseId).map((t) => t.split(': ')[1])).toEqual(Array.from({ length: 8 }, (_, i) => `a message number ${i + 1}`));
  });

  it('refreshes an expired token once and carries on', async () => {
    // Its own OAuth client, so other orgs' token requests (backstop reads) are not counted.
    const tokenOrg = 'org-token-expiry';
    const client = stack.sim.addClient({ clientId: 'token-expiry-client', clientSecret: 'token-expiry-secret-1' });
    expect((await stack.connect(tokenOrg, { clientId: client.clientId, clientSecret: client.clientSecret })).status).toBe(200);
    const tokenRequests = () => stack.sim.requestLog().filter((r) => r.kind === 'token' && r.clientId === client.clientId).length;
    const conv = 'f-token';
    await stack.postEvents(tokenOrg, conv, messages('t', 2));
    await until(tokenOrg, conv, (x) => x.syncedUpTo === 2, 'before expiry');
    const before = tokenRequests();
    stack.sim.expireTokens(client.clientId);
    await stack.postEvents(tokenOrg, conv, messages('t', 2, 3));
    const c = await until(tokenOrg, conv, (x) => x.syncedUpTo === 4, 'after expiry');
    expect(tokenRequests() - before).toBe(1);
    expect(messageTitles(c.caseId)).toHaveLength(4);
  });
});

describe('problems a person must fix', () => {
  afterEach(() => stack.sim.clearFaults());

  it('a rotated secret puts the conversation in needs_attention; saving the new secret drains the backlog in order', async () => {
    const org = 'org-secret';
    const sim = stack.sim.addClient({ clientId: 'rot-client', clientSecret: 'old-secret-1234' });
    expect((await stack.connect(org, { clientId: sim.clientId, clientSecret: sim.clientSecret })).status).toBe(200);
    const conv = 'needs-secret';
    await stack.postEvents(org, conv, messages('s', 2));
    await until(org, conv, (x) => x.syncedUpTo === 2, 'synced before rotation');
    stack.sim.setClientSecret('rot-client', 'new-secret-5678');
    stack.sim.revokeTokens('rot-client');
    await stack.postEvents(org, conv, messages('s', 3, 3));
    const stuck = await until(org, conv, (x) => x.state === 'needs_attention', 'needs_attention');
    expect(stuck.reason).toBe('credentials_rejected');
    const connection = await stack.api('GET', `/v1/orgs/${org}/connection`);
    expect(connection.body).toMatchObject({ status: 'needs_attention', statusReason: 'credentials_rejected' });
    await stack.postEvents(org, conv, messages('s', 1, 6));

    expect((await stack.connect(org, { clientId: 'rot-client', clientSecret: 'new-secret-5678' })).status).toBe(200);
    const c = await until(org, conv, (x) => x.syncedUpTo === 6 && x.state === 'syncing', 'drained');
    expect(messageTitles(c.caseId).map((t) => t.split(': ')[1])).toEqual(Array.from({ length: 6 }, (_, i) => `s message number ${i + 1}`));
    expect((await stack.api('GET', `/v1/orgs/${org}/connection`)).body).toMatchObject({ status: 'active' });
  });

  it('a 403 on Activity puts the conversation in needs_attention naming the permission; granting it resumes', async () => {
    const org = 'org-perm';
    const sim = stack.sim.addClient({ clientId: 'perm-client', clientSecret: 'perm-secret-1234', permissions: { Activity: ['read'] } });
    expect((await stack.connect(org, { clientId: sim.clientId, clientSecret: sim.clientSecret })).status).toBe(200);
    const conv = 'needs-perm';
    await stack.postEvents(org, conv, messages('p', 2));
    const stuck = await until(org, conv, (x) => x.state === 'needs_attention', 'needs_attention');
    expect(stuck.reason).toBe('permission_denied');
    const connection = (await stack.api('GET', `/v1/orgs/${org}/connection`)).body;
    expect(String(connection.lastError)).toMatch(/Activity/);
    stack.sim.setPermissions('perm-client', {});
    expect((await stack.connect(org, { clientId: sim.clientId, clientSecret: sim.clientSecret })).status).toBe(200);
    const c = await until(org, conv, (x) => x.syncedUpTo === 2, 'resumed');
    expect(messageTitles(c.caseId)).toHaveLength(2);
  });

  it('an owner GUID that does not exist puts the conversation in needs_attention; correcting it resumes', async () => {
    const org = 'org-owner';
    // Test & Save refuses an unknown owner, so the contact is deleted in Creatio after saving.
    const owner = stack.sim.insertRecord('Contact', { Name: 'Soon Gone' });
    expect((await stack.connect(org, { ownerId: owner.Id })).status).toBe(200);
    stack.sim.deleteRecord('Contact', String(owner.Id));
    const conv = 'needs-owner';
    await stack.postEvents(org, conv, messages('w', 2));
    const stuck = await until(org, conv, (x) => x.state === 'needs_attention', 'needs_attention');
    expect(stuck.reason).toBe('invalid_lookup');
    expect((await stack.connect(org, { ownerId: null })).status).toBe(200);
    const c = await until(org, conv, (x) => x.syncedUpTo === 2 && x.state === 'syncing', 'resumed');
    expect(messageTitles(c.caseId)).toHaveLength(2);
  });
});

describe('bad input', () => {
  const org = 'org-input';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it.each([
    ['no body', undefined, 'body'],
    ['unknown type', { type: 'typing', eventId: 'x' }, ''],
    ['timestamp without zone', { type: 'message', eventId: 'x', role: 'customer', text: 'hi', sentAt: '2026-12-01T10:00:00' }, 'sentAt'],
    ['empty message', { type: 'message', eventId: 'x', role: 'customer', text: ' ', sentAt: '2026-12-01T10:00:00Z' }, 'text'],
    ['unknown field', { type: 'message', eventId: 'x', role: 'customer', text: 'hi', sentAt: '2026-12-01T10:00:00Z', colour: 'red' }, ''],
    ['bad role', { type: 'message', eventId: 'x', role: 'bot', text: 'hi', sentAt: '2026-12-01T10:00:00Z' }, 'role'],
  ])('%s → 400 with field errors, nothing stored', async (_name, body, field) => {
    const res = await stack.api('POST', `/v1/orgs/${org}/conversations/bad-1/events`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    if (field) expect(JSON.stringify(res.body.issues ?? res.body.message)).toContain(field);
    expect((await stack.api('GET', `/v1/orgs/${org}/conversations/bad-1`)).status).toBe(404);
  });

  it('answers 415 for a body that is not JSON, 400 for broken JSON, 413 for one over the limit; nothing stored', async () => {
    const route = `/v1/orgs/${org}/conversations/media-1/events`;
    const event = JSON.stringify(message('m1', 'customer', 'hi'));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await stack.api('POST', route, event, { 'content-type': type });
      expect([type, res.status, res.body.error]).toEqual([type, 415, 'unsupported_media_type']);
    }
    const broken = await stack.api('POST', route, '{"type": "message",');
    expect([broken.status, broken.body.error]).toEqual([400, 'invalid_request']);
    const huge = await stack.api('POST', route, JSON.stringify({ ...message('m1', 'customer', 'x'), text: 'x'.repeat(1_100_000) }));
    expect([huge.status, huge.body.error]).toEqual([413, 'payload_too_large']);
    expect((await stack.api('GET', `/v1/orgs/${org}/conversations/media-1`)).status).toBe(404);
  });

  it('rejects a bad conversation ID, a missing token and an unconnected org', async () => {
    expect((await stack.postEvents(org, 'has space', message('m1', 'customer', 'x'))).status).toBe(400);
    expect((await stack.postEvents(org, 'bad%2Fslash', message('m1', 'customer', 'x'))).status).toBe(400);
    const noAuth = await fetch(`${stack.apiUrl}/v1/orgs/${org}/conversations/c/events`, { method: 'POST' });
    expect(noAuth.status).toBe(401);
    const unconnected = await stack.postEvents('org-never', 'c1', message('m1', 'customer', 'x'));
    expect(unconnected.status).toBe(409);
    expect(unconnected.body.error).toBe('not_connected');
  });
});

describe('Temporal unreachable', () => {
  it('answers 503, keeps the events, and syncs them once Temporal is back', async () => {
    const org = 'org-temporal';
    expect((await stack.connect(org)).status).toBe(200);
    await stack.restartApp({ temporalAddress: '127.0.0.1:1', runWorker: false });
    const res = await stack.postEvents(org, 'down-1', messages('d', 3));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('temporal_unavailable');
    expect((await conversation(org, 'down-1')).storedUpTo).toBe(3);
    await stack.restartApp();
    const c = await until(org, 'down-1', (x) => x.syncedUpTo === 3, 'synced after Temporal came back');
    expect(messageTitles(c.caseId)).toHaveLength(3);
  });

  it('signals events stored by an API that died before signalling, once they are past the grace', async () => {
    const org = 'org-temporal';
    expect((await stack.connect(org)).status).toBe(200);
    // What an API process leaves behind when it dies between commit and signal: stored, never signalled.
    const receivedAt = new Date().toISOString();
    const stored = await appendEvents(
      stack.pool,
      org,
      'lost-1',
      messages('l', 2).map((m) => ({ event: toConversationEvent(EventInputSchema.parse(m), receivedAt) })),
    );
    expect(stored.contiguousSeq).toBe(2);
    const c = await until(org, 'lost-1', (x) => x.syncedUpTo === 2, 'synced by the recovery loop');
    expect(messageTitles(c.caseId)).toHaveLength(2);
    const row = await stack.pool.query<{ signalled_seq: number }>(
      'SELECT signalled_seq FROM conversations WHERE org_id = $1 AND conversation_id = $2',
      [org, 'lost-1'],
    );
    expect(row.rows[0]!.signalled_seq).toBe(2);
  });
});

describe('a write racing an ingest', () => {
  function incoming(prefix: string, n: number, from: number) {
    const receivedAt = new Date().toISOString();
    return messages(prefix, n, from).map((m) => ({ event: toConversationEvent(EventInputSchema.parse(m), receivedAt) }));
  }

  it('does not plan from a snapshot that misses events committed while it waited', async () => {
    // Handoff-only and no handoff: the sync writes nothing here; only the two parties below do.
    const org = 'org-race';
    const conv = 'race-1';
    expect((await stack.connect(org, { handoffOnly: true })).status).toBe(200);
    await appendEvents(stack.pool, org, conv, incoming('r', 1, 1));
    const ingest = await stack.pool.connect();
    try {
      await ingest.query('BEGIN');
      // An ingest holding the conversation's row lock, its events not yet committed.
      const inTransaction = { query: ingest.query.bind(ingest) } as unknown as Pool;
      expect((await appendEvents(inTransaction, org, conv, incoming('r', 2, 2))).contiguousSeq).toBe(3);
      const racing = recordWriteProgressAndPlan(stack.pool, org, conv, { syncedSeq: 1, state: 'syncing' }, 50);
      await new Promise((r) => setTimeout(r, 300));
      await ingest.query('COMMIT');
      // The update returns the ingest's cursor (3) but its event reads predate the commit.
      expect((await racing).next).toBeUndefined();
    } finally {
      ingest.release();
    }
    const calm = await recordWriteProgressAndPlan(stack.pool, org, conv, { syncedSeq: 1, state: 'syncing' }, 50);
    expect(calm.next?.contiguousSeq).toBe(3);
    expect(calm.next?.pending.map((e) => e.seq)).toEqual([2, 3]);
  });
});

describe('AI-filled fields', () => {
  const org = 'org-ai';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it('writes the fields it can map, reports the rest, and never blocks the transcript', async () => {
    const conv = 'ai-1';
    await stack.postEvents(org, conv, [message('m1', 'customer', 'Everything is down!')]);
    await until(org, conv, (x) => x.syncedUpTo === 1, 'case');
    await stack.postEvents(org, conv, [
      handoff('h1', { aiFields: { PriorityId: 'High', Notes: 'Outage reported by customer', UsrNotAColumn: 'x', CategoryId: 'No such category', OwnerId: 'someone' } }),
      message('m2', 'agent', 'Looking into it'),
    ]);
    const c = await until(org, conv, (x) => x.syncedUpTo === 3 && x.aiFields !== null, 'handoff with AI fields');
    const kase = stack.sim.getRecord('Case', String(c.caseId))!;
    const high = stack.sim.records('CasePriority').find((p) => p.Name === 'High')!;
    expect(kase.PriorityId).toBe(high.Id);
    expect(kase.Notes).toBe('Outage reported by customer');
    const report = c.aiFields as { applied: string[]; skipped: Array<{ column: string }> };
    expect(report.applied.sort()).toEqual(['Notes', 'PriorityId']);
    expect(report.skipped.map((s) => s.column).sort()).toEqual(['CategoryId', 'OwnerId', 'UsrNotAColumn']);
    expect(messageTitles(c.caseId).pop()).toContain('Looking into it');
  });
});
