import { randomUUID } from 'node:crypto';
import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, startSim } from './helpers';

interface Sub {
  id: string;
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  atomicityGroup?: string;
}

describe('creatio-sim $batch', () => {
  let sim: CreatioSimulator;
  let token: string;
  let caseId: string;

  const batch = (requests: Sub[], headers: Record<string, string> = {}) => odata(sim, token, 'POST', '$batch', { requests }, headers);
  const activity = (id: string, title: string, extra: Record<string, unknown> = {}): Sub => ({
    id,
    method: 'POST',
    url: 'Activity',
    headers: { 'content-type': 'application/json' },
    body: { Id: randomUUID(), Title: title, CaseId: caseId, ...extra },
  });
  const titles = () => sim.records('Activity').filter((a) => a.CaseId === caseId).map((a) => a.Title);

  beforeEach(async () => {
    sim = await startSim({ clients: [{ clientId: 'app', clientSecret: 's', permissions: { Contact: ['read'] } }] });
    token = await getToken(sim);
    caseId = (await odata(sim, token, 'POST', 'Case', { Subject: 'batch' })).json.Id;
    sim.resetCounts();
  });
  afterEach(() => sim.close());

  it('runs sub-requests in order and answers each with id, status, headers and body', async () => {
    const r = await batch([
      activity('1', 'first'),
      activity('2', 'second'),
      { id: '3', method: 'PATCH', url: `Case(${caseId})`, body: { Notes: 'batched' } },
      { id: '4', method: 'GET', url: `Case(${caseId})?$select=Notes` },
      { id: '5', method: 'GET', url: `${sim.odataUrl}/Activity?$filter=CaseId eq ${caseId}&$count=true&$top=0` },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.responses.map((x: { id: string; status: number }) => [x.id, x.status])).toEqual([
      ['1', 201],
      ['2', 201],
      ['3', 204],
      ['4', 200],
      ['5', 200],
    ]);
    expect(r.json.responses[0].body).toMatchObject({ Title: 'first', CaseId: caseId });
    expect(r.json.responses[0].headers.location).toContain('/Activity(');
    expect(r.json.responses[2].body).toBeUndefined();
    expect(r.json.responses[3].body.Notes).toBe('batched');
    expect(r.json.responses[4].body['@odata.count']).toBe(2);
    expect(titles()).toEqual(['first', 'second']);
  });

  it('stops after the first failed sub-request: later ones are not executed and absent', async () => {
    const r = await batch([activity('1', 'ok'), activity('2', 'bad', { Bogus: 1 }), activity('3', 'never')]);
    expect(r.status).toBe(200);
    expect(r.json.responses.map((x: { id: string; status: number }) => [x.id, x.status])).toEqual([
      ['1', 201],
      ['2', 400],
    ]);
    expect(r.json.responses[1].body.error.message).toContain("'Bogus'");
    expect(titles()).toEqual(['ok']);
  });

  it('continues after failures with Prefer: continue-on-error', async () => {
    const dup = activity('2', 'dup');
    const r = await batch([dup, { ...dup, id: '3' }, activity('4', 'after')], { prefer: 'continue-on-error' });
    expect(r.json.responses.map((x: { status: number }) => x.status)).toEqual([201, 500, 201]);
    expect(r.json.responses[1].body.error.message).toContain('23505');
    expect(titles()).toEqual(['dup', 'after']);
  });

  it('refuses more than 100 sub-requests and executes none', async () => {
    const requests = Array.from({ length: 101 }, (_, i) => activity(String(i), `t${i}`));
    const r = await batch(requests);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('100');
    expect(titles()).toEqual([]);
    expect((await batch(requests.slice(0, 100))).json.responses).toHaveLength(100);
    expect(titles()).toHaveLength(100);
  });

  it('rolls back an atomicity group when one member fails', async () => {
    const r = await batch(
      [
        { ...activity('1', 'g1'), atomicityGroup: 'g' },
        { ...activity('2', 'g2', { CaseId: randomUUID() }), atomicityGroup: 'g' },
        activity('3', 'outside'),
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(r.json.responses.map((x: { id: string; status: number }) => [x.id, x.status])).toEqual([
      ['2', 500],
      ['3', 201],
    ]);
    expect(titles()).toEqual(['outside']);
  });

  it('applies permissions per sub-request', async () => {
    const r = await batch([{ id: '1', method: 'GET', url: 'Contact?$top=1' }, { id: '2', method: 'POST', url: 'Contact', body: { Name: 'x' } }]);
    expect(r.json.responses.map((x: { status: number }) => x.status)).toEqual([200, 403]);
  });

  it('counts the batch and each sub-request by kind', async () => {
    await batch([activity('1', 'a'), activity('2', 'b'), { id: '3', method: 'GET', url: `Case(${caseId})` }]);
    expect(sim.requestCounts()).toEqual({ batch: 1, 'batched:create:Activity': 2, 'batched:read:Case': 1 });
    const outer = sim.requestLog().find((e) => e.kind === 'batch')!;
    expect(outer).toMatchObject({ status: 200, subRequests: 3, clientId: 'app' });
    expect(sim.requestLog().filter((e) => e.batchSeq === outer.seq)).toHaveLength(3);
  });

  it('rejects malformed batch bodies and non-JSON batches', async () => {
    expect((await odata(sim, token, 'POST', '$batch', { nope: [] })).status).toBe(400);
    expect((await odata(sim, token, 'POST', '$batch', [{ id: '1' }])).status).toBe(400);
    expect((await batch([{ id: '1', method: 'POST', url: 'Activity' }, { id: '1', method: 'POST', url: 'Activity' }])).status).toBe(400);
    expect((await odata(sim, token, 'POST', '$batch', '--b\r\n', { 'content-type': 'multipart/mixed; boundary=b' })).status).toBe(400);
    expect((await odata(sim, token, 'GET', '$batch')).status).toBe(405);
  });

  it('answers unknown sub-request targets with 404 sub-responses', async () => {
    const r = await batch([{ id: '1', method: 'GET', url: 'Nope' }], { prefer: 'continue-on-error' });
    expect(r.json.responses[0].status).toBe(404);
  });
});
