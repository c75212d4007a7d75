import { CaseStatus, EMPTY_GUID, FIRST_LINE_SUPPORT_GROUP_ID } from '../../../src/creatio/stock';
import type { CreatioSimulator } from '../../../src/creatio-sim';
import { getToken, odata, startSim } from './helpers';

describe('creatio-sim queries', () => {
  let sim: CreatioSimulator;
  let token: string;
  const cases: Array<{ Id: string; Number: string; Subject: string }> = [];

  const q = async (path: string) => odata(sim, token, 'GET', path);
  const subjects = (r: { json: { value: Array<{ Subject: string }> } }) => r.json.value.map((c) => c.Subject);
  const enc = encodeURIComponent;

  beforeAll(async () => {
    sim = await startSim({ maxPageSize: 5 });
    token = await getToken(sim);
    const rows = [
      { Subject: 'alpha', RegisteredOn: '2024-01-01T00:00:00Z', StatusId: CaseStatus.New },
      { Subject: 'beta', RegisteredOn: '2024-02-01T00:00:00Z', StatusId: CaseStatus.InProgress },
      { Subject: "o'brien", RegisteredOn: '2024-03-01T00:00:00Z', StatusId: CaseStatus.Closed },
      { Subject: 'Gamma', RegisteredOn: '2024-04-01T00:00:00Z', StatusId: CaseStatus.Canceled },
      { Subject: 'delta', RegisteredOn: '2024-05-01T00:00:00Z', StatusId: CaseStatus.Resolved },
      { Subject: 'epsilon', RegisteredOn: '2024-06-01T00:00:00Z', StatusId: CaseStatus.New },
      { Subject: 'zeta', RegisteredOn: '2024-07-01T00:00:00Z', StatusId: CaseStatus.New },
    ];
    for (const row of rows) cases.push((await odata(sim, token, 'POST', 'Case', row)).json);
    await odata(sim, token, 'POST', 'Activity', { Title: 'a1', CaseId: cases[0]!.Id });
    await odata(sim, token, 'POST', 'Activity', { Title: 'a2', CaseId: cases[0]!.Id });
    await odata(sim, token, 'POST', 'Activity', { Title: 'b1', CaseId: cases[1]!.Id });
  });
  afterAll(() => sim.close());

  it('wraps collections in @odata.context and value', async () => {
    const r = await q('CaseStatus?$select=Id,Name');
    expect(r.status).toBe(200);
    expect(r.json['@odata.context']).toBe(`${sim.odataUrl}/$metadata#CaseStatus(Id,Name)`);
    expect(r.json.value).toHaveLength(5); // capped by maxPageSize
  });

  it('filters with comparisons, and/or/not and parentheses', async () => {
    expect(subjects(await q(`Case?$filter=${enc("Subject eq 'beta'")}`))).toEqual(['beta']);
    expect(subjects(await q(`Case?$filter=${enc("Subject ne 'beta' and RegisteredOn lt 2024-03-01T00:00:00Z")}`))).toEqual(['alpha']);
    expect(subjects(await q(`Case?$filter=${enc("(Subject eq 'alpha' or Subject eq 'zeta') and not (Subject eq 'zeta')")}`))).toEqual(['alpha']);
    expect(subjects(await q(`Case?$filter=${enc('RegisteredOn ge 2024-06-01T00:00:00Z')}`))).toEqual(['epsilon', 'zeta']);
    expect(subjects(await q(`Case?$filter=${enc('RegisteredOn ge 2024-06-01T01:00:00+01:00')}`))).toEqual(['epsilon', 'zeta']);
  });

  it("handles '' escapes in string literals", async () => {
    expect(subjects(await q(`Case?$filter=${enc("Subject eq 'o''brien'")}`))).toEqual(["o'brien"]);
  });

  it('filters lookups by unquoted GUID, by navigation Id and by a related column', async () => {
    const byId = await q(`Activity?$filter=${enc(`CaseId eq ${cases[0]!.Id}`)}&$select=Title`);
    expect(byId.json.value.map((a: { Title: string }) => a.Title)).toEqual(['a1', 'a2']);
    const byNav = await q(`Activity?$filter=${enc(`Case/Id eq ${cases[1]!.Id}`)}&$select=Title`);
    expect(byNav.json.value.map((a: { Title: string }) => a.Title)).toEqual(['b1']);
    const final = await q(`Case?$filter=${enc('Status/IsFinal eq true')}&$select=Subject`);
    expect(subjects(final)).toEqual(["o'brien", 'Gamma']);
    const byNumber = await q(`Activity?$filter=${enc(`Case/Number eq '${cases[1]!.Number}'`)}`);
    expect(byNumber.json.value).toHaveLength(1);
  });

  it('rejects a quoted GUID for a Guid column with 400 type mismatch (community thread 6 #1)', async () => {
    const r = await q(`Activity?$filter=${enc(`CaseId eq '${cases[0]!.Id}'`)}`);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("Found operand types 'Edm.Guid' and 'Edm.String'");
    expect((await q(`Activity?$filter=${enc(`CaseId eq guid'${cases[0]!.Id}'`)}`)).status).toBe(400);
    expect((await q(`Activity?$filter=${enc(`Case/Id eq '${cases[0]!.Id}'`)}`)).status).toBe(400);
  });

  it('rejects other type mismatches, unknown properties and syntax errors with 400', async () => {
    for (const filter of [
      "RegisteredOn gt '2024-01-01'",
      'Subject eq 5',
      'ResponseOverdue eq 1',
      'Nope eq 1',
      "Subject eq 'x' and",
      "Subject eq 'unterminated",
      'Subject',
      "unknownfn(Subject) eq 'x'",
    ]) {
      const r = await q(`Case?$filter=${enc(filter)}`);
      expect([filter, r.status]).toEqual([filter, 400]);
    }
  });

  it('compares with null and the empty GUID', async () => {
    expect((await q(`Case?$filter=${enc('OwnerId eq null')}`)).json.value).toHaveLength(5);
    expect(subjects(await q(`Case?$filter=${enc(`OwnerId eq ${EMPTY_GUID} and Subject eq 'beta'`)}`))).toEqual(['beta']);
    expect((await q(`Case?$filter=${enc(`GroupId ne ${FIRST_LINE_SUPPORT_GROUP_ID}`)}`)).json.value).toHaveLength(0);
  });

  it('supports string functions', async () => {
    expect(subjects(await q(`Case?$filter=${enc("tolower(Subject) eq 'gamma'")}`))).toEqual(['Gamma']);
    expect(subjects(await q(`Case?$filter=${enc("contains(Subject,'et')")}`))).toEqual(['beta', 'zeta']);
    expect(subjects(await q(`Case?$filter=${enc("startswith(Subject,'e') or endswith(Subject,'ta')")}`))).toEqual(['beta', 'delta', 'epsilon', 'zeta']);
  });

  it('is case-sensitive on strings, like PostgreSQL', async () => {
    expect((await q(`Case?$filter=${enc("Subject eq 'gamma'")}`)).json.value).toEqual([]);
  });

  it('orders, skips and takes', async () => {
    const r = await q('Case?$orderby=RegisteredOn desc&$top=3&$skip=1&$select=Subject');
    expect(subjects(r)).toEqual(['epsilon', 'delta', 'Gamma']);
    const multi = await q(`Case?$orderby=StatusId,Subject desc&$select=Subject,StatusId&$filter=${enc(`StatusId eq ${CaseStatus.New}`)}`);
    expect(subjects(multi)).toEqual(['zeta', 'epsilon', 'alpha']);
    const byNav = await q('Case?$orderby=Status/Name asc,Subject&$select=Subject&$top=2');
    expect(subjects(byNav)).toEqual(['Gamma', "o'brien"]);
  });

  it('counts with $count=true, $top=0 and /$count', async () => {
    const r = await q('Case?$count=true&$top=2');
    expect(r.json['@odata.count']).toBe(7);
    expect(r.json.value).toHaveLength(2);
    const only = await q('Case?$count=true&$top=0');
    expect(only.json).toMatchObject({ '@odata.count': 7, value: [] });
    const c = await q(`Case/$count?$filter=${enc('Status/IsFinal eq true')}`);
    expect([c.status, c.text]).toEqual([200, '2']);
    // The row cap applies to pages, not to the count.
    const capped = await q('Case?$count=true');
    expect([capped.json['@odata.count'], capped.json.value.length]).toEqual([7, 5]);
  });

  it('expands a lookup one level, with a nested $select', async () => {
    const r = await q(`Case?$select=Id,Number&$expand=Status($select=Name,IsFinal)&$filter=${enc("Subject eq 'Gamma'")}`);
    expect(r.json['@odata.context']).toBe(`${sim.odataUrl}/$metadata#Case(Id,Number,Status(Name,IsFinal))`);
    expect(r.json.value[0]).toEqual({ Id: cases[3]!.Id, Number: cases[3]!.Number, Status: { Name: 'Canceled', IsFinal: true } });
    const empty = await q(`Case(${cases[0]!.Id})?$select=Id&$expand=Owner,Group($select=Name)`);
    expect(empty.json.Owner).toBeNull();
    expect(empty.json.Group).toEqual({ Name: '1st-line support' });
    expect((await q('Case?$expand=StatusId')).status).toBe(400);
    expect((await q('Case?$expand=Nope')).status).toBe(400);
    expect((await q('Case?$expand=Status($expand=CreatedBy)')).status).toBe(400);
  });

  it('rejects bad query options', async () => {
    expect((await q('Case?$top=-1')).status).toBe(400);
    expect((await q('Case?$top=abc')).status).toBe(400);
    expect((await q('Case?$skip=1.5')).status).toBe(400);
    expect((await q('Case?$count=yes')).status).toBe(400);
    expect((await q('Case?$search=x')).status).toBe(400);
    expect((await q('Case?$top=1&$top=2')).status).toBe(400);
    expect((await q(`Case(${cases[0]!.Id})?$filter=${enc("Subject eq 'x'")}`)).status).toBe(400);
    // Non-$ parameters are ignored.
    expect((await q('Case?foo=bar&$top=1')).status).toBe(200);
  });

  it('lists groups by SysAdminUnitTypeValue', async () => {
    const r = await q(`SysAdminUnit?$filter=${enc('SysAdminUnitTypeValue lt 4')}&$select=Id,Name`);
    expect(r.json.value.map((u: { Name: string }) => u.Name)).toEqual(['All employees', '1st-line support', '2nd-line support']);
  });

  it('resolves stock lookups by name as the client does at startup', async () => {
    const r = await q('CaseStatus?$select=Id,Name,IsFinal,IsResolved,IsPaused');
    expect(r.json.value.find((s: { Name: string }) => s.Name === 'Waiting for response')).toEqual({
      Id: CaseStatus.WaitingForResponse,
      Name: 'Waiting for response',
      IsFinal: false,
      IsResolved: false,
      IsPaused: true,
    });
  });
});
