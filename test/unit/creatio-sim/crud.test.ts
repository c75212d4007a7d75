import { randomUUID } from 'node:crypto';
import {
  ActivityCategory,
  ActivityStatus,
  ActivityType,
  CASE_ENTITY_SCHEMA_UID,
  CaseOrigin,
  CasePriority,
  CaseStatus,
  EMPTY_GUID,
  FIRST_LINE_SUPPORT_GROUP_ID,
  SUPERVISOR_CONTACT_ID,
} from '../../../src/creatio/stock';
import type { CreatioSimulator, RecordChange } from '../../../src/creatio-sim';
import { getToken, odata, reply, startSim } from './helpers';

describe('creatio-sim OData CRUD', () => {
  let sim: CreatioSimulator;
  let token: string;
  let userContactId: string;

  beforeAll(async () => {
    sim = await startSim();
    token = await getToken(sim);
    userContactId = sim.clients[0]!.userContactId;
  });
  afterAll(() => sim.close());

  it('creates a case with defaults, a generated number and the client user as author', async () => {
    const before = Date.now();
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'Printer on fire', Symptoms: 'Smoke\nand flames' });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('location')).toBe(`${sim.odataUrl}/Case(${r.json.Id})`);
    expect(r.json['@odata.context']).toBe(`${sim.odataUrl}/$metadata#Case/$entity`);
    expect(r.json).toMatchObject({
      Number: expect.stringMatching(/^SR\d{8}$/),
      Subject: 'Printer on fire',
      Symptoms: 'Smoke\nand flames',
      StatusId: CaseStatus.New,
      PriorityId: CasePriority.Medium,
      OriginId: CaseOrigin.Default,
      GroupId: FIRST_LINE_SUPPORT_GROUP_ID,
      ContactId: EMPTY_GUID,
      OwnerId: EMPTY_GUID,
      CreatedById: userContactId,
      ModifiedById: userContactId,
      SolutionProvidedOn: null,
    });
    expect(r.json.CreatedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Date.parse(r.json.CreatedOn)).toBeGreaterThanOrEqual(before - 1);
    // Numbers increase per case.
    const second = await odata(sim, token, 'POST', 'Case', { Subject: 'Second' });
    expect(Number(second.json.Number.slice(2))).toBe(Number(r.json.Number.slice(2)) + 1);
  });

  it('honours a client-supplied Id and reads it back by key', async () => {
    const id = randomUUID();
    const created = await odata(sim, token, 'POST', 'Case', { Id: id, Subject: 'Mine', OriginId: CaseOrigin.Email });
    expect(created.status).toBe(201);
    expect(created.json.Id).toBe(id);
    const read = await odata(sim, token, 'GET', `Case(${id})`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ '@odata.context': `${sim.odataUrl}/$metadata#Case/$entity`, Id: id, OriginId: CaseOrigin.Email });
    const selected = await odata(sim, token, 'GET', `Case(${id})?$select=Id,Number`);
    expect(Object.keys(selected.json).sort()).toEqual(['@odata.context', 'Id', 'Number']);
    expect(selected.json['@odata.context']).toBe(`${sim.odataUrl}/$metadata#Case(Id,Number)/$entity`);
    expect((await odata(sim, token, 'GET', `Case(${randomUUID()})`)).status).toBe(404);
  });

  it('patches with 204, stamps ModifiedOn/ById, and 404s an unknown key', async () => {
    const created = await odata(sim, token, 'POST', 'Case', { Subject: 'Patch me' });
    await new Promise((r) => setTimeout(r, 5));
    const p = await odata(sim, token, 'PATCH', `Case(${created.json.Id})`, { StatusId: CaseStatus.InProgress });
    expect(p.status).toBe(204);
    expect(p.text).toBe('');
    const row = sim.getRecord('Case', created.json.Id)!;
    expect(row.StatusId).toBe(CaseStatus.InProgress);
    expect(row.Subject).toBe('Patch me');
    expect(Date.parse(row.ModifiedOn as string)).toBeGreaterThan(Date.parse(row.CreatedOn as string));
    expect(row.ModifiedById).toBe(userContactId);
    expect((await odata(sim, token, 'PATCH', `Case(${randomUUID()})`, { Subject: 'x' })).status).toBe(404);
  });

  it('sets SolutionProvidedOn and ClosureDate when the status becomes resolved / final', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Resolve me' });
    await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { StatusId: CaseStatus.Resolved });
    expect(sim.getRecord('Case', c.json.Id)!.SolutionProvidedOn).toEqual(expect.any(String));
    expect(sim.getRecord('Case', c.json.Id)!.ClosureDate).toBeNull();
    await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { StatusId: CaseStatus.Closed });
    expect(sim.getRecord('Case', c.json.Id)!.ClosureDate).toEqual(expect.any(String));
  });

  it('deletes with 204, then 404', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Delete me' });
    expect((await odata(sim, token, 'DELETE', `Case(${c.json.Id})`)).status).toBe(204);
    expect((await odata(sim, token, 'GET', `Case(${c.json.Id})`)).status).toBe(404);
    expect((await odata(sim, token, 'DELETE', `Case(${c.json.Id})`)).status).toBe(404);
  });

  it('creates an activity with Task / To do / Not started and the creator as owner and author', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'With activity' });
    const a = await odata(sim, token, 'POST', 'Activity', { Title: 'Customer: hi', CaseId: c.json.Id, Notes: 'hi there' });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({
      TypeId: ActivityType.Task,
      ActivityCategoryId: ActivityCategory.ToDo,
      StatusId: ActivityStatus.NotStarted,
      OwnerId: userContactId,
      AuthorId: userContactId,
      CaseId: c.json.Id,
      MessageTypeId: EMPTY_GUID,
    });
    expect(a.json.StartDate).toEqual(expect.any(String));
    expect(Date.parse(a.json.DueDate) - Date.parse(a.json.StartDate)).toBe(30 * 60_000);
    const dated = await odata(sim, token, 'POST', 'Activity', { Title: 'dated', CaseId: c.json.Id, StartDate: '2024-05-01T10:00:00Z' });
    expect([dated.json.StartDate, dated.json.DueDate]).toEqual(['2024-05-01T10:00:00Z', '2024-05-01T10:30:00Z']);
  });

  it('posts a case feed message (SocialMessage)', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Feed' });
    const m = await odata(sim, token, 'POST', 'SocialMessage', { EntitySchemaUId: CASE_ENTITY_SCHEMA_UID, EntityId: c.json.Id, Message: 'Transcript' });
    expect(m.status).toBe(201);
    expect(m.json).toMatchObject({ EntityId: c.json.Id, Message: 'Transcript', CreatedById: userContactId });
  });

  it('binds lookups with @odata.bind and honours Prefer: return=minimal', async () => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'bound', 'Status@odata.bind': `CaseStatus(${CaseStatus.InProgress})` }, {
      prefer: 'return=minimal',
    });
    expect(r.status).toBe(204);
    const id = /Case\(([0-9a-f-]+)\)/.exec(r.headers.get('location') ?? '')?.[1];
    expect(sim.getRecord('Case', id ?? '')?.StatusId).toBe(CaseStatus.InProgress);
    const wrong = await odata(sim, token, 'POST', 'Case', { Subject: 'x', 'Status@odata.bind': `CasePriority(${CasePriority.Medium})` });
    expect(wrong.status).toBe(400);
  });

  it('treats the zero GUID as an empty lookup', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'No owner', OwnerId: EMPTY_GUID });
    expect(c.status).toBe(201);
    expect(c.json.OwnerId).toBe(EMPTY_GUID);
  });

  it('reads one property and its raw $value', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Prop' });
    const p = await odata(sim, token, 'GET', `Case(${c.json.Id})/Number`);
    expect(p.json).toEqual({ '@odata.context': `${sim.odataUrl}/$metadata#Case(${c.json.Id})/Number`, value: c.json.Number });
    const v = await odata(sim, token, 'GET', `Case(${c.json.Id})/Subject/$value`);
    expect([v.status, v.text, v.headers.get('content-type')]).toEqual([200, 'Prop', 'text/plain; charset=utf-8']);
  });

  it('accepts the key as a path segment and Id=<guid>', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Keys' });
    expect((await odata(sim, token, 'GET', `Case/${c.json.Id}`)).status).toBe(200);
    expect((await odata(sim, token, 'GET', `Case(Id=${c.json.Id})`)).status).toBe(200);
  });

  it('rejects quoted and OData 3 style keys with 400', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Quoted' });
    expect((await odata(sim, token, 'GET', `Case('${c.json.Id}')`)).status).toBe(400);
    expect((await odata(sim, token, 'PATCH', `Case(guid'${c.json.Id}')`, { Subject: 'x' })).status).toBe(400);
  });

  it('answers 404 for an unknown entity set (case-sensitive) and 405 for unsupported methods', async () => {
    const unknown = await odata(sim, token, 'GET', 'Cases');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('No HTTP resource');
    expect((await odata(sim, token, 'GET', 'case')).status).toBe(404);
    expect((await odata(sim, token, 'PUT', `Case(${randomUUID()})`, { Subject: 'x' })).status).toBe(405);
    expect((await odata(sim, token, 'DELETE', 'Case')).status).toBe(405);
  });

  it('requires application/json for POST and PATCH (415 otherwise) and accepts its parameters', async () => {
    const plain = await odata(sim, token, 'POST', 'Case', JSON.stringify({ Subject: 'x' }), { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.json.error.message).toContain("media type 'text/plain'");
    const res = await fetch(`${sim.odataUrl}/Case`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(Buffer.from('{"Subject":"x"}')) });
    expect((await reply(res)).status).toBe(415);
    const ok = await odata(sim, token, 'POST', 'Case', { Subject: 'x' }, { 'content-type': 'application/json;odata.metadata=minimal;charset=utf-8' });
    expect(ok.status).toBe(201);
  });

  it('serves the service document and $metadata', async () => {
    const doc = await odata(sim, token, 'GET', '');
    expect(doc.json.value).toEqual(expect.arrayContaining([{ name: 'Case', kind: 'EntitySet', url: 'Case' }]));
    const meta = await odata(sim, token, 'GET', '$metadata');
    expect(meta.headers.get('content-type')).toContain('application/xml');
    expect(meta.text).toContain('<Property Name="Subject" Type="Edm.String" MaxLength="500" />');
  });

  it('lets an agent add records and reports every change with who made it', async () => {
    const changes: RecordChange[] = [];
    const off = sim.onRecordChange((c) => changes.push(c));
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Agent reply' });
    const reply = sim.insertRecord('Activity', { Title: 'Agent: on it', CaseId: c.json.Id, TypeId: ActivityType.Email });
    sim.updateRecord('Case', c.json.Id, { StatusId: CaseStatus.Resolved });
    off();
    sim.updateRecord('Case', c.json.Id, { Subject: 'not reported' });
    expect(reply.AuthorId).toBe(SUPERVISOR_CONTACT_ID);
    expect(changes.map((x) => [x.entity, x.op, x.byUserContactId])).toEqual([
      ['Case', 'insert', userContactId],
      ['Activity', 'insert', SUPERVISOR_CONTACT_ID],
      ['Case', 'update', SUPERVISOR_CONTACT_ID],
    ]);
    expect(changes[0]!.viaClientId).toBe(sim.clients[0]!.clientId);
    expect(changes[2]!.before!.StatusId).toBe(CaseStatus.New);
    expect(changes[2]!.after!.StatusId).toBe(CaseStatus.Resolved);
    // Over OData the agent's activity is visible like any other.
    const list = await odata(sim, token, 'GET', `Activity?$filter=CaseId eq ${c.json.Id}`);
    expect(list.json.value.map((a: { Title: string }) => a.Title)).toEqual(['Agent: on it']);
  });

  it('cascades an agent delete of a case to its activities by default', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'Doomed' });
    const a = await odata(sim, token, 'POST', 'Activity', { Title: 'x', CaseId: c.json.Id });
    sim.deleteRecord('Case', c.json.Id);
    expect(sim.getRecord('Case', c.json.Id)).toBeUndefined();
    expect(sim.getRecord('Activity', a.json.Id)).toBeUndefined();
    // Appending to the deleted case now fails on the foreign key.
    const late = await odata(sim, token, 'POST', 'Activity', { Title: 'late', CaseId: c.json.Id });
    expect(late.status).toBe(500);
    expect(late.json.error.message).toContain('violates foreign key constraint');
  });
});

describe('creatio-sim odataBasePath', () => {
  it('serves OData under /odata when configured, and /0/odata is then a 404 page', async () => {
    const sim = await startSim({ odataBasePath: '/odata' });
    try {
      expect(sim.odataUrl).toBe(`${sim.url}/odata`);
      const token = await getToken(sim);
      const ok = await odata(sim, token, 'GET', 'CaseStatus?$top=1');
      expect(ok.status).toBe(200);
      expect(ok.json['@odata.context']).toBe(`${sim.url}/odata/$metadata#CaseStatus`);
      const wrong = await reply(await fetch(`${sim.url}/0/odata/CaseStatus`, { headers: { authorization: `Bearer ${token}` } }));
      expect(wrong.status).toBe(404);
      expect(wrong.headers.get('content-type')).toContain('text/html');
    } finally {
      await sim.close();
    }
  });
});
