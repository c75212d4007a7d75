import { randomUUID } from 'node:crypto';
import {
  DuplicateKeyError,
  InvalidLookupError,
  PermissionDeniedError,
  TransientError,
  type CreatioError,
} from '../../../src/creatio/errors';
import type { NewRecord } from '../../../src/creatio/batch';
import { startFakeCreatio, type FakeCreatio } from './support/fake-creatio';
import { json, type RecordedRequest } from './support/http-server';
import { clientFor, CASE_ID } from './support/client';

const CONTACT = '410006e1-ca4e-4502-a9ec-e54d922d2c00';
const BAD_CONTACT = 'deadbeef-0000-4000-8000-000000000000';

function activities(n: number): NewRecord[] {
  return Array.from({ length: n }, (_v, i) => ({ Id: randomUUID(), CaseId: CASE_ID, Title: `message ${i}`, OwnerId: CONTACT }));
}

interface SubRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: { Id: string };
}

function batches(fake: FakeCreatio): Array<{ req: RecordedRequest; subs: SubRequest[] }> {
  return fake
    .odataRequests()
    .filter((r) => r.url === '/0/odata/$batch')
    .map((req) => ({ req, subs: (JSON.parse(req.body) as { requests: SubRequest[] }).requests }));
}

/** How many times each row Id was POSTed across all batches. */
function postCounts(fake: FakeCreatio): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of batches(fake)) for (const s of b.subs) if (s.method === 'POST') counts.set(s.body!.Id, (counts.get(s.body!.Id) ?? 0) + 1);
  return counts;
}

async function failure(p: Promise<unknown>): Promise<CreatioError> {
  try {
    await p;
  } catch (err) {
    return err as CreatioError;
  }
  throw new Error('expected a rejection');
}

describe('$batch and createMany', () => {
  let fake: FakeCreatio;
  beforeEach(async () => {
    fake = await startFakeCreatio();
    fake.foreignKeys = { OwnerId: new Set([CONTACT]) };
  });
  afterEach(() => fake.close());

  describe('batch()', () => {
    it('sends the JSON batch format with service-root-relative URLs and reads every sub-response', async () => {
      const { client, events } = clientFor(fake);
      const caseId = randomUUID();
      const actId = randomUUID();
      const results = await client.batch([
        { method: 'POST', entity: 'Case', body: { Id: caseId, Subject: 'S' } },
        { method: 'POST', entity: 'Activity', body: { Id: actId, CaseId: caseId, OwnerId: CONTACT } },
        { method: 'PATCH', entity: 'Case', id: caseId, body: { Subject: 'T' } },
        { method: 'GET', entity: 'Case', id: caseId, select: ['Id', 'Subject'] },
      ]);
      expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(results[3]).toMatchObject({ status: 200, body: { Id: caseId, Subject: 'T' } });
      const [{ req, subs }] = batches(fake) as [{ req: RecordedRequest; subs: SubRequest[] }];
      expect(req.method).toBe('POST');
      expect(req.headers['prefer']).toBeUndefined();
      expect(subs.map((s) => [s.id, s.method, s.url])).toEqual([
        ['1', 'POST', 'Case'],
        ['2', 'POST', 'Activity'],
        ['3', 'PATCH', `Case(${caseId})`],
        ['4', 'GET', `Case(${caseId})?$select=Id,Subject`],
      ]);
      expect(subs[0]!.headers['Content-Type']).toBe('application/json; charset=utf-8; IEEE754Compatible=true');
      expect(events.filter((e) => e.kind === 'batch')).toEqual([expect.objectContaining({ subRequests: 4, status: 200, entity: undefined })]);
    });

    it('stops at the first failure like Creatio and marks the rest not executed, across 100-item chunks', async () => {
      const { client } = clientFor(fake);
      const rows = activities(150);
      rows[3] = { ...rows[3]!, OwnerId: BAD_CONTACT };
      const results = await client.batch(rows.map((body) => ({ method: 'POST' as const, entity: 'Activity', body })));
      expect(results).toHaveLength(150);
      expect(results.slice(0, 3).every((r) => r.outcome === 'ok')).toBe(true);
      expect(results[3]).toMatchObject({ outcome: 'failed', status: 500 });
      expect((results[3] as { error: CreatioError }).error).toBeInstanceOf(InvalidLookupError);
      expect(results.slice(4).every((r) => r.outcome === 'not_executed')).toBe(true);
      expect(batches(fake)).toHaveLength(1); // the second chunk is never sent
    });

    it('continue-on-error sends Prefer and every chunk; a missing sub-response is not executed', async () => {
      const { client } = clientFor(fake);
      const rows = activities(101);
      fake.batchFaults.push({ kind: 'drop-responses', indexes: [1] });
      const results = await client.batch(rows.map((body) => ({ method: 'POST' as const, entity: 'Activity', body })), { continueOnError: true });
      const sent = batches(fake);
      expect(sent.map((b) => b.subs.length)).toEqual([100, 1]);
      expect(sent.every((b) => b.req.headers['prefer'] === 'continue-on-error')).toBe(true);
      expect(results[1]).toEqual({ outcome: 'not_executed' });
      expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(100);
    });

    it('a whole-batch timeout marks its items unknown, a 403 marks them not executed', async () => {
      const { client } = clientFor(fake, {}, { timeoutMs: 150 });
      fake.batchFaults.push({ kind: 'commit-then-hang' }, { kind: 'status', status: 403 });
      const items = activities(2).map((body) => ({ method: 'POST' as const, entity: 'Activity', body }));
      const first = await client.batch(items);
      expect(first.map((r) => r.outcome)).toEqual(['unknown', 'unknown']);
      const second = await client.batch(items);
      expect(second.map((r) => r.outcome)).toEqual(['not_executed', 'not_executed']);
      expect((second[0] as { error: CreatioError }).error).toBeInstanceOf(PermissionDeniedError);
    });
  });

  describe('createMany()', () => {
    const fast = { retryDelayMs: 5 };

    it('writes >100 rows in order in stop-on-error batches of ≤100, reporting progress per batch', async () => {
      const { client, events } = clientFor(fake);
      const rows = activities(250);
      const progress: number[] = [];
      const result = await client.createMany('Activity', rows, { onProgress: (n) => void progress.push(n), ...fast });
      expect(result).toEqual({ confirmed: 250, alreadyExisted: 0 });
      expect(progress).toEqual([100, 200, 250]);
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
      expect(batches(fake).map((b) => b.subs.length)).toEqual([100, 100, 50]);
      expect(batches(fake).every((b) => b.req.headers['prefer'] === undefined)).toBe(true);
      expect(events.filter((e) => e.kind === 'batch').map((e) => e.subRequests)).toEqual([100, 100, 50]);
    });

    describe('finalUpdate', () => {
      const CASE_STATUS = { StatusId: 'ae7f411e-f46b-1410-009b-0050ba5d6c38' };
      function caseAndActivities(n: number): Array<{ entity: string; body: NewRecord }> {
        return [{ entity: 'Case', body: { Id: CASE_ID, Subject: 'chat' } }, ...activities(n).map((body) => ({ entity: 'Activity', body }))];
      }

      it('goes after the rows in the one request that creates them all', async () => {
        const { client } = clientFor(fake);
        const result = await client.createMany(caseAndActivities(20), { finalUpdate: { entity: 'Case', id: CASE_ID, body: CASE_STATUS }, ...fast });
        expect(result).toEqual({ confirmed: 21, alreadyExisted: 0, finalUpdateApplied: true });
        const sent = batches(fake);
        expect(sent).toHaveLength(1);
        expect(sent[0]!.subs.map((s) => s.method)).toEqual([...Array<string>(21).fill('POST'), 'PATCH']);
        expect(fake.rows('Case')[0]).toMatchObject(CASE_STATUS);
      });

      it('is not sent when the rows need more than one request, nor on a retried attempt', async () => {
        const { client } = clientFor(fake);
        const big = await client.createMany(caseAndActivities(99), { finalUpdate: { entity: 'Case', id: CASE_ID, body: CASE_STATUS }, ...fast });
        expect(big).toEqual({ confirmed: 100, alreadyExisted: 0, finalUpdateApplied: false });
        expect(batches(fake).flatMap((b) => b.subs.map((s) => s.method))).not.toContain('PATCH');
        const again = await client.createMany(caseAndActivities(99).slice(0, 10), {
          verifyExisting: true,
          finalUpdate: { entity: 'Case', id: CASE_ID, body: CASE_STATUS },
          ...fast,
        });
        // The case exists already (new activities): a retried attempt never sends the update.
        expect(again).toEqual({ confirmed: 10, alreadyExisted: 1, finalUpdateApplied: false });
        expect(batches(fake).flatMap((b) => b.subs.map((s) => s.method))).not.toContain('PATCH');
        expect(fake.rows('Case')[0]).not.toHaveProperty('StatusId');
      });

      it('is reported as not applied when a row fails (Creatio skips it) or the update itself fails', async () => {
        const { client } = clientFor(fake);
        const rows = caseAndActivities(5);
        rows[3] = { entity: 'Activity', body: { ...rows[3]!.body, OwnerId: BAD_CONTACT } };
        const err = await failure(client.createMany(rows, { finalUpdate: { entity: 'Case', id: CASE_ID, body: CASE_STATUS }, ...fast }));
        expect(err).toBeInstanceOf(InvalidLookupError);
        expect(fake.rows('Case')[0]).not.toHaveProperty('StatusId');
        const missing = await client.createMany(caseAndActivities(3).slice(1), {
          finalUpdate: { entity: 'Case', id: randomUUID(), body: CASE_STATUS },
          ...fast,
        });
        expect(missing).toMatchObject({ confirmed: 3, finalUpdateApplied: false });
      });
    });

    it('awaits onProgress before sending the next batch', async () => {
      const { client } = clientFor(fake);
      const seen: number[] = [];
      await client.createMany('Activity', activities(150), {
        batchSize: 50,
        onProgress: async (n) => {
          seen.push(n, fake.rows('Activity').length);
          await new Promise((r) => setTimeout(r, 10));
        },
      });
      expect(seen).toEqual([50, 50, 100, 100, 150, 150]);
    });

    it('stops at the first real failure with the typed error and how many rows were confirmed', async () => {
      const { client } = clientFor(fake);
      const rows = activities(160);
      rows[130] = { ...rows[130]!, OwnerId: BAD_CONTACT };
      const progress: number[] = [];
      const err = await failure(client.createMany('Activity', rows, { onProgress: (n) => void progress.push(n), ...fast }));
      expect(err).toBeInstanceOf(InvalidLookupError);
      expect(err).toMatchObject({ column: 'OwnerId', progress: { confirmed: 130, failedIndex: 130 } });
      expect(progress).toEqual([100, 130]);
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.slice(0, 130).map((r) => r.Id));
    });

    it('commit-then-timeout: checks which Ids exist, then re-posts only the rest, in order', async () => {
      const { client } = clientFor(fake, {}, { timeoutMs: 200 });
      const rows = activities(100);
      fake.batchFaults.push({ kind: 'commit-then-hang', commit: 40 });
      const progress: number[] = [];
      const result = await client.createMany('Activity', rows, { onProgress: (n) => void progress.push(n), ...fast });
      expect(result).toEqual({ confirmed: 100, alreadyExisted: 40 });
      expect(progress).toEqual([40, 100]);
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
      const sent = batches(fake);
      expect(sent.map((b) => [b.subs[0]!.method, b.subs.length, b.req.headers['prefer']])).toEqual([
        ['POST', 100, undefined],
        ['GET', 100, 'continue-on-error'],
        ['POST', 60, undefined],
      ]);
      // rows 0..39 were posted exactly once; no row was posted after it was confirmed
      for (const r of rows.slice(0, 40)) expect(postCounts(fake).get(r.Id)).toBe(1);
    });

    it('a 500 of the whole batch after a partial commit is handled the same way', async () => {
      const { client } = clientFor(fake);
      const rows = activities(30);
      fake.batchFaults.push({ kind: 'commit-then-500', commit: 12 });
      await expect(client.createMany('Activity', rows, fast)).resolves.toEqual({ confirmed: 30, alreadyExisted: 12 });
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
      expect(postCounts(fake).get(rows[11]!.Id)).toBe(1);
      expect(postCounts(fake).get(rows[12]!.Id)).toBe(2);
    });

    it('503s are retried (after checking) and then succeed', async () => {
      const { client } = clientFor(fake);
      fake.batchFaults.push({ kind: 'status', status: 503, headers: { 'retry-after': '0' } }, { kind: 'status', status: 503 });
      const rows = activities(5);
      await expect(client.createMany('Activity', rows, fast)).resolves.toEqual({ confirmed: 5, alreadyExisted: 0 });
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
    });

    it('gives up after maxAttempts without progress, with the TransientError and the confirmed count', async () => {
      const { client } = clientFor(fake);
      for (let i = 0; i < 10; i++) fake.batchFaults.push({ kind: 'status', status: 429 });
      const err = await failure(client.createMany('Activity', activities(5), { ...fast, maxAttempts: 3 }));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ status: 429, progress: { confirmed: 0 } });
      // 429 is certain (nothing ran): no existence checks, just 3 posts
      expect(batches(fake).map((b) => b.subs[0]!.method)).toEqual(['POST', 'POST', 'POST']);
    });

    it('does not sleep through a long Retry-After: throws it for the caller (Temporal) to schedule', async () => {
      const { client } = clientFor(fake);
      fake.batchFaults.push({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
      const started = Date.now();
      const err = await failure(client.createMany('Activity', activities(3), fast));
      expect(err).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('duplicate key = success: rows from an earlier attempt are confirmed, the rest re-sent', async () => {
      const { client } = clientFor(fake);
      const rows = activities(20);
      await client.createMany('Activity', rows.slice(0, 8));
      fake.server.requests.length = 0;
      const result = await client.createMany('Activity', rows, fast);
      expect(result).toEqual({ confirmed: 20, alreadyExisted: 8 });
      expect(fake.rows('Activity').map((r) => r.Id)).toEqual(rows.map((r) => r.Id));
      expect(batches(fake).map((b) => `${b.subs[0]!.method}:${b.subs.length}`)).toEqual(['POST:20', 'GET:20', 'POST:12']);
    });

    it('verifyExisting checks first, so a retried attempt does not even collide', async () => {
      const { client } = clientFor(fake);
      const rows = activities(20);
      await client.createMany('Activity', rows.slice(0, 8));
      fake.server.requests.length = 0;
      await expect(client.createMany('Activity', rows, { verifyExisting: true })).resolves.toEqual({ confirmed: 20, alreadyExisted: 8 });
      expect(batches(fake).map((b) => `${b.subs[0]!.method}:${b.subs.length}`)).toEqual(['GET:20', 'POST:12']);
    });

    it('a duplicate key whose row is not there is a real conflict: DuplicateKeyError', async () => {
      const { client } = clientFor(fake);
      let first = true;
      fake.intercept = (r, res) => {
        if (!first || r.url !== '/0/odata/$batch') return false;
        first = false;
        json(res, 200, { responses: [{ id: '1', status: 500, body: { error: { code: '', message: '23505: duplicate key value violates unique constraint "IUActivityNumber"' } } }] });
        return true;
      };
      const err = await failure(client.createMany('Activity', activities(3), fast));
      expect(err).toBeInstanceOf(DuplicateKeyError);
      expect(err.progress).toEqual({ confirmed: 0, failedIndex: 0 });
    });

    it('a dropped sub-response counts as not executed: re-sent, found to exist, confirmed once', async () => {
      const { client } = clientFor(fake);
      const rows = activities(10);
      fake.batchFaults.push({ kind: 'drop-responses', indexes: [5] });
      await expect(client.createMany('Activity', rows, fast)).resolves.toEqual({ confirmed: 10, alreadyExisted: 5 });
      expect(fake.rows('Activity')).toHaveLength(10);
    });

    it('refuses rows without Ids or with repeated Ids before sending', async () => {
      const { client } = clientFor(fake);
      const [a] = activities(1);
      await expect(client.createMany('Activity', [a!, a!])).rejects.toThrow(/same Activity Id twice/);
      await expect(client.createMany('Activity', [{ Title: 'x' } as unknown as NewRecord])).rejects.toThrow(/Id/);
      expect(fake.server.requests).toHaveLength(0);
    });

    it('a whole-batch 403 is thrown at once with progress', async () => {
      const { client } = clientFor(fake);
      fake.batchFaults.push({ kind: 'status', status: 403 });
      const err = await failure(client.createMany('Activity', activities(3), fast));
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect(err.progress).toEqual({ confirmed: 0 });
      expect(batches(fake)).toHaveLength(1);
    });
  });
});
