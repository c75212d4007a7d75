import { CaseStatus, FIRST_LINE_SUPPORT_GROUP_ID, SUPERVISOR_CONTACT_ID } from '../../src/creatio/stock';
import { SIM_IDS } from '../../src/creatio-sim';
import { message } from '../support/events';
import { startTestStack, waitFor, type Json, type TestStack } from '../support/stack';

/**
 * Test & Save through the API: each checklist item failing alone answers 422
 * with its message and leaves the stored row exactly as it was (same bytes,
 * same row version), the previous settings keep syncing; plus the test-only
 * route, GET, the audit trail and the cached lookups.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const UNKNOWN = '11111111-2222-4333-8444-555555555555';

interface Item {
  id: string;
  status: string;
  message: string;
  required: boolean;
}

/** The row's full text and its row version: any UPDATE, even to the same values, changes xmin. */
async function rowSnapshot(orgId: string): Promise<string> {
  const { rows } = await stack.pool.query<{ snap: string }>("SELECT xmin::text || ' ' || c::text AS snap FROM connections c WHERE org_id = $1", [orgId]);
  return rows[0]?.snap ?? '(none)';
}
async function auditCount(orgId: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM connection_audit WHERE org_id = $1', [orgId]);
  return Number(rows[0]!.n);
}
function items(body: Json): Item[] {
  return (body.checklist as { items: Item[] }).items;
}
function item(body: Json, id: string): Item {
  return items(body).find((i) => i.id === id)!;
}
const good = () => ({ ownerId: SUPERVISOR_CONTACT_ID, groupId: FIRST_LINE_SUPPORT_GROUP_ID, resolvedStatusId: CaseStatus.Resolved });

describe('a failed Test & Save changes nothing', () => {
  const org = 'org-adm-fail';
  beforeAll(async () => {
    const res = await stack.connect(org, good());
    expect(res.status).toBe(200);
    expect((res.body.checklist as { ok: boolean }).ok).toBe(true);
  });

  const cases: Array<[string, () => Record<string, unknown>, string]> = [
    ['token', () => ({ ...good(), clientSecret: 'wrong-secret-0000' }), 'copied whole'],
    ['read_case', () => ({ ...good(), ...restricted('adm-no-case', { Case: [] }) }), 'may not read Case records'],
    ['read_activity', () => ({ ...good(), ...restricted('adm-no-activity', { Activity: [] }) }), 'may not read Activity records'],
    ['default_owner', () => ({ ...good(), ownerId: UNKNOWN }), `No contact with ID ${UNKNOWN}`],
    ['default_group', () => ({ ...good(), groupId: UNKNOWN }), `No group with ID ${UNKNOWN}`],
    ['resolved_status', () => ({ ...good(), resolvedStatusId: UNKNOWN }), `No case status with ID ${UNKNOWN}`],
  ];

  it.each(cases)('%s failing alone → 422 with its message; the row is byte-for-byte unchanged', async (id, settings, words) => {
    const before = await rowSnapshot(org);
    const audits = await auditCount(org);
    const res = await stack.connect(org, settings());
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('connection_test_failed');
    const failed = items(res.body).filter((i) => i.status === 'failed');
    expect(failed.map((i) => i.id)).toEqual([id]);
    expect(failed[0]!.message).toContain(words);
    expect(failed[0]!.required).toBe(true);
    expect(await rowSnapshot(org)).toBe(before);
    expect(await auditCount(org)).toBe(audits);
  });

  it('the previous settings keep syncing after a failed attempt', async () => {
    expect((await stack.connect(org, { ...good(), clientSecret: 'wrong-secret-0000' })).status).toBe(422);
    await stack.postEvents(org, 'keeps-going', message('k1', 'customer', 'Still here'));
    await waitFor(async () => (await stack.api('GET', `/v1/orgs/${org}/conversations/keeps-going`)).body.syncedUpTo === 1, { what: 'synced' });
    expect((await stack.api('GET', `/v1/orgs/${org}/connection`)).body).toMatchObject({ status: 'active', ownerId: SUPERVISOR_CONTACT_ID });
  });

  it('invalid input is a 400 and changes nothing either', async () => {
    const before = await rowSnapshot(org);
    const res = await stack.connect(org, { instanceUrl: 'http://crm.example.com' });
    expect(res.status).toBe(400);
    expect(await rowSnapshot(org)).toBe(before);
  });
});

function restricted(clientId: string, permissions: Record<string, string[]>) {
  const c = stack.sim.clients.find((x) => x.clientId === clientId) ?? stack.sim.addClient({ clientId, clientSecret: `${clientId}-secret`, permissions });
  return { clientId: c.clientId, clientSecret: c.clientSecret };
}

describe('warnings do not block the save', () => {
  it('no "Chat" origin: saved with a warning naming the fallback; the lookup is cached as missing', async () => {
    const org = 'org-adm-nochat';
    const chat = stack.sim.getRecord('CaseOrigin', SIM_IDS.caseOriginChat)!;
    stack.sim.deleteRecord('CaseOrigin', SIM_IDS.caseOriginChat, { dependents: 'setNull' });
    try {
      const res = await stack.connect(org);
      expect(res.status).toBe(200);
      expect(item(res.body, 'lookup_case_origin')).toMatchObject({ status: 'warning', required: false, message: expect.stringContaining("Creatio's default origin") });
      const { rows } = await stack.pool.query<{ lookups: Json; v: number }>('SELECT lookups, credentials_version AS v FROM connections WHERE org_id = $1', [org]);
      expect(rows[0]!.lookups).toMatchObject({ originId: null, credentialsVersion: rows[0]!.v });
      // The warning stays visible on the settings page.
      const get = await stack.api('GET', `/v1/orgs/${org}/connection`);
      expect(JSON.stringify(get.body.lastChecklist)).toContain("Creatio's default origin");
    } finally {
      stack.sim.insertRecord('CaseOrigin', { Id: chat.Id, Name: chat.Name });
    }
  });

  it('a status that is not resolved or final: saved with a warning', async () => {
    const res = await stack.connect('org-adm-status', { resolvedStatusId: CaseStatus.InProgress });
    expect(res.status).toBe(200);
    expect(item(res.body, 'resolved_status').status).toBe('warning');
  });
});

describe('Test & Save, test only, GET and audit', () => {
  const org = 'org-adm-flow';

  it('saves, caches the lookups with the credentials version, and shows the connection without its secret', async () => {
    const client = stack.sim.clients[0]!;
    const res = await stack.connect(org, good());
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(client.clientSecret);
    expect(res.body).toMatchObject({ status: 'active', hasClientSecret: true, credentialsVersion: 1, lastError: null, waitingConversations: 0 });
    const { rows } = await stack.pool.query<{ lookups: Json }>('SELECT lookups FROM connections WHERE org_id = $1', [org]);
    expect(rows[0]!.lookups).toMatchObject({ originId: SIM_IDS.caseOriginChat, credentialsVersion: 1 });

    const get = await stack.api('GET', `/v1/orgs/${org}/connection`);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      orgId: org,
      status: 'active',
      statusReason: null,
      instanceUrl: stack.sim.url,
      clientId: client.clientId,
      hasClientSecret: true,
      ownerId: SUPERVISOR_CONTACT_ID,
      lastVerifiedAt: expect.any(String),
      lastError: null,
      webhookUrl: expect.stringMatching(/\/webhooks\/creatio\/[A-Za-z0-9_-]{20,}$/),
      waitingConversations: 0,
    });
    expect(get.body).not.toHaveProperty('clientSecret');
    expect(JSON.stringify(get.body)).not.toContain(client.clientSecret);
  });

  it('POST /connection/test runs the checks with the stored secret and saves nothing', async () => {
    const before = await rowSnapshot(org);
    const client = stack.sim.clients[0]!;
    const ok = await stack.api('POST', `/v1/orgs/${org}/connection/test`, { instanceUrl: stack.sim.url, tokenUrl: stack.sim.tokenUrl, clientId: client.clientId, ownerId: UNKNOWN });
    expect(ok.status).toBe(200);
    expect(ok.body.checklist).toMatchObject({ ok: false });
    expect(item(ok.body, 'default_owner').status).toBe('failed');
    expect(item(ok.body, 'token').status).toBe('passed');
    const other = await stack.api('POST', `/v1/orgs/${org}/connection/test`, { instanceUrl: 'https://elsewhere.creatio.com', clientId: client.clientId });
    expect(other.status).toBe(400); // the stored secret is not sent to a new address
    expect(await rowSnapshot(org)).toBe(before);
  });

  it('records every change with the actor; the secret only as "changed"; the version moves only for credentials', async () => {
    const client = stack.sim.clients[0]!;
    const as = (actor: string) => ({ 'x-actor': actor });
    const put = (body: Record<string, unknown>, actor: string) =>
      stack.api('PUT', `/v1/orgs/${org}/connection`, { instanceUrl: stack.sim.url, tokenUrl: stack.sim.tokenUrl, clientId: client.clientId, ...body }, as(actor));

    const same = await put({ clientSecret: client.clientSecret, ...good() }, 'carol@example.com');
    expect(same.body.credentialsVersion).toBe(1); // same secret typed again: no new tokens needed
    const routing = await put({ ...good(), groupId: SIM_IDS.secondLineSupportGroup, handoffOnly: true }, 'alice@example.com');
    expect(routing.status).toBe(200);
    expect(routing.body.credentialsVersion).toBe(1);

    const rotated = stack.sim.addClient({ clientId: 'adm-rotated', clientSecret: 'first-secret-aaaa' });
    await put({ clientId: rotated.clientId, clientSecret: 'first-secret-aaaa' }, 'bob@example.com');
    stack.sim.setClientSecret('adm-rotated', 'second-secret-bbbb');
    const afterRotation = await put({ clientId: rotated.clientId, clientSecret: 'second-secret-bbbb' }, 'bob@example.com');
    expect(afterRotation.body.credentialsVersion).toBe(3);
    const del = await stack.api('DELETE', `/v1/orgs/${org}/connection`, undefined, as('dave@example.com'));
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ status: 'disconnected', hasClientSecret: false, webhookUrl: null });

    const audit = await stack.api('GET', `/v1/orgs/${org}/connection/audit`);
    expect(audit.status).toBe(200);
    const entries = (audit.body.entries as Json[]).slice().reverse();
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['connected', null],
      ['verified', 'carol@example.com'],
      ['updated', 'alice@example.com'],
      ['updated', 'bob@example.com'],
      ['updated', 'bob@example.com'],
      ['disconnected', 'dave@example.com'],
    ]);
    expect(entries[0]!.changes).toContainEqual({ field: 'clientSecret', changed: true });
    expect(entries[1]!.changes).toEqual([]);
    expect(entries[2]!.changes).toEqual([
      { field: 'groupId', old: FIRST_LINE_SUPPORT_GROUP_ID, new: SIM_IDS.secondLineSupportGroup },
      { field: 'handoffOnly', old: false, new: true },
    ]);
    expect(entries[3]!.changes).toContainEqual({ field: 'clientId', old: client.clientId, new: 'adm-rotated' });
    expect(entries[4]!.changes).toEqual([{ field: 'clientSecret', changed: true }]);
    expect(entries[5]!.changes).toEqual([
      { field: 'status', old: 'active', new: 'disconnected' },
      { field: 'clientSecret', changed: true },
    ]);
    for (const e of entries) expect(e.at).toEqual(expect.any(String));
    const text = JSON.stringify(audit.body);
    for (const s of [client.clientSecret, 'first-secret-aaaa', 'second-secret-bbbb']) expect(text).not.toContain(s);

    const page = await stack.api('GET', `/v1/orgs/${org}/connection/audit?limit=2`);
    expect((page.body.entries as Json[]).map((e) => e.action)).toEqual(['disconnected', 'updated']);
    const next = await stack.api('GET', `/v1/orgs/${org}/connection/audit?limit=2&before=${String(page.body.nextBefore)}`);
    expect((next.body.entries as Json[]).map((e) => e.action)).toEqual(['updated', 'updated']);
  });

  it('after a disconnect, the stored secret is gone: reconnecting needs it again', async () => {
    const client = stack.sim.clients[0]!;
    const res = await stack.api('PUT', `/v1/orgs/${org}/connection`, { instanceUrl: stack.sim.url, tokenUrl: stack.sim.tokenUrl, clientId: 'adm-rotated' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.issues)).toContain('clientSecret');
    expect((await stack.connect(org)).status).toBe(200);
    expect((await stack.api('GET', `/v1/orgs/${org}/connection`)).body).toMatchObject({ status: 'active', clientId: client.clientId });
    const audit = await stack.api('GET', `/v1/orgs/${org}/connection/audit?limit=1`);
    expect((audit.body.entries as Json[])[0]).toMatchObject({ action: 'connected' }); // ids past 9 sort as numbers
  });

  it('404 for an org that never connected; DELETE again is harmless', async () => {
    expect((await stack.api('GET', '/v1/orgs/org-never/connection')).status).toBe(404);
    expect((await stack.api('DELETE', '/v1/orgs/org-never/connection')).status).toBe(404);
    expect((await stack.api('DELETE', `/v1/orgs/${org}/connection`)).status).toBe(200);
    const again = await stack.api('DELETE', `/v1/orgs/${org}/connection`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('disconnected');
  });
});
