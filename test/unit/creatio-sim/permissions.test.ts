import { CaseStatus } from '../../../src/creatio/stock';
import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, startSim } from './helpers';

describe('creatio-sim permissions', () => {
  let sim: CreatioSimulator;

  beforeAll(async () => {
    sim = await startSim({
      clients: [
        { clientId: 'full', clientSecret: 'f' },
        { clientId: 'reader', clientSecret: 'r', permissions: { Case: ['read'], Activity: ['read', 'create'], CaseStatus: [] } },
      ],
    });
  });
  afterAll(() => sim.close());

  it('lets a read succeed while PATCH, POST and DELETE get 403 with the error envelope', async () => {
    const full = await getToken(sim, 0);
    const reader = await getToken(sim, 1);
    const c = await odata(sim, full, 'POST', 'Case', { Subject: 'perm' });
    expect((await odata(sim, reader, 'GET', `Case(${c.json.Id})`)).status).toBe(200);
    const patch = await odata(sim, reader, 'PATCH', `Case(${c.json.Id})`, { StatusId: CaseStatus.Resolved });
    expect(patch.status).toBe(403);
    expect(patch.json.error).toMatchObject({ code: '', message: expect.stringContaining('"Case"') });
    expect(sim.getRecord('Case', c.json.Id)!.StatusId).toBe(CaseStatus.New);
    expect((await odata(sim, reader, 'POST', 'Case', { Subject: 'no' })).status).toBe(403);
    expect((await odata(sim, reader, 'DELETE', `Case(${c.json.Id})`)).status).toBe(403);
    // Entities not listed allow everything; listed ones only what is listed.
    expect((await odata(sim, reader, 'POST', 'Activity', { Title: 'ok', CaseId: c.json.Id })).status).toBe(201);
    expect((await odata(sim, reader, 'GET', 'Contact?$top=1')).status).toBe(200);
    expect((await odata(sim, reader, 'GET', 'CaseStatus')).status).toBe(403);
    expect((await odata(sim, reader, 'GET', `Case(${c.json.Id})?$expand=Status`)).status).toBe(403);
  });

  it('changes permissions at runtime, for tokens already issued', async () => {
    const reader = await getToken(sim, 1);
    expect((await odata(sim, reader, 'POST', 'Case', { Subject: 'later' })).status).toBe(403);
    sim.setPermissions('reader', { Case: ['read', 'create'] });
    expect((await odata(sim, reader, 'POST', 'Case', { Subject: 'later' })).status).toBe(201);
    sim.setPermissions('reader', { Case: [] });
    expect((await odata(sim, reader, 'GET', 'Case')).status).toBe(403);
  });
});
