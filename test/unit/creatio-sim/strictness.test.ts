import { randomUUID } from 'node:crypto';
import { CaseStatus } from '../../../src/creatio/stock';
import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, startSim } from './helpers';

describe('creatio-sim strictness', () => {
  let sim: CreatioSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSim({ maxTextLength: { 'Activity.Notes': 10 } });
    token = await getToken(sim);
  });
  afterAll(() => sim.close());

  const expectNothingCreated = (subject: string) =>
    expect(sim.records('Case').filter((c) => c.Subject === subject)).toHaveLength(0);

  it('rejects an unknown column in the body with 400 naming it', async () => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'u1', ResolutionComment: 'x' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('');
    expect(r.json.error.message).toContain("'ResolutionComment'");
    expect(r.json.error.innererror).toEqual({ message: expect.any(String), type: expect.any(String), stacktrace: '' });
    expectNothingCreated('u1');
  });

  it('rejects an unknown column in $select with 400 naming it', async () => {
    const r = await odata(sim, token, 'GET', 'Case?$select=Id,Resolution');
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("'Resolution'");
  });

  it.each([
    ['a number for a Guid', { StatusId: 5 }, 'Edm.Guid'],
    ['a malformed GUID', { StatusId: 'ae5f2f10-f46b-1410-fd9a' }, 'Edm.Guid'],
    ['a bad date', { RegisteredOn: '2024-13-45T00:00:00Z' }, 'Edm.DateTimeOffset'],
    ['a date without offset', { RegisteredOn: '2024-01-01T10:00:00' }, 'Edm.DateTimeOffset'],
    ['a number for a string', { Subject: 42 }, 'Edm.String'],
    ['an object for a string', { Subject: { text: 'x' } }, 'PrimitiveValue'],
    ['a string for a boolean', { ResponseOverdue: 'true' }, 'Edm.Boolean'],
    ['null for a non-nullable boolean', { ResponseOverdue: null }, 'Nullable=False'],
  ])('rejects %s with 400', async (_name, body, text) => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'typed', ...body });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain(text);
    expectNothingCreated('typed');
  });

  it('accepts dates with an offset and stores them in UTC', async () => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'tz', RegisteredOn: '2024-03-01T12:30:00.250+02:00' });
    expect(r.status).toBe(201);
    expect(r.json.RegisteredOn).toBe('2024-03-01T10:30:00.25Z');
  });

  it('rejects a JSON array, a primitive, an empty and a malformed body with 400', async () => {
    expect((await odata(sim, token, 'POST', 'Case', [{ Subject: 'arr' }])).status).toBe(400);
    expect((await odata(sim, token, 'POST', 'Case', '"text"')).status).toBe(400);
    expect((await odata(sim, token, 'POST', 'Case', '{"Subject": "x",')).status).toBe(400);
    expect((await odata(sim, token, 'POST', 'Case', '', { 'content-type': 'application/json' })).status).toBe(400);
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'patch-arr' });
    expect((await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, [{ Subject: 'y' }])).status).toBe(400);
    expect(sim.getRecord('Case', c.json.Id)!.Subject).toBe('patch-arr');
  });

  it('fails an over-long string with a 500 database error', async () => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'x'.repeat(501) });
    expect(r.status).toBe(500);
    expect(r.json.error.message).toContain('22001: value too long for type character varying(500)');
    // 500 characters are fine, counted as characters (an emoji is one).
    expect((await odata(sim, token, 'POST', 'Case', { Subject: '😀'.repeat(500) })).status).toBe(201);
  });

  it('makes a text column finite with maxTextLength', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'notes' });
    const long = await odata(sim, token, 'POST', 'Activity', { Title: 't', CaseId: c.json.Id, Notes: '12345678901' });
    expect(long.status).toBe(500);
    expect(long.json.error.message).toContain('character varying(10)');
    expect((await odata(sim, token, 'POST', 'Activity', { Title: 't', CaseId: c.json.Id, Notes: '1234567890' })).status).toBe(201);
    // Unlimited elsewhere.
    expect((await odata(sim, token, 'POST', 'Activity', { Title: 't', CaseId: c.json.Id, Body: 'b'.repeat(100_000) })).status).toBe(201);
  });

  it('fails a lookup to a missing row with a 500 foreign-key error naming the column', async () => {
    const bad = randomUUID();
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'fk', OwnerId: bad });
    expect(r.status).toBe(500);
    expect(r.json.error.message).toMatch(
      /^Terrasoft\.Common\.DbOperationException: 23503: insert or update on table "Case" violates foreign key constraint "FK\w+"/,
    );
    expect(r.json.error.innererror.message).toContain(`Key ("OwnerId")=(${bad}) is not present in table "Contact"`);
    expectNothingCreated('fk');
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'fk-patch' });
    const p = await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { StatusId: bad });
    expect(p.status).toBe(500);
    expect(p.json.error.innererror.message).toContain('"StatusId"');
    expect(sim.getRecord('Case', c.json.Id)!.StatusId).toBe(CaseStatus.New);
  });

  it('fails a duplicate Id with a 500 duplicate-key error and leaves the first row alone', async () => {
    const id = randomUUID();
    expect((await odata(sim, token, 'POST', 'Case', { Id: id, Subject: 'first' })).status).toBe(201);
    const again = await odata(sim, token, 'POST', 'Case', { Id: id, Subject: 'second' });
    expect(again.status).toBe(500);
    expect(again.json.error.message).toContain('23505: duplicate key value violates unique constraint "PKCase"');
    expect(sim.getRecord('Case', id)!.Subject).toBe('first');
  });

  it('refuses to delete a referenced row over OData', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'parent' });
    await odata(sim, token, 'POST', 'Activity', { Title: 'child', CaseId: c.json.Id });
    const d = await odata(sim, token, 'DELETE', `Case(${c.json.Id})`);
    expect(d.status).toBe(500);
    expect(d.json.error.message).toContain('update or delete on table "Case" violates foreign key constraint');
    expect(sim.getRecord('Case', c.json.Id)).toBeDefined();
  });

  it('refuses to change the Id in a PATCH', async () => {
    const c = await odata(sim, token, 'POST', 'Case', { Subject: 'id' });
    expect((await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { Id: randomUUID() })).status).toBe(400);
  });

  it('accepts server-set columns the way Creatio does (Number null is generated)', async () => {
    const r = await odata(sim, token, 'POST', 'Case', { Subject: 'n', Number: null, CreatedOn: '2020-01-01T00:00:00Z' });
    expect(r.status).toBe(201);
    expect(r.json.Number).toMatch(/^SR\d{8}$/);
    expect(r.json.CreatedOn).toBe('2020-01-01T00:00:00Z');
  });
});

describe('creatio-sim options that change strictness', () => {
  it('uses 400 for foreign-key errors when configured', async () => {
    const sim = await startSim({ foreignKeyErrorStatus: 400 });
    try {
      const r = await odata(sim, await getToken(sim), 'POST', 'Case', { Subject: 'fk', PriorityId: randomUUID() });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('23503');
    } finally {
      await sim.close();
    }
  });

  it('refuses status changes on a final case only with enforceFinalStatus', async () => {
    for (const enforce of [false, true]) {
      const sim = await startSim({ enforceFinalStatus: enforce });
      try {
        const token = await getToken(sim);
        const c = await odata(sim, token, 'POST', 'Case', { Subject: 'closed', StatusId: CaseStatus.Closed });
        const reopen = await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { StatusId: CaseStatus.Reopened });
        expect(reopen.status).toBe(enforce ? 500 : 204);
        // Other columns stay editable.
        expect((await odata(sim, token, 'PATCH', `Case(${c.json.Id})`, { Notes: 'still fine' })).status).toBe(204);
      } finally {
        await sim.close();
      }
    }
  });

  it('refuses maxTextLength keys that name no column', async () => {
    await expect(startSim({ maxTextLength: { 'Activity.Note': 10 } })).rejects.toThrow(/unknown column 'Activity.Note'/);
  });

  it('has no Chat origin when seedChatOrigin is false', async () => {
    const sim = await startSim({ seedChatOrigin: false });
    try {
      const r = await odata(sim, await getToken(sim), 'GET', "CaseOrigin?$filter=Name eq 'Chat'");
      expect(r.json.value).toEqual([]);
      expect(sim.records('CaseOrigin').map((o) => o.Name)).toEqual(['Email', 'Portal', 'Call']);
    } finally {
      await sim.close();
    }
  });
});
