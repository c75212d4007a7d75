/**
 * The client end to end against the project's Creatio simulator (src/creatio-sim):
 * the same requests and failure modes the sync will meet, with nothing canned here.
 */
import { randomUUID } from 'node:crypto';
import { faultPresets, startCreatioSimulator, type CreatioSimulator } from '../../../src/creatio-sim';
import {
  ActivityCategory,
  ActivityStatus,
  ActivityType,
  CaseOrigin,
  CasePriority,
  CaseStatus,
  SUPERVISOR_CONTACT_ID,
} from '../../../src/creatio/stock';
import {
  CredentialsRejectedError,
  InvalidLookupError,
  NotFoundError,
  PermissionDeniedError,
  TransientError,
  ValidationError,
  type CreatioError,
} from '../../../src/creatio/errors';
import { lookupEq } from '../../../src/creatio/odata';
import type { NewRecord } from '../../../src/creatio/batch';
import { clientFor, type TestClient } from './support/client';

const QUOTED_GUID = /'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'|%27[0-9a-f]{8}-/i;

async function failure(p: Promise<unknown>): Promise<CreatioError> {
  try {
    await p;
  } catch (err) {
    return err as CreatioError;
  }
  throw new Error('expected a rejection');
}

function newCase(): NewRecord {
  return {
    Id: randomUUID(),
    Subject: 'Printer on fire',
    Symptoms: 'The customer reports smoke.',
    StatusId: CaseStatus.New,
    PriorityId: CasePriority.Medium,
    OriginId: CaseOrigin.Default,
    ContactId: SUPERVISOR_CONTACT_ID,
  };
}

function activitiesFor(caseId: string, n: number): NewRecord[] {
  return Array.from({ length: n }, (_v, i) => ({
    Id: randomUUID(),
    CaseId: caseId,
    Title: `Customer: message ${i}`,
    Notes: `message ${i}`,
    TypeId: ActivityType.Task,
    ActivityCategoryId: ActivityCategory.ToDo,
    StatusId: ActivityStatus.Completed,
    StartDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  }));
}

describe('Creatio client against the simulator', () => {
  let sim: CreatioSimulator;
  let t: TestClient;
  let clientId: string;

  async function start(options: Parameters<typeof startCreatioSimulator>[0] = {}, timeoutMs = 2000): Promise<void> {
    sim = await startCreatioSimulator(options);
    const [app] = sim.clients;
    clientId = app!.clientId;
    t = clientFor({ url: sim.url, tokenUrl: sim.tokenUrl }, { clientId: app!.clientId, clientSecret: app!.clientSecret }, { timeoutMs });
  }
  afterEach(async () => {
    // Whatever a test did, the client never sent a quoted GUID literal.
    for (const e of sim.requestLog()) expect(e.path).not.toMatch(QUOTED_GUID);
    await sim.close();
  });

  it('creates a case with its own Id and reads it back with a generated Number', async () => {
    await start();
    const c = newCase();
    const created = await t.client.create<{ Id: string; Number: string }>('Case', c);
    expect(created.Id).toBe(c.Id);
    expect(created.Number).toMatch(/^SR\d+/);
    const read = await t.client.get('Case', c.Id, { select: ['Id', 'Number', 'StatusId'] });
    expect(read).toMatchObject({ Id: c.Id, Number: created.Number, StatusId: CaseStatus.New });
    expect(sim.records('Case').filter((r) => r.Id === c.Id)).toHaveLength(1);
    await expect(t.client.get('Case', randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('createMany writes 150 activities in order, exactly once, through a 503 and a commit-then-timeout', async () => {
    await start({}, 400);
    const c = newCase();
    await t.client.create('Case', c);
    const rows = activitiesFor(c.Id, 150);
    sim.injectFaults({ label: 'outage', kind: 'batch', times: 1, respond: { status: 503, retryAfter: 0 } });
    sim.injectFaults({ label: 'slow-commit', kind: 'create:Activity', times: 1, commitThenTimeout: { holdMs: 1500 } });
    const progress: number[] = [];
    const result = await t.client.createMany('Activity', rows, { onProgress: (n) => void progress.push(n), retryDelayMs: 10 });
    expect(result).toEqual({ confirmed: 150, alreadyExisted: 100 });
    expect(progress).toEqual([100, 150]);
    expect(sim.faultCounts()).toEqual({ outage: 1, 'slow-commit': 1 });
    const stored = sim.records('Activity').filter((r) => r.CaseId === c.Id);
    expect(stored.map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
    // Each activity was POSTed once: the retry after the timeout checked by GET instead of re-posting.
    expect(sim.requestCounts()['batched:create:Activity']).toBe(150);

    const page = await t.client.query('Activity', { filter: lookupEq('Case', c.Id), select: ['Id'], orderby: ['StartDate'], top: 200, count: true });
    expect(page.count).toBe(150);
    expect(page.value.map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
    await expect(t.client.count('Activity', { filter: lookupEq('Case', c.Id) })).resolves.toBe(150);
  });

  it('works on a .NET 8 style instance with the /odata base path', async () => {
    sim = await startCreatioSimulator({ odataBasePath: '/odata' });
    const [app] = sim.clients;
    t = clientFor({ url: sim.url, tokenUrl: sim.tokenUrl }, { clientId: app!.clientId, clientSecret: app!.clientSecret, odataBasePath: '/odata' });
    const c = newCase();
    await t.client.create('Case', c);
    await expect(t.client.get('Case', c.Id)).resolves.toMatchObject({ Id: c.Id });
    expect(sim.requestLog().every((e) => e.path.startsWith('/odata/') || e.kind === 'token')).toBe(true);
  });

  it('refuses to build a quoted-GUID filter, which Creatio would reject', async () => {
    await start();
    sim.resetCounts();
    const id = randomUUID();
    await expect(t.client.query('Activity', { filter: `CaseId eq '${id}'` })).rejects.toBeInstanceOf(ValidationError);
    expect(sim.requestLog()).toHaveLength(0);
  });

  it('token expiry mid-run: one 401, one refresh, the request succeeds', async () => {
    await start();
    const c = newCase();
    await t.client.create('Case', c);
    sim.resetCounts();
    sim.expireTokens();
    await t.client.update('Case', c.Id, { Subject: 'Printer still on fire' });
    const counts = sim.requestCounts();
    expect(counts['token']).toBe(1);
    expect(counts['update:Case']).toBe(2); // the 401 and the retry
    expect(sim.requestLog().map((e) => e.status)).toEqual([401, 200, 204]);
    expect(sim.getRecord('Case', c.Id)).toMatchObject({ Subject: 'Printer still on fire' });
  });

  it('a rotated secret: cached token until revoked, then CredentialsRejectedError (invalid_client)', async () => {
    await start();
    await t.client.getToken();
    sim.setClientSecret(clientId, 'regenerated-in-creatio');
    sim.revokeTokens(clientId);
    const err = await failure(t.client.query('Case', { top: 1 }));
    expect(err).toBeInstanceOf(CredentialsRejectedError);
    expect(err).toMatchObject({ oauthError: 'invalid_client', retryable: false });
  });

  it('missing permission: reads work, the update is PermissionDeniedError naming entity and operation', async () => {
    await start();
    const c = newCase();
    await t.client.create('Case', c);
    sim.setPermissions(clientId, { Case: ['read'] });
    await expect(t.client.get('Case', c.Id)).resolves.toMatchObject({ Id: c.Id });
    const err = await failure(t.client.update('Case', c.Id, { Subject: 'x' }));
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ entity: 'Case', operation: 'update', retryable: false });
  });

  it.each([500, 400] as const)('an owner GUID that does not exist (FK %i) is InvalidLookupError naming OwnerId', async (status) => {
    await start({ foreignKeyErrorStatus: status });
    const err = await failure(t.client.create('Case', { ...newCase(), OwnerId: randomUUID() }));
    expect(err).toBeInstanceOf(InvalidLookupError);
    expect(err).toMatchObject({ column: 'OwnerId', retryable: false, status });
    expect(err.message).not.toContain('Printer');
  });

  it('an FK failure inside createMany stops there with the confirmed count', async () => {
    await start();
    const c = newCase();
    await t.client.create('Case', c);
    const rows = activitiesFor(c.Id, 10);
    rows[6] = { ...rows[6]!, OwnerId: randomUUID() };
    const err = await failure(t.client.createMany('Activity', rows));
    expect(err).toMatchObject({ kind: 'invalid_lookup', column: 'OwnerId', progress: { confirmed: 6, failedIndex: 6 } });
    expect(sim.records('Activity').filter((r) => r.CaseId === c.Id).map((r) => r.Id)).toEqual(rows.slice(0, 6).map((r) => r.Id));
  });

  it('a repeated create is a duplicate key in Creatio and a success for the client', async () => {
    await start();
    const c = newCase();
    const first = await t.client.create<{ Number: string }>('Case', c);
    sim.resetCounts();
    const again = await t.client.create<{ Number: string }>('Case', c);
    expect(again.Number).toBe(first.Number);
    expect(sim.requestLog().map((e) => `${e.kind} ${e.status}`)).toEqual(['create:Case 500', 'read:Case 200']);
    expect(sim.records('Case').filter((r) => r.Id === c.Id)).toHaveLength(1);
  });

  it('an over-long value and an unknown column are ValidationErrors', async () => {
    await start({ maxTextLength: { 'Activity.Notes': 20 } });
    const c = newCase();
    await t.client.create('Case', c);
    const [a] = activitiesFor(c.Id, 1);
    const long = await failure(t.client.create('Activity', { ...a!, Notes: 'x'.repeat(50) }));
    expect(long).toBeInstanceOf(ValidationError);
    expect(long.retryable).toBe(false);
    const unknown = await failure(t.client.update('Case', c.Id, { ResolutionComment: 'done' }));
    expect(unknown).toMatchObject({ kind: 'validation', column: 'ResolutionComment', status: 400 });
  });

  it('a login-page bounce (302) is not followed: one re-authentication, one retry', async () => {
    await start();
    await t.client.getToken();
    sim.resetCounts();
    sim.injectFaults(faultPresets.loginBounce({ kind: 'read:' }));
    await expect(t.client.query('Case', { top: 1 })).resolves.toHaveProperty('value');
    expect(sim.requestLog().map((e) => `${e.kind} ${e.status}`)).toEqual(['read:Case 302', 'token 200', 'read:Case 200']);
  });

  it('a single create that commits and then loses its connection is found by GET, not posted twice', async () => {
    await start({}, 300);
    sim.injectFaults(faultPresets.commitThenTimeout(100, { kind: 'create:Case' }, 'drop'));
    const c = newCase();
    await expect(t.client.create('Case', c)).resolves.toMatchObject({ Id: c.Id });
    expect(sim.requestCounts()['create:Case']).toBe(1);
    expect(sim.records('Case').filter((r) => r.Id === c.Id)).toHaveLength(1);
  });

  it('a create whose connection drops before anything happened is a TransientError after a GET', async () => {
    await start();
    sim.injectFaults(faultPresets.dropConnection({ kind: 'create:Case' }));
    const c = newCase();
    const err = await failure(t.client.create('Case', c));
    expect(err).toBeInstanceOf(TransientError);
    expect(sim.requestCounts()['read:Case']).toBe(1);
    await expect(t.client.create('Case', c)).resolves.toMatchObject({ Id: c.Id }); // the caller's retry
  });

  it('a maintenance page (503 HTML with Retry-After) is a TransientError with retryAfterMs', async () => {
    await start();
    sim.injectFaults({ kind: 'read:', times: 1, respond: { status: 503, body: '<!DOCTYPE html><html><body>Updating</body></html>', retryAfter: 30 } });
    const err = await failure(t.client.query('Case', { top: 1 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 30_000 });
  });
});
