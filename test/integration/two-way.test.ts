import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signalCreatioChanged } from '../../src/client/conversation-signals';
import { ActivityType, CaseStatus } from '../../src/creatio/stock';
import { verifySignature } from '../../src/platform/signature';
import { startCallbackServer, type CallbackServer } from '../support/callback-server';
import { message, resolve } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

let stack: TestStack;
let platform: CallbackServer;
beforeAll(async () => {
  platform = await startCallbackServer();
  stack = await startTestStack({ env: { PLATFORM_CALLBACK_URL: platform.url, PLATFORM_CALLBACK_SECRET: platform.secret } });
});
afterAll(async () => {
  await stack?.stop();
  await platform?.close();
});

async function conversation(orgId: string, conversationId: string): Promise<Json> {
  return (await stack.api('GET', `/v1/orgs/${orgId}/conversations/${conversationId}`)).body;
}
async function openCase(org: string, conv: string): Promise<string> {
  await stack.postEvents(org, conv, [message('m1', 'customer', 'My order never arrived'), message('m2', 'ai', 'Let me hand you to a colleague')]);
  const c = await waitFor(async () => {
    const x = await conversation(org, conv);
    return x.syncedUpTo === 2 ? x : undefined;
  });
  return String(c.caseId);
}
function agentReply(caseId: string, html: string, type: string = ActivityType.Email) {
  return stack.sim.insertRecord('Activity', { CaseId: caseId, Title: 'Re: your order', Body: html, TypeId: type });
}
async function webhookUrl(org: string): Promise<string> {
  const res = await stack.api<{ url: string }>('GET', `/v1/orgs/${org}/webhook`);
  expect(res.status).toBe(200);
  return res.body.url;
}
function repliesFor(conv: string) {
  return platform.received.filter((r) => r.type === 'agent_reply' && r.body.conversationId === conv);
}

describe('agent replies', () => {
  const org = 'org-2way';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it('relays an agent reply found by the backstop read, once, signed, with the real text', async () => {
    const conv = 'reply-backstop';
    const caseId = await openCase(org, conv);
    const reply = agentReply(caseId, '<p>Hello, <b>your parcel</b> left the warehouse today.</p>');
    const [got] = await waitFor(() => (repliesFor(conv).length > 0 ? repliesFor(conv) : undefined), { what: 'agent reply relayed' });
    expect(got!.signatureValid).toBe(true);
    expect(got!.body.data).toMatchObject({ activityId: String(reply.Id), caseId, text: 'Hello, your parcel left the warehouse today.' });
    expect(String(got!.body.data.html)).toContain('<b>your parcel</b>');
    // The pull learned who our integration user is; later pulls leave the connection's row alone.
    const connectionRow = async () =>
      (await stack.pool.query<{ xmin: string; user: string | null }>('SELECT xmin::text, integration_user_id AS user FROM connections WHERE org_id = $1', [org])).rows[0]!;
    const before = await connectionRow();
    expect(before.user).not.toBeNull();
    await new Promise((r) => setTimeout(r, 5000)); // several more backstop reads
    expect(repliesFor(conv)).toHaveLength(1);
    expect(await connectionRow()).toEqual(before);
  });

  it('relays through the webhook quickly; duplicate webhooks and our own activities relay nothing more', async () => {
    const conv = 'reply-webhook';
    const caseId = await openCase(org, conv);
    const url = await webhookUrl(org);
    const ours = stack.sim.records('Activity').filter((a) => a.CaseId === caseId);
    for (const a of ours) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'new_activity', caseId, activityId: a.Id }) });
      expect(res.status).toBe(202);
    }
    const reply = agentReply(caseId, 'Your refund is on its way.');
    const body = JSON.stringify({ event_type: 'new_activity', caseId: `{${caseId.toUpperCase()}}`, activityId: reply.Id });
    const sent = Date.now();
    await Promise.all([1, 2, 3].map(() => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })));
    await waitFor(() => repliesFor(conv).length > 0, { what: 'relayed via webhook' });
    expect(Date.now() - sent).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(repliesFor(conv).map((r) => r.body.data.text)).toEqual(['Your refund is on its way.']);
    const admin = await stack.api<{ recent: Array<{ outcome: string }> }>('GET', `/v1/orgs/${org}/webhook`);
    expect(admin.body.recent.length).toBeGreaterThanOrEqual(ours.length + 3);
    const conn = await stack.api<{ lastWebhookAt: string | null }>('GET', `/v1/orgs/${org}/connection`);
    expect(Date.parse(String(conn.body.lastWebhookAt))).toBeGreaterThanOrEqual(sent - 1000);
  });

  it('does not write a relayed reply back to Creatio when the platform echoes it', async () => {
    const conv = 'reply-echo';
    const caseId = await openCase(org, conv);
    agentReply(caseId, 'We have re-sent the item.');
    const [got] = await waitFor(() => (repliesFor(conv).length > 0 ? repliesFor(conv) : undefined));
    // The platform shows the reply in the chat and tells us about it, once with and once without the marker.
    await stack.postEvents(org, conv, [
      { ...message('m3', 'agent', 'We have re-sent the item.'), creatioActivityId: got!.body.data.activityId },
      message('m4', 'agent', 'We have re-sent the item.'),
      message('m5', 'customer', 'Thank you!'),
    ]);
    await waitFor(async () => (await conversation(org, conv)).syncedUpTo === 5);
    const texts = stack.sim.records('Activity').filter((a) => a.CaseId === caseId).map((a) => String(a.Title));
    expect(texts.filter((t) => t.includes('We have re-sent the item.') && t.startsWith('Agent'))).toHaveLength(0);
    expect(texts.at(-1)).toContain('Thank you!');
  });
});

describe('case resolved in Creatio', () => {
  const org = 'org-2way-close';
  beforeAll(async () => expect((await stack.connect(org, { resolvedStatusId: CaseStatus.Resolved })).status).toBe(200));

  it('tells the platform once and finishes the conversation', async () => {
    const conv = 'closed-in-creatio';
    const caseId = await openCase(org, conv);
    stack.sim.updateRecord('Case', caseId, { StatusId: CaseStatus.Closed });
    const url = await webhookUrl(org);
    for (let i = 0; i < 2; i++) {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `event_type=case_status_changed&caseId=${caseId}` });
    }
    const resolutions = () => platform.received.filter((r) => r.type === 'conversation_resolved' && r.body.conversationId === conv);
    const resolved = await waitFor(() => (resolutions().length ? resolutions() : undefined), { what: 'resolution relayed' });
    expect(resolved).toHaveLength(1);
    expect(resolved![0]!.body.data).toMatchObject({ caseId, final: true });
    const c = await waitFor(async () => {
      const x = await conversation(org, conv);
      return x.state === 'resolved' ? x : undefined;
    });
    await stack.temporal.workflow.getHandle(String(c.workflowId)).result();
    // A late replay of the same webhook changes nothing.
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'case_status_changed', caseId }) });
    await new Promise((r) => setTimeout(r, 1500));
    expect(platform.received.filter((r) => r.type === 'conversation_resolved' && r.body.conversationId === conv)).toHaveLength(1);
  });

  it('a late webhook signal after the end, met by a Creatio outage: read again and relayed; the end state stays', async () => {
    const conv = 'ended-then-reply';
    await openCase(org, conv);
    await stack.postEvents(org, conv, resolve('r-end'));
    const done = await waitFor(async () => {
      const x = await conversation(org, conv);
      return x.state === 'resolved' ? x : undefined;
    }, { what: 'resolved' });
    await stack.temporal.workflow.getHandle(String(done.workflowId)).result();
    agentReply(String(done.caseId), 'One more thing: your voucher is attached.');
    // The next reads fail, more than one activity's own retries absorb (the webhook's new run meets an outage).
    stack.sim.injectFaults({ label: 'ended-outage', kind: 'read:Activity', times: 5, respond: { status: 503, body: '<html>Maintenance</html>' } });
    // A webhook that got in just before the conversation was marked ended (afterwards they are only recorded).
    await signalCreatioChanged({ client: stack.temporal, taskQueue: stack.cfg.TEMPORAL_TASK_QUEUE }, org, conv);
    const relayed = await waitFor(() => (repliesFor(conv).length ? repliesFor(conv) : undefined), { what: 'reply relayed after the outage', timeoutMs: 60_000 });
    expect(relayed.map((r) => r.body.data.text)).toEqual(['One more thing: your voucher is attached.']);
    expect(stack.sim.faultCounts()['ended-outage']).toBeGreaterThanOrEqual(1);
    const after = await stack.temporal.workflow.getHandle(String(done.workflowId)).result();
    expect(after.state).toBe('resolved');
    expect((await conversation(org, conv)).state).toBe('resolved');
  });

  it('does not echo our own resolution back to the platform', async () => {
    const conv = 'resolved-by-us';
    const caseId = await openCase(org, conv);
    await stack.postEvents(org, conv, { type: 'resolve', eventId: 'r1' });
    await waitFor(async () => (await conversation(org, conv)).state === 'resolved');
    const url = await webhookUrl(org);
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'case_status_changed', caseId }) });
    await new Promise((r) => setTimeout(r, 1500));
    expect(platform.received.filter((r) => r.type === 'conversation_resolved' && r.body.conversationId === conv)).toHaveLength(0);
  });
});

describe('webhook endpoint', () => {
  const org = 'org-2way-hooks';
  beforeAll(async () => expect((await stack.connect(org)).status).toBe(200));

  it('answers 404 without detail for unknown tokens, 400 for malformed bodies and 413 for huge ones', async () => {
    const url = await webhookUrl(org);
    const base = url.replace(/[^/]+$/, '');
    const wrong = await fetch(`${base}not-a-real-token-0123456789abcdef`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).toBe('');
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'new_activity', caseId: '[#Case.Id#]' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/caseId/);
    const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(notJson.status).toBe(400);
    const huge = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caseId: 'x', pad: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
  });

  it('acknowledges webhooks for cases we did not create', async () => {
    const url = await webhookUrl(org);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'new_activity', caseId: '0b0b0b0b-1111-4222-8333-444444444444' }) });
    expect(res.status).toBe(202);
    const admin = await stack.api<{ recent: Array<{ outcome: string }> }>('GET', `/v1/orgs/${org}/webhook`);
    await waitFor(async () => (await stack.api<{ recent: Array<{ outcome: string }> }>('GET', `/v1/orgs/${org}/webhook`)).body.recent[0]?.outcome === 'unknown_case');
    expect(admin.status).toBe(200);
  });

  it('rotates the token with a grace period for the old one', async () => {
    const oldUrl = await webhookUrl(org);
    const rotated = await stack.api<{ url: string }>('POST', `/v1/orgs/${org}/webhook/rotate`, { graceSeconds: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.url).not.toBe(oldUrl);
    const body = JSON.stringify({ event_type: 'new_activity', caseId: '0b0b0b0b-1111-4222-8333-444444444444' });
    expect((await fetch(oldUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await fetch(oldUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(404);
    expect((await fetch(rotated.body.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(202);
  });
});

describe('callback signature', () => {
  it('verifies with the documented scheme and fails when a byte changes', async () => {
    const any = platform.received[0];
    expect(any).toBeDefined();
    const header = String(any!.headers['x-signature']);
    expect(verifySignature(platform.secret, any!.raw, header)).toBe(true);
    const tampered = any!.raw.replace(/.$/, (c) => (c === '}' ? ' ' : '}'));
    expect(verifySignature(platform.secret, tampered, header)).toBe(false);
    expect(verifySignature('another-secret-0123456789', any!.raw, header)).toBe(false);

    // The README's snippet itself, as a platform developer would paste it.
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const snippet = /```js\n([\s\S]*?function verify\([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const verify = new Function('require', `${snippet}\nreturn verify;`)(require) as (secret: string, raw: string, header: string) => boolean;
    expect(verify(platform.secret, any!.raw, header)).toBe(true);
    for (let i = 0; i < any!.raw.length; i += Math.max(1, Math.floor(any!.raw.length / 25))) {
      const changed = any!.raw.slice(0, i) + String.fromCharCode(any!.raw.charCodeAt(i) ^ 1) + any!.raw.slice(i + 1);
      expect(verify(platform.secret, changed, header)).toBe(false);
    }
    expect(verify('another-secret-0123456789', any!.raw, header)).toBe(false);
  });
});

describe('through the customer business processes (simulated)', () => {
  const org = 'org-2way-bp';
  beforeAll(async () => {
    expect((await stack.connect(org)).status).toBe(200);
    stack.sim.setBusinessProcesses({ url: await webhookUrl(org) });
  });
  afterAll(() => {
    stack.sim.setBusinessProcesses(undefined);
    stack.sim.webhookControls({ delayMs: 0, dropNext: 0, duplicateNext: 0, holdAndReorder: false });
  });

  it('relays a reply once even when the process fires for our own activities, twice, late, or out of order', async () => {
    const conv = 'bp-1';
    const caseId = await openCase(org, conv);
    stack.sim.webhookControls({ duplicateNext: 2, delayMs: 300 });
    agentReply(caseId, 'First answer from the agent.');
    stack.sim.webhookControls({ holdAndReorder: true, delayMs: 0 });
    agentReply(caseId, 'Second answer.', ActivityType.Task);
    agentReply(caseId, 'Third answer.');
    await stack.sim.releaseWebhooks();
    await waitFor(() => repliesFor(conv).length >= 3, { what: 'three replies' });
    await new Promise((r) => setTimeout(r, 2000));
    expect(repliesFor(conv).map((r) => r.body.data.text).sort()).toEqual(['First answer from the agent.', 'Second answer.', 'Third answer.']);
    expect(stack.sim.webhookCounts().duplicated).toBeGreaterThan(0);
  });

  it('a dropped webhook delays a reply but the backstop read still delivers it', async () => {
    const conv = 'bp-dropped';
    const caseId = await openCase(org, conv);
    // Let the webhooks for our own activities play out first.
    await stack.sim.webhooksSettled();
    await new Promise((r) => setTimeout(r, 1000));
    stack.sim.webhookControls({ dropNext: 1 });
    const reply = agentReply(caseId, 'This webhook is lost.');
    await waitFor(() => repliesFor(conv).length === 1, { what: 'backstop delivery', timeoutMs: 15_000 });
    // No webhook about this activity ever reached us: the backstop read found it.
    const aboutReply = stack.sim.webhookLog().filter((a) => JSON.stringify(a.payload).includes(String(reply.Id)));
    expect(aboutReply.length).toBeGreaterThan(0);
    expect(aboutReply.every((a) => a.dropped)).toBe(true);
  });

  it('resolution in Creatio reaches the platform through the closure process', async () => {
    const conv = 'bp-close';
    const caseId = await openCase(org, conv);
    stack.sim.updateRecord('Case', caseId, { StatusId: CaseStatus.Resolved });
    await waitFor(() => platform.received.some((r) => r.type === 'conversation_resolved' && r.body.conversationId === conv), { what: 'resolution' });
    await waitFor(async () => (await conversation(org, conv)).state === 'resolved');
  });
});
