import {
  ConfigurationError,
  CredentialsRejectedError,
  DuplicateKeyError,
  InvalidLookupError,
  NotFoundError,
  PermissionDeniedError,
  TransientError,
  UnexpectedHtmlError,
  ValidationError,
  type CreatioError,
} from '../../../src/creatio/errors';
import { lookupEq } from '../../../src/creatio/odata';
import { startFakeCreatio, CLIENT_SECRET, type FakeCreatio } from './support/fake-creatio';
import { hang, html, json, odataError, noContent, type RecordedRequest } from './support/http-server';
import { clientFor, CASE_ID, OTHER_ID } from './support/client';
import type { ServerResponse } from 'node:http';

const CONTACT = '410006e1-ca4e-4502-a9ec-e54d922d2c00';
const STATUS = 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38';
const SECRET_TEXT = 'Customer says: my card 4111 is stolen';

async function failure(p: Promise<unknown>): Promise<CreatioError> {
  try {
    await p;
  } catch (err) {
    return err as CreatioError;
  }
  throw new Error('expected a rejection');
}

describe('Creatio client', () => {
  let fake: FakeCreatio;
  beforeEach(async () => {
    fake = await startFakeCreatio();
    fake.store.set('Case', new Map([[CASE_ID, { Id: CASE_ID, Number: 'SR00000001' }]]));
  });
  afterEach(() => fake.close());

  /** Answer OData requests matching `when` with `reply` (auth is still checked first). */
  function on(when: (r: RecordedRequest) => boolean, reply: (res: ServerResponse, r: RecordedRequest) => void): void {
    fake.intercept = (r, res) => {
      if (!when(r)) return false;
      reply(res, r);
      return true;
    };
  }
  const posts = (entity: string): RecordedRequest[] => fake.odataRequests().filter((r) => r.method === 'POST' && r.url === `/0/odata/${entity}`);

  describe('requests', () => {
    it('sends Bearer, Accept and the IEEE754 content type, and never BPMCSRF or cookies', async () => {
      const { client } = clientFor(fake);
      await client.get('Case', CASE_ID.toUpperCase(), { select: ['Id', 'Number'] });
      await client.update('Case', CASE_ID, { Subject: 'x' });
      const [get, patch] = fake.odataRequests();
      expect(get!.url).toBe(`/0/odata/Case(${CASE_ID})?$select=Id,Number`);
      expect(get!.headers).toMatchObject({ authorization: 'Bearer tok-1', accept: 'application/json' });
      expect(get!.headers['content-type']).toBeUndefined();
      expect(patch!.method).toBe('PATCH');
      expect(patch!.headers['content-type']).toBe('application/json; charset=utf-8; IEEE754Compatible=true');
      expect(JSON.parse(patch!.body)).toEqual({ Subject: 'x' });
      for (const r of fake.odataRequests()) {
        expect(r.headers['bpmcsrf']).toBeUndefined();
        expect(r.headers['cookie']).toBeUndefined();
        expect(r.headers['forceusesession']).toBeUndefined();
      }
    });

    it('honours the /odata base path (.NET 8 on-site)', async () => {
      const { client } = clientFor(fake, { odataBasePath: '/odata' });
      await expect(client.get('Case', CASE_ID)).rejects.toThrow(/OData base path/); // fake serves /0/odata only
      expect(fake.server.requests.at(-1)!.url).toBe(`/odata/Case(${CASE_ID})`);
    });

    it('queries with encoded options and reads @odata.count sent as a string', async () => {
      on((r) => r.url.startsWith('/0/odata/Activity?'), (res) => json(res, 200, { value: [{ Id: OTHER_ID }], '@odata.count': '12' }));
      const { client } = clientFor(fake);
      const page = await client.query('Activity', { filter: lookupEq('Case', CASE_ID), select: ['Id'], top: 1, count: true });
      expect(page).toEqual({ value: [{ Id: OTHER_ID }], count: 12 });
      expect(fake.odataRequests()[0]!.rawUrl).toBe(`/0/odata/Activity?$filter=Case%2FId%20eq%20${CASE_ID}&$select=Id&$top=1&$count=true`);
      await expect(client.count('Activity', { filter: lookupEq('Case', CASE_ID) })).resolves.toBe(12);
      expect(fake.odataRequests()[1]!.url).toContain('$top=0&$count=true');
    });

    it('reports each HTTP request to onRequest with kind, entity, status and purpose', async () => {
      const { client, events } = clientFor(fake);
      await client.get('Case', CASE_ID, { purpose: 'backstop' });
      await client.delete('Case', CASE_ID).catch(() => undefined);
      expect(events.map(({ durationMs: _d, ...e }) => e)).toEqual([
        { kind: 'token', status: 200, purpose: 'backstop' },
        { kind: 'read', entity: 'Case', status: 200, purpose: 'backstop', subRequests: undefined },
        { kind: 'delete', entity: 'Case', status: 405, purpose: undefined, subRequests: undefined },
      ]);
    });
  });

  describe('401 handling', () => {
    it('a 401 drops the token, fetches one new token and retries once', async () => {
      const { client } = clientFor(fake);
      await client.get('Case', CASE_ID);
      fake.revokeAll(); // token expired on Creatio's side
      await expect(client.get('Case', CASE_ID)).resolves.toMatchObject({ Id: CASE_ID });
      expect(fake.tokenRequests()).toHaveLength(2);
      expect(fake.odataRequests().map((r) => r.headers['authorization'])).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    });

    it('10 parallel requests hitting 401 share one refresh', async () => {
      const { client } = clientFor(fake);
      await client.getToken();
      fake.revokeAll();
      await Promise.all(Array.from({ length: 10 }, () => client.get('Case', CASE_ID)));
      expect(fake.tokenRequests()).toHaveLength(2);
    });

    it('a second 401 is CredentialsRejectedError, not a loop', async () => {
      on(() => true, (res) => {
        res.writeHead(401);
        res.end();
      });
      const { client } = clientFor(fake);
      const err = await failure(client.get('Case', CASE_ID));
      expect(err).toBeInstanceOf(CredentialsRejectedError);
      expect(err.message).toMatch(/OData rejected a token the Identity Service had just issued/);
      expect(fake.odataRequests()).toHaveLength(2);
      expect(fake.tokenRequests()).toHaveLength(2);
    });

    it('a 302 to the login page is not followed: one refresh, then UnexpectedHtmlError', async () => {
      on((r) => r.url.startsWith('/0/odata/'), (res) => {
        res.writeHead(302, { location: '/Login/NuiLogin.aspx?ReturnUrl=%2f0%2fodata' });
        res.end();
      });
      const { client } = clientFor(fake);
      const err = await failure(client.get('Case', CASE_ID));
      expect(err).toBeInstanceOf(UnexpectedHtmlError);
      expect(err.message).toMatch(/login page/);
      expect(fake.server.requests.some((r) => r.url.startsWith('/Login'))).toBe(false);
      expect(fake.odataRequests()).toHaveLength(2);
      expect(fake.tokenRequests()).toHaveLength(2);
    });
  });

  describe('error classification', () => {
    const table: Array<{
      name: string;
      reply: (res: ServerResponse) => void;
      call: 'get' | 'create' | 'update' | 'query' | 'delete';
      expect: (e: CreatioError) => void;
    }> = [
      {
        name: '400 unknown property → ValidationError naming the column, with Creatio’s message',
        reply: (res) => odataError(res, 400, "The property 'ResolutionComment' does not exist on type 'Terrasoft.Configuration.Case'."),
        call: 'update',
        expect: (e) => {
          expect(e).toBeInstanceOf(ValidationError);
          expect(e).toMatchObject({ column: 'ResolutionComment', retryable: false, status: 400 });
          expect(e.message).toContain("The property 'ResolutionComment' does not exist");
        },
      },
      {
        name: '403 → PermissionDeniedError naming entity and operation',
        reply: (res) => odataError(res, 403, 'Access denied'),
        call: 'update',
        expect: (e) => {
          expect(e).toBeInstanceOf(PermissionDeniedError);
          expect(e).toMatchObject({ entity: 'Case', operation: 'update', retryable: false });
          expect(e.message).toMatch(/update Case/);
        },
      },
      {
        name: '403 on read names the read operation',
        reply: (res) => odataError(res, 403, 'Access denied'),
        call: 'query',
        expect: (e) => expect(e).toMatchObject({ kind: 'permission_denied', entity: 'Case', operation: 'read' }),
      },
      {
        name: '404 on a key → NotFoundError',
        reply: (res) => odataError(res, 404, 'Not found'),
        call: 'get',
        expect: (e) => {
          expect(e).toBeInstanceOf(NotFoundError);
          expect(e).toMatchObject({ entity: 'Case', id: CASE_ID, retryable: false });
        },
      },
      {
        name: '404 on a collection → ConfigurationError (base path or entity name)',
        reply: (res) => odataError(res, 404, 'Not found'),
        call: 'query',
        expect: (e) => expect(e).toBeInstanceOf(ConfigurationError),
      },
      {
        name: '500 foreign key (PostgreSQL detail) → InvalidLookupError naming the column',
        reply: (res) =>
          odataError(res, 500, `23503: insert or update on table "Case" violates foreign key constraint "FKq8Zr3kXwB0" Key (OwnerId)=(${OTHER_ID}) is not present in table "Contact".`),
        call: 'create',
        expect: (e) => {
          expect(e).toBeInstanceOf(InvalidLookupError);
          expect(e).toMatchObject({ column: 'OwnerId', retryable: false, status: 500 });
          expect(e.message).toMatch(/lookup column OwnerId/);
        },
      },
      {
        name: '500 foreign key (MSSQL, referenced table) → the sent lookup pointing at that table',
        reply: (res) =>
          odataError(res, 500, 'The INSERT statement conflicted with the FOREIGN KEY constraint "FKjl2Vr8W0pZ". The conflict occurred in database "crm", table "dbo.CaseStatus", column \'Id\'.'),
        call: 'create',
        expect: (e) => expect(e).toMatchObject({ kind: 'invalid_lookup', column: 'StatusId' }),
      },
      {
        name: '500 foreign key with a hashed constraint and two lookups sent → no guess, both listed',
        reply: (res) => odataError(res, 500, 'Terrasoft.Common.DbOperationException: 23503: insert or update on table "Case" violates foreign key constraint "FKq8Zr3kXwB0"'),
        call: 'create',
        expect: (e) => {
          expect(e).toBeInstanceOf(InvalidLookupError);
          expect((e as InvalidLookupError).column).toBeUndefined();
          expect(e.message).toMatch(/one of the lookup columns \(OwnerId, StatusId\)/);
        },
      },
      {
        name: '500 foreign key on an update: the only lookup in the patch',
        reply: (res) => odataError(res, 500, '23503: insert or update on table "Case" violates foreign key constraint "FKq8Zr3kXwB0"'),
        call: 'update',
        expect: (e) => expect(e).toMatchObject({ kind: 'invalid_lookup', column: 'GroupId' }),
      },
      {
        name: '400 with foreign-key text (simulator configured for 400) → InvalidLookupError',
        reply: (res) => odataError(res, 400, '23503: insert or update on table "Case" violates foreign key constraint "FK_Case_OwnerId"'),
        call: 'create',
        expect: (e) => expect(e).toMatchObject({ kind: 'invalid_lookup', column: 'OwnerId', status: 400 }),
      },
      {
        name: '500 foreign key on a delete (record still referenced) → ValidationError, not an invalid lookup',
        reply: (res) =>
          odataError(res, 500, `23503: update or delete on table "Case" violates foreign key constraint "FKx1" on table "Activity" Key ("Id")=(${CASE_ID}) is still referenced from table "Activity".`),
        call: 'delete',
        expect: (e) => {
          expect(e).toBeInstanceOf(ValidationError);
          expect(e).not.toBeInstanceOf(InvalidLookupError);
          expect(e.message).toMatch(/still reference/);
        },
      },
      {
        name: '500 value too long → ValidationError without echoing the value',
        reply: (res) => odataError(res, 500, `22001: value too long for type character varying(250) Truncated value: '${SECRET_TEXT}'`),
        call: 'update',
        expect: (e) => {
          expect(e).toBeInstanceOf(ValidationError);
          expect(e.retryable).toBe(false);
          expect(e.message).not.toContain('4111');
        },
      },
      {
        name: 'any other 500 → TransientError',
        reply: (res) => odataError(res, 500, 'Object reference not set to an instance of an object.'),
        call: 'update',
        expect: (e) => expect(e).toMatchObject({ kind: 'transient', retryable: true, status: 500 }),
      },
      {
        name: '429 with Retry-After seconds → TransientError.retryAfterMs',
        reply: (res) => json(res, 429, {}, { 'retry-after': '7' }),
        call: 'get',
        expect: (e) => expect(e).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 7000 }),
      },
      {
        name: '502 and 504 → TransientError',
        reply: (res) => json(res, 502, {}),
        call: 'query',
        expect: (e) => expect(e).toMatchObject({ kind: 'transient', status: 502, retryAfterMs: undefined }),
      },
      {
        name: '503 maintenance HTML page with Retry-After date → TransientError (status wins, Retry-After kept)',
        reply: (res) => html(res, 503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }),
        call: 'get',
        expect: (e) => {
          expect(e).toBeInstanceOf(TransientError);
          const ms = (e as TransientError).retryAfterMs!;
          expect(ms).toBeGreaterThan(115_000);
          expect(ms).toBeLessThanOrEqual(120_000);
          expect(e.message).toMatch(/HTML/);
        },
      },
      {
        name: '200 with an HTML page → UnexpectedHtmlError (after one re-authentication)',
        reply: (res) => html(res, 200),
        call: 'get',
        expect: (e) => {
          expect(e).toBeInstanceOf(UnexpectedHtmlError);
          expect(fake.tokenRequests()).toHaveLength(2);
        },
      },
      {
        name: '403 HTML (proxy page) → UnexpectedHtmlError',
        reply: (res) => html(res, 403),
        call: 'update',
        expect: (e) => expect(e).toMatchObject({ kind: 'unexpected_html', status: 403 }),
      },
      {
        name: '200 with non-JSON text on a read → UnexpectedHtmlError, no parse crash',
        reply: (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"truncated": ');
        },
        call: 'get',
        expect: (e) => expect(e).toBeInstanceOf(UnexpectedHtmlError),
      },
    ];

    it.each(table)('$name', async ({ reply, call, expect: check }) => {
      on((r) => r.url.startsWith('/0/odata/Case'), (res) => reply(res));
      const { client } = clientFor(fake);
      const err = await failure(
        call === 'get'
          ? client.get('Case', CASE_ID)
          : call === 'query'
            ? client.query('Case', { top: 1 })
            : call === 'delete'
              ? client.delete('Case', CASE_ID)
              : call === 'update'
                ? client.update('Case', CASE_ID, { GroupId: OTHER_ID, Subject: SECRET_TEXT })
                : client.create('Case', { Id: OTHER_ID, Subject: SECRET_TEXT, OwnerId: CONTACT, StatusId: STATUS }),
      );
      check(err);
      expect(err.message).not.toContain(SECRET_TEXT);
      expect(err.message).not.toContain(CLIENT_SECRET);
      expect(err.message).not.toMatch(/tok-\d/);
    });

    it('a hung request times out as TransientError after the per-request timeout', async () => {
      on(() => true, () => hang());
      const { client } = clientFor(fake, {}, { timeoutMs: 150 });
      const started = Date.now();
      const err = await failure(client.get('Case', CASE_ID));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toMatch(/within 150 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('a per-call timeout overrides the default', async () => {
      on(() => true, () => hang());
      const { client } = clientFor(fake, {}, { timeoutMs: 10_000 });
      await expect(client.get('Case', CASE_ID, { timeoutMs: 100 })).rejects.toThrow(/within 100 ms/);
    });
  });

  describe('create', () => {
    const NEW_ID = '9d3e2f10-0000-4000-8000-000000000001';

    it('POSTs the record with its Id and returns the 201 entity', async () => {
      const { client } = clientFor(fake);
      const created = await client.create('Case', { Id: NEW_ID.toUpperCase(), Subject: 'Hello' });
      expect(created).toMatchObject({ Id: NEW_ID, Subject: 'Hello' });
      expect(JSON.parse(posts('Case')[0]!.body)).toEqual({ Id: NEW_ID, Subject: 'Hello' });
    });

    it('refuses a create without an Id before sending anything', async () => {
      const { client } = clientFor(fake);
      await expect(client.create('Case', { Subject: 'x' } as unknown as { Id: string })).rejects.toBeInstanceOf(ValidationError);
      expect(fake.server.requests).toHaveLength(0);
    });

    it('commit-then-timeout: checks by GET, returns the record and does not POST again', async () => {
      on((r) => r.method === 'POST', (_res, r) => {
        const row = JSON.parse(r.body) as { Id: string };
        fake.store.get('Case')!.set(row.Id, row); // committed, but the answer never comes
      });
      const { client } = clientFor(fake, {}, { timeoutMs: 150 });
      await expect(client.create('Case', { Id: NEW_ID, Subject: 'Hello' })).resolves.toMatchObject({ Id: NEW_ID });
      expect(posts('Case')).toHaveLength(1);
      expect(fake.odataRequests().map((r) => `${r.method} ${r.url}`)).toEqual([`POST /0/odata/Case`, `GET /0/odata/Case(${NEW_ID})`]);
    });

    it('timeout without commit: GET finds nothing, the TransientError is rethrown for the caller to retry', async () => {
      on((r) => r.method === 'POST', () => hang());
      const { client } = clientFor(fake, {}, { timeoutMs: 150 });
      const err = await failure(client.create('Case', { Id: NEW_ID, Subject: 'Hello' }));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toMatch(/did not answer/);
      expect(posts('Case')).toHaveLength(1);
      expect(fake.odataRequests()).toHaveLength(2);
    });

    it('an unrecognised 500 that did commit counts as created', async () => {
      on((r) => r.method === 'POST', (res, r) => {
        const row = JSON.parse(r.body) as { Id: string };
        fake.store.get('Case')!.set(row.Id, row);
        odataError(res, 500, 'Business process failed after save');
      });
      const { client } = clientFor(fake);
      await expect(client.create('Case', { Id: NEW_ID })).resolves.toMatchObject({ Id: NEW_ID });
    });

    it('503 on create: GET 404 → the 503 TransientError with Retry-After', async () => {
      on((r) => r.method === 'POST', (res) => json(res, 503, {}, { 'retry-after': '3' }));
      const { client } = clientFor(fake);
      await expect(client.create('Case', { Id: NEW_ID })).rejects.toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 3000 });
      expect(fake.odataRequests().map((r) => r.method)).toEqual(['POST', 'GET']);
    });

    it('duplicate key on a create whose record exists = success (the existing record)', async () => {
      const { client } = clientFor(fake);
      await expect(client.create('Case', { Id: CASE_ID, Subject: 'again' })).resolves.toEqual({ Id: CASE_ID, Number: 'SR00000001' });
      expect(fake.odataRequests().map((r) => r.method)).toEqual(['POST', 'GET']);
    });

    it('duplicate key on another unique index (record with our Id absent) → DuplicateKeyError', async () => {
      on((r) => r.method === 'POST', (res) => odataError(res, 500, '23505: duplicate key value violates unique constraint "IUCaseNumber"'));
      const { client } = clientFor(fake);
      const err = await failure(client.create('Case', { Id: NEW_ID }));
      expect(err).toBeInstanceOf(DuplicateKeyError);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.retryable).toBe(false);
    });

    it('non-retryable failures (403) are thrown without a GET', async () => {
      on((r) => r.method === 'POST', (res) => odataError(res, 403, 'denied'));
      const { client } = clientFor(fake);
      await expect(client.create('Case', { Id: NEW_ID })).rejects.toMatchObject({ kind: 'permission_denied', operation: 'create' });
      expect(fake.odataRequests()).toHaveLength(1);
    });
  });

  describe('update and delete', () => {
    it('PATCH → 204 resolves; unknown key → NotFoundError', async () => {
      const { client } = clientFor(fake);
      await client.update('Case', CASE_ID, { StatusId: STATUS });
      expect(fake.store.get('Case')!.get(CASE_ID)).toMatchObject({ StatusId: STATUS });
      await expect(client.update('Case', OTHER_ID, { StatusId: STATUS })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('DELETE → 204 resolves', async () => {
      on((r) => r.method === 'DELETE', (res) => noContent(res));
      const { client } = clientFor(fake);
      await expect(client.delete('Case', CASE_ID)).resolves.toBeUndefined();
      expect(fake.odataRequests()[0]!.url).toBe(`/0/odata/Case(${CASE_ID})`);
    });
  });
});
