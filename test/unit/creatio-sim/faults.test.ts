import { randomUUID } from 'node:crypto';
import { faultPresets, type CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, JSON_CT, odata, reply, startSim, tokenRequest } from './helpers';

describe('creatio-sim fault injection', () => {
  let sim: CreatioSimulator;
  let token: string;

  beforeEach(async () => {
    sim = await startSim();
    token = await getToken(sim);
  });
  afterEach(() => sim.close());

  it('serves a 503 HTML outage with Retry-After for the next N requests, then recovers', async () => {
    sim.injectFaults(faultPresets.outage({ times: 2, retryAfter: 30 }));
    for (let i = 0; i < 2; i++) {
      const r = await odata(sim, token, 'GET', 'CaseStatus');
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(r.headers.get('retry-after')).toBe('30');
      expect(r.text).toContain('<html>');
    }
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
  });

  it('applies a rule for a time window', async () => {
    sim.injectFaults({ durationMs: 150, respond: { status: 502 } });
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(502);
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(502);
    await new Promise((r) => setTimeout(r, 200));
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
  });

  it('starts a rule after delayStartMs', async () => {
    sim.injectFaults({ delayStartMs: 100, times: 1, respond: { status: 503 } });
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 120));
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(503);
  });

  it('answers 429 with Retry-After only for the matching kind', async () => {
    sim.injectFaults(faultPresets.rateLimited({ retryAfterSeconds: 2, kind: 'create:', times: 1 }));
    expect((await odata(sim, token, 'GET', 'Case')).status).toBe(200);
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'throttled' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.json.error.message).toBe('Too Many Requests');
    expect(sim.records('Case')).toHaveLength(0);
    expect((await odata(sim, token, 'POST', 'Case', { Subject: 'ok' })).status).toBe(201);
  });

  it('adds latency to matching requests only', async () => {
    sim.injectFaults(faultPresets.slow(200, { entity: 'Case', times: 5 }));
    let t = Date.now();
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
    expect(Date.now() - t).toBeLessThan(150);
    t = Date.now();
    expect((await odata(sim, token, 'GET', 'Case')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(190);
  });

  it('commits a write and then drops the connection after the client gave up', async () => {
    sim.injectFaults(faultPresets.commitThenTimeout(300, { kind: 'create:Case' }, 'drop'));
    const id = randomUUID();
    await expect(
      fetch(`${sim.odataUrl}/Case`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': JSON_CT },
        body: JSON.stringify({ Id: id, Subject: 'committed' }),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    // The case exists although the client never saw a response; a retry with the same Id is a duplicate.
    expect(sim.getRecord('Case', id)?.Subject).toBe('committed');
    expect((await odata(sim, token, 'GET', `Case(${id})`)).status).toBe(200);
    expect((await odata(sim, token, 'POST', 'Case', { Id: id, Subject: 'retry' })).status).toBe(500);
  });

  it('commits a write and sends the response late', async () => {
    sim.injectFaults({ kind: 'create:Case', commitThenTimeout: { holdMs: 150, then: 'respond' } });
    const t = Date.now();
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'late' });
    expect(r.status).toBe(201);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('drops the connection without executing the request', async () => {
    sim.injectFaults(faultPresets.dropConnection({ method: 'POST' }));
    await expect(
      fetch(`${sim.odataUrl}/Case`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': JSON_CT },
        body: JSON.stringify({ Subject: 'lost' }),
      }),
    ).rejects.toThrow();
    expect(sim.records('Case')).toHaveLength(0);
  });

  it('faults the token endpoint too', async () => {
    sim.injectFaults({ pathIncludes: '/connect/token', times: 1, respond: { status: 503, body: '<html>down</html>' } });
    const c = sim.clients[0]!;
    const form = { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret };
    const down = await tokenRequest(sim, form);
    expect([down.status, down.headers.get('content-type')]).toEqual([503, 'text/html; charset=utf-8']);
    expect((await tokenRequest(sim, form)).status).toBe(200);
  });

  it('faults single $batch sub-requests and stops the batch there', async () => {
    const caseId = (await odata(sim, token, 'POST', 'Case', { Subject: 'b' })).json.Id;
    sim.injectFaults({ entity: 'Activity', times: 1, respond: { status: 503 } });
    const r = await odata(sim, token, 'POST', '$batch', {
      requests: [
        { id: '1', method: 'PATCH', url: `Case(${caseId})`, body: { Notes: 'n' } },
        { id: '2', method: 'POST', url: 'Activity', body: { Title: 'x', CaseId: caseId } },
        { id: '3', method: 'POST', url: 'Activity', body: { Title: 'y', CaseId: caseId } },
      ],
    });
    expect(r.json.responses.map((x: { status: number }) => x.status)).toEqual([204, 503]);
    expect(sim.records('Activity')).toHaveLength(0);
  });

  it('bounces to an HTML login page', async () => {
    sim.injectFaults(faultPresets.loginBounce({ kind: 'read:Case' }));
    const r = await reply(await fetch(`${sim.odataUrl}/Case`, { headers: { authorization: `Bearer ${token}` } }));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
  });

  it('reports applied faults in the request log and fault counts; clearFaults stops them', async () => {
    sim.resetCounts();
    sim.injectFaults({ label: 'flaky', kind: 'read:CaseStatus', durationMs: 60_000, respond: { status: 504 } });
    await odata(sim, token, 'GET', 'CaseStatus');
    await odata(sim, token, 'GET', 'CaseStatus');
    expect(sim.faultCounts()).toEqual({ flaky: 2 });
    expect(sim.requestLog().map((e) => [e.kind, e.status, e.fault])).toEqual([
      ['read:CaseStatus', 504, 'flaky'],
      ['read:CaseStatus', 504, 'flaky'],
    ]);
    sim.clearFaults();
    expect(sim.faults()).toEqual([]);
    expect((await odata(sim, token, 'GET', 'CaseStatus')).status).toBe(200);
    expect(sim.requestCounts()).toEqual({ 'read:CaseStatus': 3 });
  });

  it('validates rules', () => {
    expect(() => sim.injectFaults({ times: 1 })).toThrow(/effect/);
    expect(() => sim.injectFaults({ dropConnection: true, respond: { status: 500 } })).toThrow(/at most one/);
  });

  it('closes promptly even while a response is held', async () => {
    sim.injectFaults({ commitThenTimeout: { holdMs: 60_000 } });
    const pending = fetch(`${sim.odataUrl}/CaseStatus`, { headers: { authorization: `Bearer ${token}` } }).catch(() => 'failed');
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    await sim.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });
});
