import { defaultPayloadConverter } from '@temporalio/common';
import { authorize, isLoopbackAddress, isLoopbackHost, parseOrigins, type AccessPolicy } from '../../../src/codec-server/access';
import { payloadFromJson, payloadToJson, type PayloadJson } from '../../../src/codec-server/payload-json';
import { codecServerSettings, startCodecServer, type RunningCodecServer } from '../../../src/codec-server/server';
import { parseConfig } from '../../../src/config';
import { EncryptionCodec } from '../../../src/temporal/codec';

const TOKEN = 'codec-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';
const policy = (over: Partial<AccessPolicy> = {}): AccessPolicy => ({
  token: TOKEN,
  allowedOrigins: new Set([UI, 'http://localhost:8233', 'https://temporal.example.com']),
  loopbackUiWithoutToken: true,
  ...over,
});

describe('authorize', () => {
  const local = { remoteAddress: '127.0.0.1', operation: 'decode' as const };

  it('accepts the token (with or without an allowed origin)', () => {
    expect(authorize({ ...local, authorization: `Bearer ${TOKEN}` }, policy())).toEqual({ allowed: true, via: 'token' });
    expect(authorize({ ...local, remoteAddress: '10.0.0.5', authorization: `Bearer ${TOKEN}`, origin: 'https://temporal.example.com' }, policy())).toEqual({ allowed: true, via: 'token' });
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer nope'],
    ['another scheme', `Basic ${TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with 401', (_n, authorization) => {
    const d = authorize({ ...local, authorization, operation: 'encode' }, policy());
    expect(d).toMatchObject({ allowed: false, status: 401 });
  });

  it('lets an allowed loopback UI origin decode without the token, from loopback only', () => {
    expect(authorize({ ...local, origin: UI }, policy())).toEqual({ allowed: true, via: 'loopback-ui' });
    expect(authorize({ ...local, origin: 'http://localhost:8233', remoteAddress: '::ffff:127.0.0.1' }, policy())).toEqual({ allowed: true, via: 'loopback-ui' });
    expect(authorize({ ...local, origin: UI, remoteAddress: '::1' }, policy())).toEqual({ allowed: true, via: 'loopback-ui' });
    // Not from another machine, not to encode, not for a non-loopback origin, not when turned off.
    expect(authorize({ ...local, origin: UI, remoteAddress: '192.168.1.9' }, policy())).toMatchObject({ allowed: false, status: 401 });
    expect(authorize({ ...local, origin: UI, operation: 'encode' }, policy())).toMatchObject({ allowed: false, status: 401 });
    expect(authorize({ ...local, origin: 'https://temporal.example.com' }, policy())).toMatchObject({ allowed: false, status: 401 });
    expect(authorize({ ...local, origin: UI }, policy({ loopbackUiWithoutToken: false }))).toMatchObject({ allowed: false, status: 401 });
  });

  it('never falls back to the token-less path when a wrong token is sent', () => {
    expect(authorize({ ...local, origin: UI, authorization: 'Bearer wrong' }, policy())).toMatchObject({ allowed: false, status: 401 });
  });

  it('refuses origins not on the list with 403, token or not', () => {
    expect(authorize({ ...local, origin: 'http://127.0.0.1:9999' }, policy())).toMatchObject({ allowed: false, status: 403 });
    expect(authorize({ ...local, origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` }, policy())).toMatchObject({ allowed: false, status: 403 });
  });
});

describe('loopback and origin parsing', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.9.8.7', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['1270.0.0.1', false],
    [undefined, false],
  ])('isLoopbackAddress(%s) = %s', (a, expected) => expect(isLoopbackAddress(a)).toBe(expected));

  it.each([
    ['localhost', true],
    ['[::1]', true],
    ['127.0.0.1', true],
    ['0.0.0.0', false],
    ['example.com', false],
  ])('isLoopbackHost(%s) = %s', (h, expected) => expect(isLoopbackHost(h)).toBe(expected));

  it('normalises origins and rejects non-origins', () => {
    expect([...parseOrigins(' http://127.0.0.1:8233/ , https://ui.example.com:443')]).toEqual(['http://127.0.0.1:8233', 'https://ui.example.com']);
    expect(() => parseOrigins('http://127.0.0.1:8233/path')).toThrow('is not an origin');
    expect(() => parseOrigins('127.0.0.1:8233')).toThrow('is not an origin');
    expect(() => parseOrigins('not a url')).toThrow('is not an origin');
  });
});

describe('codecServerSettings', () => {
  const cfg = (env: Record<string, string>) => parseConfig({ NODE_ENV: 'development', ...env });

  it('defaults to loopback and the dev-server UI origins on TEMPORAL_UI_PORT', () => {
    const s = codecServerSettings(cfg({ TEMPORAL_UI_PORT: '9233' }));
    expect(s).toMatchObject({ host: '127.0.0.1', port: 8234, loopbackUiWithoutToken: true });
    expect([...s.allowedOrigins]).toEqual(['http://127.0.0.1:9233', 'http://localhost:9233']);
  });

  it('needs the token for every call in production, or when listening beyond loopback', () => {
    expect(codecServerSettings(cfg({ NODE_ENV: 'production' })).loopbackUiWithoutToken).toBe(false);
    expect(codecServerSettings(cfg({ CODEC_SERVER_HOST: '0.0.0.0', CODEC_SERVER_LOOPBACK_UI_WITHOUT_TOKEN: 'true' })).loopbackUiWithoutToken).toBe(false);
    expect(codecServerSettings(cfg({ CODEC_SERVER_LOOPBACK_UI_WITHOUT_TOKEN: 'false' })).loopbackUiWithoutToken).toBe(false);
  });

  it('takes configured origins', () => {
    expect([...codecServerSettings(cfg({ CODEC_SERVER_CORS_ORIGINS: 'https://ui.example.com' })).allowedOrigins]).toEqual(['https://ui.example.com']);
  });
});

describe('payload JSON', () => {
  it('round-trips metadata and data through base64', () => {
    const p = defaultPayloadConverter.toPayload({ caseId: 'c-1' });
    const json = payloadToJson(p);
    expect(json.metadata.encoding).toBe(Buffer.from('json/plain').toString('base64'));
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(json))).toEqual({ caseId: 'c-1' });
  });
});

describe('codec server routes (real HTTP on loopback)', () => {
  const codec = EncryptionCodec.fromSpec(EncryptionCodec.generateKeySpec('k1'));
  let server: RunningCodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ ...policy(), codec, namespace: 'default', host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  type Body = { payloads: PayloadJson[] };
  const body = (values: unknown[]): Body => ({ payloads: values.map((v) => payloadToJson(defaultPayloadConverter.toPayload(v))) });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const call = async (method: string, route: string, headers: Record<string, string>, payload?: unknown) => {
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const post = (route: string, payload: unknown, headers: Record<string, string> = auth) => call('POST', route, headers, payload);
  const values = (b: unknown) => (b as Body).payloads.map((p) => defaultPayloadConverter.fromPayload(payloadFromJson(p)));

  it('listens on loopback and reports its URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(['/encode', '/default/encode'])('%s then /decode round-trips', async (route) => {
    const enc = await post(route, body([{ state: 'resolved' }, 'x']));
    expect(enc.status).toBe(200);
    const first = (enc.json as Body).payloads[0]!;
    expect(Buffer.from(first.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
    const dec = await post(route.replace('encode', 'decode'), enc.json);
    expect(dec.status).toBe(200);
    expect(values(dec.json)).toEqual([{ state: 'resolved' }, 'x']);
  });

  it('takes {} as no payloads (protobuf JSON leaves an empty list out; the CLI sends it for a query without arguments)', async () => {
    for (const route of ['/encode', '/decode']) {
      const res = await post(route, {});
      expect(res.status).toBe(200);
      expect((res.json as Body).payloads ?? []).toEqual([]);
    }
  });

  it('passes unencrypted payloads through /decode', async () => {
    expect((await post('/decode', body(['plain']))).json).toEqual(body(['plain']));
  });

  it('refuses other namespaces (path or X-Namespace) with 404', async () => {
    expect((await post('/other/decode', body(['x']))).status).toBe(404);
    expect((await post('/decode', body(['x']), { ...auth, 'x-namespace': 'other' })).status).toBe(404);
    expect((await post('/decode', body(['x']), { ...auth, 'x-namespace': 'default' })).status).toBe(200);
    // The Temporal CLI sends it empty.
    expect((await post('/decode', body(['x']), { ...auth, 'x-namespace': '' })).status).toBe(200);
  });

  it('answers 400 to a malformed body and to an undecodable payload, naming the key', async () => {
    expect((await post('/decode', { payloads: 'nope' })).status).toBe(400);
    expect((await post('/decode', { payloads: [{ metadata: { encoding: 1 } }] })).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '***' }] })).status).toBe(400);
    const [foreign] = await EncryptionCodec.fromSpec(EncryptionCodec.generateKeySpec('elsewhere')).encode([defaultPayloadConverter.toPayload('x')]);
    const res = await post('/decode', { payloads: [payloadToJson(foreign!)] });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'undecodable', message: expect.stringContaining('"elsewhere"') });
  });

  it('needs the token; 401 carries WWW-Authenticate', async () => {
    const res = await post('/decode', body(['x']), {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await post('/encode', body(['x']), { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('lets the loopback UI decode (not encode) without the token, with CORS headers', async () => {
    const dec = await post('/decode', body(['x']), { origin: UI, 'x-namespace': 'default' });
    expect(dec.status).toBe(200);
    expect(dec.headers.get('access-control-allow-origin')).toBe(UI);
    expect(dec.headers.get('vary')).toBe('Origin');
    expect((await post('/encode', body(['x']), { origin: UI })).status).toBe(401);
  });

  it('answers preflight for allowed origins only', async () => {
    const ok = await call('OPTIONS', '/default/decode', {
      origin: UI,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace',
      'access-control-request-private-network': 'true',
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type, x-namespace, authorization');
    expect(ok.headers.get('access-control-allow-private-network')).toBe('true');
    const other = await call('OPTIONS', '/decode', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const posted = await post('/decode', body(['x']), { ...auth, origin: 'https://evil.example' });
    expect(posted.status).toBe(403);
    expect(posted.headers.get('access-control-allow-origin')).toBeNull();
  });
});
