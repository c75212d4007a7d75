import {
  ConfigurationError,
  CredentialsRejectedError,
  TransientError,
} from '../../../src/creatio/errors';
import { TokenCache } from '../../../src/creatio/token-cache';
import { startFakeCreatio, CLIENT_SECRET, type FakeCreatio } from './support/fake-creatio';
import { json, startServer, hang, type TestServer } from './support/http-server';
import { clientFor, redirectingDispatcher, CASE_ID } from './support/client';

describe('Creatio tokens', () => {
  let fake: FakeCreatio;
  beforeEach(async () => {
    fake = await startFakeCreatio();
    fake.store.set('Case', new Map([[CASE_ID, { Id: CASE_ID, Number: 'SR1' }]]));
  });
  afterEach(() => fake.close());

  it('requests a token with a client-credentials form body, not Basic auth', async () => {
    const { client } = clientFor(fake);
    const meta = await client.getToken();
    expect(Object.keys(meta)).toEqual(['expiresAt']);
    expect(meta.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    const [req] = fake.tokenRequests();
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'test-client',
      client_secret: CLIENT_SECRET,
    });
  });

  it('single-flight: 20 concurrent callers on a cold cache cause one token request', async () => {
    const { client } = clientFor(fake);
    await Promise.all(Array.from({ length: 20 }, () => client.get('Case', CASE_ID)));
    expect(fake.tokenRequests()).toHaveLength(1);
    expect(fake.odataRequests()).toHaveLength(20);
  });

  it('single-flight on an expired token: 20 concurrent callers cause exactly one refresh', async () => {
    let now = 1_000_000;
    const tokenCache = new TokenCache({ now: () => now });
    const { client } = clientFor(fake, {}, { tokenCache });
    await client.get('Case', CASE_ID);
    now += 3600_000; // expired
    await Promise.all(Array.from({ length: 20 }, () => client.get('Case', CASE_ID)));
    expect(fake.tokenRequests()).toHaveLength(2);
    const used = new Set(fake.odataRequests().slice(1).map((r) => r.headers['authorization']));
    expect([...used]).toEqual(['Bearer tok-2']);
  });

  it('refreshes about 60 s before expires_in, not earlier', async () => {
    let now = 5_000_000;
    const tokenCache = new TokenCache({ now: () => now });
    const { client } = clientFor(fake, {}, { tokenCache });
    await client.getToken();
    now += 3539_000;
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(1);
    now += 2_000; // 3541 s: inside the last minute
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  it('refreshes short-lived tokens halfway instead of on every call', async () => {
    fake.expiresIn = 10;
    let now = 0;
    const { client } = clientFor(fake, {}, { tokenCache: new TokenCache({ now: () => now }) });
    await client.getToken();
    now = 4_000;
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(1);
    now = 5_001;
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  it('keys the cache by the caller-given key: a new credentials version gets its own token', async () => {
    const tokenCache = new TokenCache();
    const v1 = clientFor(fake, { cacheKey: 'org-a:1' }, { tokenCache }).client;
    const v1again = clientFor(fake, { cacheKey: 'org-a:1' }, { tokenCache }).client;
    const v2 = clientFor(fake, { cacheKey: 'org-a:2' }, { tokenCache }).client;
    await v1.get('Case', CASE_ID);
    await v1again.get('Case', CASE_ID);
    expect(fake.tokenRequests()).toHaveLength(1);
    await v2.get('Case', CASE_ID);
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  it('invalidate(key, token) drops the token only while it is still the cached one', async () => {
    const tokenCache = new TokenCache();
    const { client } = clientFor(fake, { cacheKey: 'k:1' }, { tokenCache });
    await client.getToken();
    tokenCache.invalidate('k:1', 'some-older-token');
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(1);
    tokenCache.invalidate('k:1', 'tok-1');
    await client.getToken();
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  it('400 invalid_client → CredentialsRejectedError with the OAuth code and no secret in the message', async () => {
    const { client } = clientFor(fake, { clientSecret: 'rotated-away-secret' });
    const err = await client.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRejectedError);
    const e = err as CredentialsRejectedError;
    expect(e.retryable).toBe(false);
    expect(e.oauthError).toBe('invalid_client');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/secret/i);
    expect(e.message).not.toContain('rotated-away-secret');
    expect(e.message).not.toContain(CLIENT_SECRET);
  });

  describe('against a scripted token endpoint', () => {
    let id: TestServer;
    beforeEach(async () => {
      id = await startServer();
    });
    afterEach(() => id.close());

    it('401 from the token endpoint → CredentialsRejectedError', async () => {
      id.handle((_q, res) => json(res, 401, { error: 'invalid_client' }));
      const { client } = clientFor({ url: fake.url, tokenUrl: `${id.url}/connect/token` });
      await expect(client.getToken()).rejects.toMatchObject({ kind: 'credentials_rejected', status: 401 });
    });

    it('5xx, timeout and refused connection → TransientError; a failed fetch does not poison the cache', async () => {
      let mode: 'down' | 'slow' | 'ok' = 'down';
      id.handle((_q, res) => {
        if (mode === 'down') return json(res, 502, {});
        if (mode === 'slow') return hang();
        return json(res, 200, { access_token: 'fresh', expires_in: 3600 });
      });
      const { client, events } = clientFor({ url: fake.url, tokenUrl: `${id.url}/connect/token` }, {}, { timeoutMs: 150 });
      await expect(client.getToken()).rejects.toMatchObject({ kind: 'transient', status: 502 });
      mode = 'slow';
      await expect(client.getToken()).rejects.toBeInstanceOf(TransientError);
      mode = 'ok';
      await expect(client.getToken()).resolves.toHaveProperty('expiresAt');
      expect(id.requests).toHaveLength(3);
      expect(events.map((e) => [e.kind, e.status])).toEqual([['token', 502], ['token', undefined], ['token', 200]]);

      const refused = clientFor({ url: fake.url, tokenUrl: 'http://127.0.0.1:1/connect/token' }).client;
      await expect(refused.getToken()).rejects.toBeInstanceOf(TransientError);
    });

    it('keeps serving a still-valid token when an early refresh fails transiently', async () => {
      let fail = false;
      id.handle((_q, res) => (fail ? json(res, 503, {}) : json(res, 200, { access_token: 'first', expires_in: 3600 })));
      let now = 0;
      const { client } = clientFor({ url: fake.url, tokenUrl: `${id.url}/connect/token` }, {}, { tokenCache: new TokenCache({ now: () => now }) });
      const first = await client.getToken();
      fail = true;
      now = 3590_000; // refresh due, not yet expired
      await expect(client.getToken()).resolves.toEqual(first);
      now = 3600_000; // expired: the failure surfaces
      await expect(client.getToken()).rejects.toBeInstanceOf(TransientError);
    });

    it('404 on the derived -is URL → ConfigurationError (not retried forever)', async () => {
      id.handle((_q, res) => json(res, 404, {}));
      const dispatcher = redirectingDispatcher({ 'https://acme-is.creatio.com': id.url, 'https://acme.creatio.com': fake.url });
      const { client } = clientFor({ url: 'https://acme.creatio.com', tokenUrl: '' }, { tokenUrl: undefined }, { dispatcher });
      const err = await client.getToken().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toMatch(/derived token URL/);
      expect(id.requests[0]!.url).toBe('/connect/token');
    });

    it('a 200 HTML page from the token URL → ConfigurationError, not a JSON crash', async () => {
      id.handle((_q, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Login</body></html>');
      });
      const { client } = clientFor({ url: fake.url, tokenUrl: `${id.url}/connect/token` });
      await expect(client.getToken()).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});
