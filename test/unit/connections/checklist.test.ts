import { createServer } from 'node:net';
import { createConnectionTester } from '../../../src/connections/tester';
import type { ChecklistRun } from '../../../src/connections/checklist';
import type { CheckId, ChecklistItem } from '../../../src/connections/checklist-types';
import { ActivityCategory, ActivityStatus, ActivityType, CaseStatus, FIRST_LINE_SUPPORT_GROUP_ID, SUPERVISOR_CONTACT_ID } from '../../../src/creatio/stock';
import { SIM_IDS, startCreatioSimulator } from '../../../src/creatio-sim';
import type { CreatioSimulator, SimClientSpec, SimulatorOptions } from '../../../src/creatio-sim/types';
import type { ConnectionSettings } from '../../../src/domain/connection';

/**
 * The checklist against the Creatio simulator: all green on a stock
 * instance, and each item failing (or warning) on its own with its message.
 */
const tester = createConnectionTester({ timeoutMs: 3000 });
const UNKNOWN = '11111111-2222-4333-8444-555555555555';

let sim: CreatioSimulator;
beforeAll(async () => {
  sim = await startCreatioSimulator();
});
afterAll(async () => sim.close());
afterEach(() => sim.clearFaults());

function settings(s: CreatioSimulator, overrides: Partial<ConnectionSettings> = {}, clientId = s.clients[0]!.clientId): ConnectionSettings {
  return {
    instanceUrl: s.url,
    tokenUrl: s.tokenUrl,
    odataBasePath: '/0/odata',
    clientId,
    ownerId: SUPERVISOR_CONTACT_ID,
    groupId: FIRST_LINE_SUPPORT_GROUP_ID,
    resolvedStatusId: CaseStatus.Resolved,
    handoffOnly: false,
    ...overrides,
  };
}

function byId(run: ChecklistRun): Record<CheckId, ChecklistItem> {
  const out: Partial<Record<CheckId, ChecklistItem>> = {};
  for (const i of run.items) out[i.id] = i;
  return out as Record<CheckId, ChecklistItem>;
}

/** Every item other than `except` has the status the all-green run gives it. */
function othersPassed(run: ChecklistRun, except: CheckId[]): void {
  for (const i of run.items) if (!except.includes(i.id)) expect([i.id, i.status]).toEqual([i.id, 'passed']);
}

function client(spec: Partial<SimClientSpec> & { clientId: string }) {
  return sim.addClient({ clientSecret: `${spec.clientId}-secret-123`, ...spec });
}

it('passes every item on a stock instance and resolves the lookups', async () => {
  const run = await tester(settings(sim), sim.clients[0]!.clientSecret);
  expect(run.ok).toBe(true);
  expect(run.items.map((i) => i.id)).toEqual([
    'token',
    'read_case',
    'read_activity',
    'default_owner',
    'default_group',
    'resolved_status',
    'lookup_case_origin',
    'lookup_activity_type',
    'lookup_activity_category',
    'lookup_activity_status',
  ]);
  othersPassed(run, []);
  expect(run.lookups).toEqual({
    originId: SIM_IDS.caseOriginChat,
    activityTypeId: ActivityType.Task,
    activityCategoryId: ActivityCategory.ToDo,
    activityStatusId: ActivityStatus.Completed,
  });
  expect(run.lookupsComplete).toBe(true);
  const items = byId(run);
  expect(items.default_owner.message).toContain('"Supervisor"');
  expect(items.default_group.message).toContain('"1st-line support"');
  expect(items.resolved_status.message).toContain('"Resolved"');
});

it('skips the optional fields that are not set, without blocking', async () => {
  const run = await tester(settings(sim, { ownerId: null, groupId: null, resolvedStatusId: null }), sim.clients[0]!.clientSecret);
  expect(run.ok).toBe(true);
  const items = byId(run);
  expect(items.default_owner).toMatchObject({ status: 'skipped', message: expect.stringContaining('Not set') });
  expect(items.default_group).toMatchObject({ status: 'skipped', message: expect.stringContaining('Default case group') });
  expect(items.resolved_status).toMatchObject({ status: 'skipped', message: expect.stringContaining('two-way resolution sync') });
});

describe('token', () => {
  it('wrong secret: says what to check and skips everything else', async () => {
    const run = await tester(settings(sim), 'not-the-secret');
    expect(run.ok).toBe(false);
    const items = byId(run);
    expect(items.token.status).toBe('failed');
    expect(items.token.required).toBe(true);
    for (const words of ['copied whole', 'regenerated', 'Client Credentials', 'trailing slash', 'invalid_client']) {
      expect(items.token.message).toContain(words);
    }
    expect(items.token.message).not.toContain('not-the-secret');
    for (const i of run.items.slice(1)) expect([i.id, i.status, i.message]).toEqual([i.id, 'skipped', expect.stringContaining('needs a token')]);
  });

  it('an app without the Client Credentials grant: says to set the grant type', async () => {
    const c = client({ clientId: 'no-grant', allowClientCredentials: false });
    const run = await tester(settings(sim, {}, c.clientId), c.clientSecret);
    expect(byId(run).token).toMatchObject({ status: 'failed', message: expect.stringContaining('set its grant type to "Client Credentials"') });
  });

  it('a token URL that is not there (404): says to check the token URL', async () => {
    const run = await tester(settings(sim, { tokenUrl: `${sim.url}/wrong/connect/token` }), sim.clients[0]!.clientSecret);
    expect(byId(run).token).toMatchObject({ status: 'failed', message: expect.stringContaining('Nothing answers at the token URL') });
  });

  it('an unreachable instance: says to check the URL and the network', async () => {
    const port = await closedPort();
    const run = await tester(
      settings(sim, { instanceUrl: `http://127.0.0.1:${port}`, tokenUrl: `http://127.0.0.1:${port}/connect/token` }),
      sim.clients[0]!.clientSecret,
    );
    expect(byId(run).token).toMatchObject({ status: 'failed', message: expect.stringContaining('Could not reach the Identity Service') });
  });

  it('Identity Service down (503): says to try again', async () => {
    sim.injectFaults({ kind: 'token', times: 1, respond: { status: 503 } });
    const run = await tester(settings(sim), sim.clients[0]!.clientSecret);
    expect(byId(run).token).toMatchObject({ status: 'failed', message: expect.stringContaining('Try again in a few minutes') });
  });
});

describe('permissions', () => {
  it('no read on Case: names Case and the rights to grant', async () => {
    const c = client({ clientId: 'no-case', permissions: { Case: [] } });
    const run = await tester(settings(sim, {}, c.clientId), c.clientSecret);
    expect(run.ok).toBe(false);
    const items = byId(run);
    expect(items.read_case.status).toBe('failed');
    expect(items.read_case.message).toContain('may not read Case records');
    expect(items.read_case.message).toContain('"Object permissions" → Case');
    expect(items.read_case.message).toContain('Create and Edit');
    othersPassed(run, ['read_case']);
  });

  it('no read on Activity: names Activity', async () => {
    const c = client({ clientId: 'no-activity', permissions: { Activity: ['create'] } });
    const run = await tester(settings(sim, {}, c.clientId), c.clientSecret);
    expect(run.ok).toBe(false);
    expect(byId(run).read_activity).toMatchObject({ status: 'failed', message: expect.stringContaining('may not read Activity records') });
    othersPassed(run, ['read_activity']);
  });

  it('a wrong OData base path: suggests the other one', async () => {
    const run = await tester(settings(sim, { odataBasePath: '/odata' }), sim.clients[0]!.clientSecret);
    const items = byId(run);
    expect(items.read_case).toMatchObject({ status: 'failed', message: expect.stringContaining('try odataBasePath "/0/odata"') });
  });
});

describe('records named in the settings', () => {
  it('an unknown owner fails alone', async () => {
    const run = await tester(settings(sim, { ownerId: UNKNOWN }), sim.clients[0]!.clientSecret);
    expect(run.ok).toBe(false);
    expect(byId(run).default_owner).toMatchObject({ status: 'failed', message: expect.stringContaining(`No contact with ID ${UNKNOWN}`) });
    othersPassed(run, ['default_owner']);
  });

  it('an owner that cannot be read is a warning, not a failure', async () => {
    const c = client({ clientId: 'no-contact', permissions: { Contact: [] } });
    const run = await tester(settings(sim, {}, c.clientId), c.clientSecret);
    expect(run.ok).toBe(true);
    expect(byId(run).default_owner).toMatchObject({ status: 'warning', message: expect.stringContaining('may not read Contact') });
  });

  it('an unknown group fails alone', async () => {
    const run = await tester(settings(sim, { groupId: UNKNOWN }), sim.clients[0]!.clientSecret);
    expect(run.ok).toBe(false);
    expect(byId(run).default_group).toMatchObject({ status: 'failed', message: expect.stringContaining(`No group with ID ${UNKNOWN}`) });
    othersPassed(run, ['default_group']);
  });

  it('a user given as group is a warning', async () => {
    const run = await tester(settings(sim, { groupId: SIM_IDS.supervisorUser }), sim.clients[0]!.clientSecret);
    expect(run.ok).toBe(true);
    expect(byId(run).default_group).toMatchObject({ status: 'warning', message: expect.stringContaining('is a user, not a group') });
  });

  it('an unknown resolved status fails alone', async () => {
    const run = await tester(settings(sim, { resolvedStatusId: UNKNOWN }), sim.clients[0]!.clientSecret);
    expect(run.ok).toBe(false);
    expect(byId(run).resolved_status).toMatchObject({ status: 'failed', message: expect.stringContaining(`No case status with ID ${UNKNOWN}`) });
    othersPassed(run, ['resolved_status']);
  });

  it('a status that is neither resolved nor final is a warning', async () => {
    const run = await tester(settings(sim, { resolvedStatusId: CaseStatus.InProgress }), sim.clients[0]!.clientSecret);
    expect(run.ok).toBe(true);
    expect(byId(run).resolved_status).toMatchObject({ status: 'warning', message: expect.stringContaining('"In progress" is neither a resolved nor a final status') });
  });

  it('a final status (Closed) passes', async () => {
    const run = await tester(settings(sim, { resolvedStatusId: CaseStatus.Closed }), sim.clients[0]!.clientSecret);
    expect(byId(run).resolved_status.status).toBe('passed');
  });
});

describe('lookups', () => {
  async function withSim(options: SimulatorOptions, fn: (s: CreatioSimulator) => Promise<void>): Promise<void> {
    const s = await startCreatioSimulator(options);
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  }

  it('no "Chat" origin: a warning naming the fallback, and the save is allowed', async () => {
    await withSim({ seedChatOrigin: false }, async (s) => {
      const run = await tester(settings(s), s.clients[0]!.clientSecret);
      expect(run.ok).toBe(true);
      const item = byId(run).lookup_case_origin;
      expect(item).toMatchObject({ status: 'warning', required: false });
      expect(item.message).toContain("Creatio's default origin");
      expect(item.message).toContain('CaseOriginDef');
      expect(run.lookups.originId).toBeNull();
      expect(run.lookupsComplete).toBe(true);
      othersPassed(run, ['lookup_case_origin']);
    });
  });

  it.each([
    ['lookup_activity_type', 'ActivityType', ActivityType.Task, 'activityTypeId', "Creatio's default activity type"],
    ['lookup_activity_category', 'ActivityCategory', ActivityCategory.ToDo, 'activityCategoryId', "Creatio's default category"],
    ['lookup_activity_status', 'ActivityStatus', ActivityStatus.Completed, 'activityStatusId', 'open tasks'],
  ] as const)('%s missing: a warning saying what Creatio will use', async (id, entity, stockId, key, words) => {
    await withSim({}, async (s) => {
      s.deleteRecord(entity, stockId, { dependents: 'setNull' });
      const run = await tester(settings(s), s.clients[0]!.clientSecret);
      expect(run.ok).toBe(true);
      expect(byId(run)[id]).toMatchObject({ status: 'warning', message: expect.stringContaining(words) });
      expect(run.lookups[key]).toBeNull();
      othersPassed(run, [id]);
    });
  });

  it('a renamed (translated) stock record is found by its Id', async () => {
    await withSim({}, async (s) => {
      s.updateRecord('ActivityType', ActivityType.Task, { Name: 'Aufgabe' });
      const run = await tester(settings(s), s.clients[0]!.clientSecret);
      expect(byId(run).lookup_activity_type).toMatchObject({ status: 'passed', message: expect.stringContaining('"Aufgabe"') });
      expect(run.lookups.activityTypeId).toBe(ActivityType.Task);
    });
  });

  it('a lookup that cannot be read is a warning and the lookups are not cached', async () => {
    const c = client({ clientId: 'no-status-read', permissions: { ActivityStatus: [] } });
    const run = await tester(settings(sim, {}, c.clientId), c.clientSecret);
    expect(run.ok).toBe(true);
    expect(byId(run).lookup_activity_status).toMatchObject({ status: 'warning', message: expect.stringContaining('may not read ActivityStatus') });
    expect(run.lookupsComplete).toBe(false);
  });
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
