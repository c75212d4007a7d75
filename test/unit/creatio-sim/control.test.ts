import { SUPERVISOR_CONTACT_ID } from '../../../src/creatio/stock';
import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, reply, startSim, tokenRequest } from './helpers';

async function control(sim: CreatioSimulator, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers['x-sim-control-token'] = token;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  return reply(await fetch(`${sim.url}/__sim${path}`, init));
}

describe('creatio-sim control API', () => {
  it('does not exist unless enabled', async () => {
    const sim = await startSim();
    try {
      expect((await control(sim, 'GET', '/clients')).status).toBe(404);
      expect((await control(sim, 'POST', '/faults', { respond: { status: 503 } })).status).toBe(404);
      expect(sim.faults()).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('requires the control token when one is set', async () => {
    const sim = await startSim({ controlApi: true, controlToken: 'let-me-in' });
    try {
      expect((await control(sim, 'GET', '/clients')).status).toBe(401);
      expect((await control(sim, 'GET', '/clients', undefined, 'wrong')).status).toBe(401);
      expect((await control(sim, 'GET', '/clients', undefined, 'let-me-in')).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  describe('when enabled', () => {
    let sim: CreatioSimulator;
    beforeEach(async () => {
      sim = await startSim({ controlApi: true, clients: [{ clientId: 'app', clientSecret: 'one' }] });
    });
    afterEach(() => sim.close());

    it('describes the instance and its clients', async () => {
      const r = await control(sim, 'GET', '');
      expect(r.json).toMatchObject({ url: sim.url, tokenUrl: sim.tokenUrl, odataUrl: sim.odataUrl, clients: [{ clientId: 'app' }] });
    });

    it('rotates secrets, deactivates clients, revokes and expires tokens', async () => {
      const token = await getToken(sim);
      expect((await control(sim, 'PUT', '/clients/app/secret', { secret: 'two' })).status).toBe(204);
      expect((await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'app', client_secret: 'one' })).status).toBe(400);
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
      expect((await control(sim, 'POST', '/tokens/expire', { clientId: 'app' })).status).toBe(204);
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(401);
      expect((await control(sim, 'PUT', '/clients/app/active', { active: false })).status).toBe(204);
      expect((await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'app', client_secret: 'two' })).json.error).toBe('invalid_client');
      expect((await control(sim, 'PUT', '/clients/app/active', { active: true })).status).toBe(204);
      const fresh = await getToken(sim);
      expect((await control(sim, 'POST', '/tokens/revoke')).status).toBe(204);
      expect((await odata(sim, fresh, 'GET', 'CaseStatus')).status).toBe(401);
      expect((await control(sim, 'PUT', '/clients/ghost/secret', { secret: 'x' })).status).toBe(404);
    });

    it('adds clients and sets permissions', async () => {
      const added = await control(sim, 'POST', '/clients', { clientId: 'second', clientSecret: 'sec' });
      expect(added.status).toBe(201);
      expect(added.json).toEqual({ clientId: 'second', clientSecret: 'sec', userContactId: expect.any(String) });
      expect((await control(sim, 'POST', '/clients', { clientId: 'nosecret' })).status).toBe(400);
      expect((await control(sim, 'PUT', '/clients/second/permissions', { permissions: { Case: ['read'] } })).status).toBe(204);
      const token = await getToken(sim, 1);
      expect((await odata(sim, token, 'POST', 'Case', { Subject: 'x' })).status).toBe(403);
    });

    it('injects and clears faults', async () => {
      const token = await getToken(sim);
      const added = await control(sim, 'POST', '/faults', { label: 'down', durationMs: 60_000, respond: { status: 503, body: '<html>maintenance</html>' } });
      expect(added.status).toBe(201);
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(503);
      expect((await control(sim, 'GET', '/faults')).json).toEqual([expect.objectContaining({ id: added.json.id, label: 'down' })]);
      expect((await control(sim, 'GET', '/faults/counts')).json).toEqual({ down: 1 });
      expect((await control(sim, 'DELETE', '/faults')).status).toBe(204);
      expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
      expect((await control(sim, 'POST', '/faults', { times: 1 })).status).toBe(400);
    });

    it('reads, inserts, updates and deletes records as an agent', async () => {
      const token = await getToken(sim);
      const c = await odata(sim, token, 'POST', 'Case', { Subject: 'ctl' });
      const list = await control(sim, 'GET', '/records/Case');
      expect(list.json.value.map((r: { Subject: string }) => r.Subject)).toEqual(['ctl']);
      expect((await control(sim, 'GET', `/records/Case/${c.json.Id}`)).json.Number).toBe(c.json.Number);

      const agentReply = await control(sim, 'POST', '/records/Activity', { Title: 'Agent: hello', CaseId: c.json.Id });
      expect(agentReply.status).toBe(201);
      expect(agentReply.json.CreatedById).toBe(SUPERVISOR_CONTACT_ID);
      const bad = await control(sim, 'POST', '/records/Activity', { Title: 'x', Nope: 1 });
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toContain("'Nope'");

      expect((await control(sim, 'PATCH', `/records/Case/${c.json.Id}`, { Notes: 'edited' })).json.Notes).toBe('edited');
      expect((await control(sim, 'DELETE', `/records/Case/${c.json.Id}?dependents=restrict`)).status).toBe(500);
      expect((await control(sim, 'DELETE', `/records/Case/${c.json.Id}`)).status).toBe(204);
      expect((await control(sim, 'GET', `/records/Case/${c.json.Id}`)).status).toBe(404);
      expect((await control(sim, 'GET', '/records/Nope')).status).toBe(404);
    });

    it('reports and resets request counts; control calls are not counted', async () => {
      const token = await getToken(sim);
      await odata(sim, token, 'GET', 'CaseStatus');
      await odata(sim, token, 'POST', 'Case', { Subject: 'count' });
      expect((await control(sim, 'GET', '/requests/counts')).json).toEqual({ 'create:Case': 1, 'read:CaseStatus': 1, token: 1 });
      expect((await control(sim, 'GET', '/requests/log')).json.map((e: { kind: string }) => e.kind)).toEqual(['token', 'read:CaseStatus', 'create:Case']);
      expect((await control(sim, 'DELETE', '/requests/counts')).status).toBe(204);
      expect(sim.requestCounts()).toEqual({});
    });
  });
});
