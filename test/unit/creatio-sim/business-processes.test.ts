import { ActivityType, CaseStatus, EMPTY_GUID } from '../../../src/creatio/stock';
import type { BusinessProcessesOptions, CreatioSimulator, RecordRow } from '../../../src/creatio-sim';
import { getToken, odata, startSim } from './helpers';
import { sleep, startReceiver, type WebhookReceiver } from './webhook-receiver';

const TOKEN_PATH = '/webhooks/creatio/tok_abc123';

function newActivityBody(caseId: string, activityId: string): string {
  return `{"event_type":"new_activity","caseId":"${caseId}","activityId":"${activityId}"}`;
}

describe('creatio-sim business processes (webhooks)', () => {
  let sim: CreatioSimulator;
  let receiver: WebhookReceiver;
  let caseRow: RecordRow;

  async function start(bp: Partial<BusinessProcessesOptions> | undefined): Promise<void> {
    receiver = await startReceiver();
    sim = await startSim(bp === undefined ? {} : { businessProcesses: { url: `${receiver.url}${TOKEN_PATH}`, ...bp } });
    caseRow = sim.insertRecord('Case', { Subject: 'Printer on fire' });
  }

  afterEach(async () => {
    await sim?.close();
    await receiver?.close();
  });

  const caseId = (): string => caseRow.Id as string;
  const agentReply = (typeId: string = ActivityType.Email): RecordRow => sim.insertRecord('Activity', { Title: 'Agent reply', CaseId: caseId(), TypeId: typeId });

  describe('BP #1: agent replies', () => {
    it('POSTs the documented JSON body for an Email activity on a case', async () => {
      await start({ headers: { 'X-Webhook-Token': 'secret-1' } });
      const activity = agentReply();
      const [got] = await receiver.waitFor(1);
      expect(got).toMatchObject({ method: 'POST', path: TOKEN_PATH });
      expect(got!.body).toBe(newActivityBody(caseId(), activity.Id as string));
      expect(got!.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(got!.headers['x-webhook-token']).toBe('secret-1');

      await sim.webhooksSettled();
      const [attempt] = sim.webhookLog();
      expect(attempt).toMatchObject({
        seq: 1,
        run: 1,
        kind: 'agentReply',
        status: 200,
        body: got!.body,
        payload: { event_type: 'new_activity', caseId: caseId(), activityId: activity.Id },
        byUserContactId: sim.agentContactId,
      });
      expect(attempt!.error).toBeUndefined();
      expect(sim.webhookCounts()).toMatchObject({ runs: { agentReply: 1, caseClosure: 0 }, attempts: 1, succeeded: 1, failed: 0, pending: 0 });
    });

    it('fires for Task, not for Call or Visit, and only with a case by default', async () => {
      await start({});
      agentReply(ActivityType.Call);
      agentReply(ActivityType.Visit);
      sim.insertRecord('Activity', { Title: 'No case', TypeId: ActivityType.Email });
      const task = agentReply(ActivityType.Task);
      await receiver.waitFor(1);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received.map((r) => r.body)).toEqual([newActivityBody(caseId(), task.Id as string)]);
      expect(sim.webhookCounts().runs.agentReply).toBe(1);
    });

    it('honours custom type names, [] for any type, and onlyWithCase: false (empty GUID)', async () => {
      await start({ agentReply: { activityTypeNames: ['Call'] } });
      agentReply(ActivityType.Email);
      const call = agentReply(ActivityType.Call);
      await receiver.waitFor(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ activityId: call.Id });

      sim.setBusinessProcesses({ url: `${receiver.url}${TOKEN_PATH}`, agentReply: { activityTypeNames: [], onlyWithCase: false } });
      const visit = agentReply(ActivityType.Visit);
      const loose = sim.insertRecord('Activity', { Title: 'No case', TypeId: ActivityType.Task });
      await receiver.waitFor(3);
      await sim.webhooksSettled();
      const bodies = receiver.received.slice(1).map((r) => JSON.parse(r.body) as Record<string, string>);
      expect(bodies).toEqual(
        expect.arrayContaining([
          { event_type: 'new_activity', caseId: caseId(), activityId: visit.Id },
          { event_type: 'new_activity', caseId: EMPTY_GUID, activityId: loose.Id },
        ]),
      );
    });

    it("fires for the integration's own activities unless excludeClientUsers is on", async () => {
      await start({});
      const token = await getToken(sim);
      const own = await odata(sim, token, 'POST', 'Activity', { Title: 'Customer: hello', CaseId: caseId(), TypeId: ActivityType.Email });
      expect(own.status).toBe(201);
      const batched = await odata(sim, token, 'POST', '$batch', {
        requests: [{ id: '1', method: 'POST', url: 'Activity', body: { Title: 'AI: hi', CaseId: caseId(), TypeId: ActivityType.Task } }],
      });
      expect(batched.json.responses[0].status).toBe(201);
      await receiver.waitFor(2);
      await sim.webhooksSettled();
      const clientContact = sim.clients[0]!.userContactId;
      expect(sim.webhookLog().map((a) => a.byUserContactId)).toEqual([clientContact, clientContact]);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { activityId: string }).activityId).sort()).toEqual(
        [own.json.Id as string, batched.json.responses[0].body.Id as string].sort(),
      );

      sim.setBusinessProcesses({ url: `${receiver.url}${TOKEN_PATH}`, agentReply: { excludeClientUsers: true } });
      expect((await odata(sim, token, 'POST', 'Activity', { Title: 'Customer: again', CaseId: caseId(), TypeId: ActivityType.Email })).status).toBe(201);
      // An agent acting as the integration's contact counts as the integration too.
      sim.insertRecord('Activity', { Title: 'x', CaseId: caseId(), TypeId: ActivityType.Email }, { asUserContactId: clientContact });
      const agent = agentReply();
      await receiver.waitFor(3);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received).toHaveLength(3);
      expect(receiver.received[2]!.body).toBe(newActivityBody(caseId(), agent.Id as string));
    });

    it('can be disabled on its own', async () => {
      await start({ agentReply: { enabled: false } });
      agentReply();
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
      await receiver.waitFor(1);
      await sim.webhooksSettled();
      expect(sim.webhookLog().map((a) => a.kind)).toEqual(['caseClosure']);
    });
  });

  describe('BP #2: case closure', () => {
    it('POSTs the documented body when the status changes to Resolved', async () => {
      await start({});
      const updated = sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
      const [got] = await receiver.waitFor(1);
      expect(got!.body).toBe(
        `{"event_type":"case_status_changed","caseId":"${caseId()}","statusId":"${CaseStatus.Resolved}","modifiedOn":"${String(updated.ModifiedOn)}"}`,
      );
      expect(updated.ModifiedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('fires only on a status change to a matching status (resolved_or_final by default)', async () => {
      await start({});
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.InProgress });
      sim.updateRecord('Case', caseId(), { Subject: 'Printer still on fire' });
      sim.insertRecord('Case', { Subject: 'Born resolved', StatusId: CaseStatus.Resolved });
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
      sim.updateRecord('Case', caseId(), { Subject: 'Resolved, edited' });
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Closed });
      await receiver.waitFor(2);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { statusId: string }).statusId)).toEqual([CaseStatus.Resolved, CaseStatus.Closed]);
    });

    it.each([
      ['resolved', [CaseStatus.Resolved]],
      ['final', [CaseStatus.Closed, CaseStatus.Canceled]],
    ] as const)('statusFilter %s', async (statusFilter, expected) => {
      await start({ caseClosure: { statusFilter } });
      const other = sim.insertRecord('Case', { Subject: 'Second' }).Id as string;
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Closed });
      sim.updateRecord('Case', other, { StatusId: CaseStatus.Canceled });
      await receiver.waitFor(expected.length);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { statusId: string }).statusId).sort()).toEqual([...expected].sort());
    });

    it('fires for status changes through the API (the integration resolving a case) unless excluded', async () => {
      await start({});
      const token = await getToken(sim);
      expect((await odata(sim, token, 'PATCH', `Case(${caseId()})`, { StatusId: CaseStatus.Resolved })).status).toBe(204);
      await receiver.waitFor(1);
      sim.setBusinessProcesses({ url: `${receiver.url}${TOKEN_PATH}`, caseClosure: { excludeClientUsers: true } });
      expect((await odata(sim, token, 'PATCH', `Case(${caseId()})`, { StatusId: CaseStatus.Closed })).status).toBe(204);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received).toHaveLength(1);
    });
  });

  it('sends the same keys as form data with format: form', async () => {
    await start({ format: 'form' });
    const activity = agentReply();
    const updated = sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
    await receiver.waitFor(2);
    for (const r of receiver.received) expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const forms = receiver.received.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms).toEqual(
      expect.arrayContaining([
        { event_type: 'new_activity', caseId: caseId(), activityId: activity.Id },
        { event_type: 'case_status_changed', caseId: caseId(), statusId: CaseStatus.Resolved, modifiedOn: updated.ModifiedOn },
      ]),
    );
    const closure = receiver.received.find((r) => r.body.startsWith('event_type=case_status_changed'))!;
    expect(closure.body).toBe(
      `event_type=case_status_changed&caseId=${caseId()}&statusId=${CaseStatus.Resolved}&modifiedOn=${encodeURIComponent(String(updated.ModifiedOn))}`,
    );
  });

  describe('configuration', () => {
    it('is off until set, can be set and replaced at runtime, and turned off', async () => {
      await start(undefined);
      expect(sim.businessProcesses()).toBeUndefined();
      agentReply();
      await sleep(50);
      expect(sim.webhookCounts().runs.agentReply).toBe(0);

      sim.setBusinessProcesses({ url: `${receiver.url}/first` });
      expect(sim.businessProcesses()).toEqual({
        url: `${receiver.url}/first`,
        headers: {},
        format: 'json',
        agentReply: { enabled: true, activityTypeNames: ['Email', 'Task'], onlyWithCase: true, excludeClientUsers: false },
        caseClosure: { enabled: true, statusFilter: 'resolved_or_final', excludeClientUsers: false },
        timeoutMs: 10000,
        retries: 0,
        retryDelayMs: 1000,
      });
      agentReply();
      await receiver.waitFor(1);
      sim.setBusinessProcesses({ url: `${receiver.url}/second` });
      agentReply();
      await receiver.waitFor(2);
      expect(receiver.received.map((r) => r.path)).toEqual(['/first', '/second']);

      sim.setBusinessProcesses(undefined);
      agentReply();
      await sleep(50);
      expect(receiver.received).toHaveLength(2);
    });

    it('rejects invalid options', async () => {
      await start(undefined);
      expect(() => sim.setBusinessProcesses({ url: 'not a url' })).toThrow(/absolute URL/);
      expect(() => sim.setBusinessProcesses({ url: 'ftp://x/y' })).toThrow(/http or https/);
      expect(() => sim.setBusinessProcesses({ url: 'http://x/y', format: 'xml' as 'json' })).toThrow(/format/);
      expect(() => sim.setBusinessProcesses({ url: 'http://x/y', caseClosure: { statusFilter: 'closed' as 'final' } })).toThrow(/statusFilter/);
      await expect(startSim({ businessProcesses: { url: '/relative' } })).rejects.toThrow(/absolute URL/);
      expect(() => sim.webhookControls({ dropNext: -1 })).toThrow(/dropNext/);
      expect(() => sim.webhookControls({ delay: 5 } as unknown as { delayMs: number })).toThrow(/unknown webhook control/);
    });
  });

  describe('test controls', () => {
    it('delayMs postpones delivery; the OData request returns first', async () => {
      await start({});
      sim.webhookControls({ delayMs: 300 });
      const token = await getToken(sim);
      const before = Date.now();
      const r = await odata(sim, token, 'POST', 'Activity', { Title: 'x', CaseId: caseId(), TypeId: ActivityType.Email });
      const answeredAt = Date.now();
      expect(r.status).toBe(201);
      expect(receiver.received).toHaveLength(0);
      expect(sim.webhookCounts().pending).toBe(1);
      const [got] = await receiver.waitFor(1);
      expect(got!.at - before).toBeGreaterThanOrEqual(290);
      expect(got!.at).toBeGreaterThanOrEqual(answeredAt);
    });

    it('dropNext loses runs without sending them', async () => {
      await start({});
      expect(sim.webhookControls({ dropNext: 1 })).toEqual({ delayMs: 0, dropNext: 1, duplicateNext: 0, holdAndReorder: false });
      const lost = agentReply();
      const kept = agentReply();
      await receiver.waitFor(1);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received.map((r) => r.body)).toEqual([newActivityBody(caseId(), kept.Id as string)]);
      const dropped = sim.webhookLog().find((a) => a.dropped);
      expect(dropped).toMatchObject({ run: 1, body: newActivityBody(caseId(), lost.Id as string), dropped: true });
      expect(dropped!.status).toBeUndefined();
      expect(sim.webhookControls().dropNext).toBe(0);
      expect(sim.webhookCounts()).toMatchObject({ dropped: 1, attempts: 1, succeeded: 1 });
    });

    it('duplicateNext sends a run twice', async () => {
      await start({});
      sim.webhookControls({ duplicateNext: 1 });
      const activity = agentReply();
      agentReply();
      await receiver.waitFor(3);
      await sim.webhooksSettled();
      await sleep(50);
      expect(receiver.received).toHaveLength(3);
      const body = newActivityBody(caseId(), activity.Id as string);
      expect(receiver.received.filter((r) => r.body === body)).toHaveLength(2);
      const copies = sim.webhookLog().filter((a) => a.run === 1);
      expect(copies).toHaveLength(2);
      expect(copies.filter((a) => a.duplicated)).toHaveLength(1);
      expect(sim.webhookCounts()).toMatchObject({ duplicated: 1, attempts: 3, runs: { agentReply: 2 } });
    });

    it('holdAndReorder queues deliveries and releases them newest first', async () => {
      await start({});
      sim.webhookControls({ holdAndReorder: true });
      const ids = [agentReply(), agentReply()].map((a) => a.Id as string);
      sim.updateRecord('Case', caseId(), { StatusId: CaseStatus.Resolved });
      await sleep(100);
      expect(receiver.received).toHaveLength(0);
      expect(sim.webhookCounts()).toMatchObject({ held: 3, pending: 0 });

      const released = await sim.releaseWebhooks();
      expect(released.map((a) => a.run)).toEqual([3, 2, 1]);
      expect(receiver.received.map((r) => JSON.parse(r.body) as { event_type: string; activityId?: string })).toEqual([
        expect.objectContaining({ event_type: 'case_status_changed' }),
        expect.objectContaining({ activityId: ids[1] }),
        expect.objectContaining({ activityId: ids[0] }),
      ]);
      expect(sim.webhookControls().holdAndReorder).toBe(false);
      expect(sim.webhookCounts().held).toBe(0);

      // Holding has ended: the next one goes straight out.
      agentReply();
      await receiver.waitFor(4);
    });

    it('turning holdAndReorder off releases the queue too', async () => {
      await start({});
      sim.webhookControls({ holdAndReorder: true });
      agentReply();
      agentReply();
      sim.webhookControls({ holdAndReorder: false });
      await receiver.waitFor(2);
      await sim.webhooksSettled();
      expect(sim.webhookLog().map((a) => a.run)).toEqual([2, 1]);
    });
  });

  describe('failures', () => {
    it('a failing receiver is not retried and does not affect the request that triggered it', async () => {
      await start({});
      receiver.behaviour = { status: 500 };
      const token = await getToken(sim);
      const r = await odata(sim, token, 'POST', 'Activity', { Title: 'x', CaseId: caseId(), TypeId: ActivityType.Email });
      expect(r.status).toBe(201);
      await receiver.waitFor(1);
      await sim.webhooksSettled();
      await sleep(200);
      expect(receiver.received).toHaveLength(1);
      expect(sim.webhookLog()).toEqual([expect.objectContaining({ status: 500, responseBody: '{"ok":false}' })]);
      expect(sim.webhookCounts()).toMatchObject({ attempts: 1, failed: 1, retried: 0 });
      expect(sim.getRecord('Activity', r.json.Id as string)).toBeDefined();
    });

    it('a slow receiver does not slow the request down', async () => {
      await start({ timeoutMs: 5000 });
      receiver.behaviour = { status: 200, delayMs: 1500 };
      const token = await getToken(sim);
      const started = Date.now();
      const r = await odata(sim, token, 'PATCH', `Case(${caseId()})`, { StatusId: CaseStatus.Resolved });
      expect(r.status).toBe(204);
      expect(Date.now() - started).toBeLessThan(1000);
      await receiver.waitFor(1);
      expect(sim.webhookCounts().pending).toBe(1);
      await sim.webhooksSettled();
      expect(sim.webhookLog()[0]).toMatchObject({ status: 200 });
    });

    it('a refused connection, a dropped connection and a timeout are logged as errors', async () => {
      await start({ timeoutMs: 200 });
      receiver.behaviour = { status: 200, destroy: true };
      agentReply();
      await receiver.waitFor(1);
      await sim.webhooksSettled();
      receiver.behaviour = { status: 200, delayMs: 1000 };
      agentReply();
      await receiver.waitFor(2);
      await sim.webhooksSettled();
      const deadUrl = receiver.url;
      await receiver.close();
      sim.setBusinessProcesses({ url: `${deadUrl}${TOKEN_PATH}` });
      const r = sim.insertRecord('Activity', { Title: 'x', CaseId: caseId(), TypeId: ActivityType.Task });
      expect(r.Id).toBeDefined();
      await sim.webhooksSettled();
      const log = sim.webhookLog();
      expect(log).toHaveLength(3);
      for (const a of log) {
        expect(a.status).toBeUndefined();
        expect(typeof a.error).toBe('string');
      }
      expect(log[1]!.error).toBe('timed out after 200 ms');
      expect(log[2]!.error).toMatch(/ECONNREFUSED/);
      expect(sim.webhookCounts()).toMatchObject({ attempts: 3, failed: 3, retried: 0 });
    });

    it('retries only when asked to (not Creatio behaviour)', async () => {
      await start({ retries: 2, retryDelayMs: 20 });
      receiver.behaviour = { status: 503 };
      agentReply();
      await receiver.waitFor(3);
      await sim.webhooksSettled();
      expect(sim.webhookLog().map((a) => [a.status, a.retry])).toEqual([
        [503, undefined],
        [503, 1],
        [503, 2],
      ]);
      expect(sim.webhookCounts()).toMatchObject({ attempts: 3, failed: 3, retried: 2, runs: { agentReply: 1 } });
    });

    it('close() does not wait for held or in-flight deliveries', async () => {
      await start({});
      receiver.behaviour = { status: 200, delayMs: 5000 };
      agentReply();
      await receiver.waitFor(1);
      sim.webhookControls({ holdAndReorder: true });
      agentReply();
      const started = Date.now();
      await sim.close();
      expect(Date.now() - started).toBeLessThan(1000);
      await sleep(20);
      // The held one is discarded; the in-flight one is aborted.
      expect(sim.webhookLog()).toEqual([expect.objectContaining({ error: 'aborted: simulator closed' })]);
    });
  });
});

describe('creatio-sim business processes through the control API', () => {
  let sim: CreatioSimulator;
  let receiver: WebhookReceiver;
  afterEach(async () => {
    await sim?.close();
    await receiver?.close();
  });

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const init: RequestInit = { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${sim.url}/__sim${path}`, init);
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('sets processes and controls, releases, settles and reports', async () => {
    receiver = await startReceiver();
    sim = await startSim({ controlApi: true });
    expect(await control('GET', '/business-processes')).toEqual({ status: 200, json: null });
    const url = `${receiver.url}${TOKEN_PATH}`;
    const put = await control('PUT', '/business-processes', { url, format: 'form', headers: { 'X-Webhook-Token': 't' } });
    expect(put).toMatchObject({ status: 200, json: { url, format: 'form', headers: { 'X-Webhook-Token': 't' } } });
    expect((await control('GET', '')).json).toMatchObject({ businessProcesses: { url } });
    expect((await control('PUT', '/business-processes', { url: 'nope' })).status).toBe(400);

    expect(await control('PUT', '/webhooks/controls', { holdAndReorder: true, duplicateNext: 1 })).toEqual({
      status: 200,
      json: { delayMs: 0, dropNext: 0, duplicateNext: 1, holdAndReorder: true },
    });
    expect((await control('PUT', '/webhooks/controls', { dropNext: 'x' })).status).toBe(400);
    const c = await control('POST', '/records/Case', { Subject: 'Via control' });
    const caseId = (c.json as { Id: string }).Id;
    await control('POST', '/records/Activity', { Title: 'Reply', CaseId: caseId, TypeId: ActivityType.Email });
    expect((await control('GET', '/webhooks/counts')).json).toMatchObject({ held: 2, duplicated: 1 });

    const released = await control('POST', '/webhooks/release');
    expect(released.status).toBe(200);
    expect(released.json).toEqual([expect.objectContaining({ status: 200, duplicated: true }), expect.objectContaining({ status: 200 })]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.headers['x-webhook-token']).toBe('t');

    await control('PATCH', `/records/Case/${caseId}`, { StatusId: CaseStatus.Closed });
    expect(await control('POST', '/webhooks/settle', { timeoutMs: 5000 })).toMatchObject({ status: 200, json: { attempts: 3, pending: 0 } });
    const log = (await control('GET', '/webhooks/log')).json as Array<{ kind: string }>;
    expect(log.map((a) => a.kind)).toEqual(['agentReply', 'agentReply', 'caseClosure']);

    expect((await control('DELETE', '/webhooks/log')).status).toBe(204);
    expect((await control('GET', '/webhooks/log')).json).toEqual([]);
    expect((await control('DELETE', '/business-processes')).status).toBe(204);
    expect(sim.businessProcesses()).toBeUndefined();
    expect((await control('PUT', '/business-processes', null)).json).toBeNull();
    expect((await control('GET', '/webhooks/nope')).status).toBe(404);
  });

  it('settle answers 504 when deliveries are still pending', async () => {
    receiver = await startReceiver({ status: 200, delayMs: 2000 });
    sim = await startSim({ controlApi: true, businessProcesses: { url: `${receiver.url}${TOKEN_PATH}` } });
    const c = sim.insertRecord('Case', { Subject: 'x' });
    sim.insertRecord('Activity', { Title: 'Reply', CaseId: c.Id, TypeId: ActivityType.Email });
    await receiver.waitFor(1);
    expect((await control('POST', '/webhooks/settle', { timeoutMs: 100 })).status).toBe(504);
  });
});
