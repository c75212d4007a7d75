import { Writable } from 'node:stream';
import { createLogger, REDACTED_KEYS, redactPaths } from '../../../src/logging/logger';

const CENSOR = '[redacted]';

/** A logger writing into memory; `lines()` parses what it wrote. */
function capture(level = 'info'): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level, name: 'test-logger', destination });
  const raw = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    raw()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const parsed: unknown = JSON.parse(l);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not a JSON object: ${l}`);
        return parsed as Record<string, unknown>;
      });
  return { logger, lines, raw };
}

/** Follows a path of keys/indexes through parsed JSON. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let v: unknown = value;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

describe('createLogger: redaction by key', () => {
  it.each(REDACTED_KEYS)('redacts "%s" at the top level, one level down and two levels down', (key) => {
    const { logger, lines, raw } = capture();
    const secret = `s3cr3t-${key}-value`;
    logger.info({ [key]: secret, outer: { [key]: secret, inner: { [key]: secret } } }, 'message');
    const [line] = lines();
    expect(at(line, key)).toBe(CENSOR);
    expect(at(line, 'outer', key)).toBe(CENSOR);
    expect(at(line, 'outer', 'inner', key)).toBe(CENSOR);
    expect(raw()).not.toContain(secret);
  });

  it('redacts request headers (authorization and the control/webhook secrets) logged under any key', () => {
    const { logger, raw, lines } = capture();
    // (Under "req" the request serializer leaves headers out altogether.)
    logger.info(
      { request: { method: 'POST', url: '/v1/x', headers: { authorization: 'Bearer tok-123', 'x-sim-control-token': 'ctl-456', 'x-webhook-secret': 'wh-789', 'content-type': 'application/json' } } },
      'request',
    );
    const [line] = lines();
    expect(at(line, 'request', 'headers', 'authorization')).toBe(CENSOR);
    expect(at(line, 'request', 'headers', 'x-sim-control-token')).toBe(CENSOR);
    expect(at(line, 'request', 'headers', 'x-webhook-secret')).toBe(CENSOR);
    expect(at(line, 'request', 'headers', 'content-type')).toBe('application/json');
    for (const s of ['tok-123', 'ctl-456', 'wh-789']) expect(raw()).not.toContain(s);
  });

  it('redacts inside arrays of objects', () => {
    const { logger, raw } = capture();
    logger.info({ connections: [{ orgId: 'a', clientSecret: 'arr-secret-1' }, { orgId: 'b', clientSecret: 'arr-secret-2' }] }, 'list');
    expect(raw()).not.toContain('arr-secret');
    expect(raw()).toContain('"orgId":"a"');
  });

  it('redacts fields of a logged error', () => {
    const { logger, raw, lines } = capture();
    const err = Object.assign(new Error('token request failed'), { accessToken: 'err-token-1', status: 401 });
    logger.error({ err }, 'failed');
    const [line] = lines();
    expect(at(line, 'err', 'accessToken')).toBe(CENSOR);
    expect(at(line, 'err', 'message')).toBe('token request failed');
    expect(raw()).not.toContain('err-token-1');
  });

  it('keeps everything that is not a secret, and the message', () => {
    const { logger, lines } = capture();
    logger.info({ orgId: 'org-1', conversationId: 'c-1', tokenUrl: 'https://id.example.com/connect/token', nested: { state: 'syncing' } }, 'hello');
    const [line] = lines();
    expect(line).toMatchObject({
      level: 30,
      name: 'test-logger',
      msg: 'hello',
      orgId: 'org-1',
      conversationId: 'c-1',
      tokenUrl: 'https://id.example.com/connect/token',
      nested: { state: 'syncing' },
    });
  });

  it('does not change the object that was logged', () => {
    const { logger } = capture();
    const obj = { clientSecret: 'keep-me', inner: { password: 'keep-me-too' } };
    logger.info(obj, 'x');
    expect(obj).toEqual({ clientSecret: 'keep-me', inner: { password: 'keep-me-too' } });
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info({ a: 1 }, 'dropped');
    logger.warn({ a: 2 }, 'kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept']);
  });

  it('builds a top, one-level, two-level and req.headers path for every key, quoting keys with dashes', () => {
    const paths = redactPaths();
    expect(paths).toHaveLength(REDACTED_KEYS.length * 4);
    expect(paths).toEqual(expect.arrayContaining(['clientSecret', '*.clientSecret', '*.*.clientSecret', 'req.headers.clientSecret']));
    expect(paths).toEqual(
      expect.arrayContaining(['["x-webhook-secret"]', '*["x-webhook-secret"]', '*.*["x-webhook-secret"]', 'req.headers["x-webhook-secret"]']),
    );
  });

  it('covers the secrets this service handles', () => {
    for (const key of ['clientSecret', 'client_secret', 'accessToken', 'access_token', 'authorization', 'Authorization', 'apiToken', 'password', 'secret', 'token']) {
      expect(REDACTED_KEYS).toContain(key);
    }
  });

  // BUG (src/logging/logger.ts, redactPaths): the file promises secrets are
  // redacted "wherever they appear", but the paths only reach three levels
  // (key, *.key, *.*.key; plus req.headers.key). A secret three objects down is
  // logged in clear, e.g. logger.info({ connection: { settings: { creatio:
  // { clientSecret: 'x' } } } }) or an error carrying its request config
  // ({ err: { config: { headers: { authorization: 'Bearer …' } } } }).
  it('redacts a secret three levels down', () => {
    const { logger, raw } = capture();
    logger.info({ connection: { settings: { creatio: { clientSecret: 'deep-secret-1' } } } }, 'deep');
    logger.error({ err: { config: { headers: { authorization: 'Bearer deep-token-2' } } } }, 'deep error');
    expect(raw()).not.toContain('deep-secret-1');
    expect(raw()).not.toContain('deep-token-2');
  });
});

describe('createLogger: requests and replies', () => {
  it('logs method, path and status, without headers, query strings or webhook tokens', () => {
    const { logger, lines, raw } = capture();
    const req = { id: 'req-1', method: 'POST', url: '/webhooks/creatio/tok_SECRETVALUE123?x=1', ip: '127.0.0.1', headers: { authorization: 'Bearer abc.def.ghi' } };
    logger.info({ req, res: { statusCode: 202, getHeaders: () => ({}) } }, 'request completed');
    expect(lines()[0]).toMatchObject({ req: { id: 'req-1', method: 'POST', url: '/webhooks/creatio/[redacted]', ip: '127.0.0.1' }, res: { statusCode: 202 } });
    expect(raw()).not.toContain('SECRETVALUE');
    expect(raw()).not.toContain('abc.def.ghi');
    logger.info({ req: { method: 'GET', url: '/v1/orgs/acme/conversations/c-1?verbose=1' } }, 'incoming request');
    expect(at(lines()[1], 'req', 'url')).toBe('/v1/orgs/acme/conversations/c-1');
  });

  it('logs the status of a reply whose request body holds a secret (as after PUT /connection)', () => {
    const { logger, lines, raw } = capture();
    // Like Fastify's reply: the status is a getter on the prototype, the request hangs off the reply.
    class Reply {
      constructor(readonly request: { body: Record<string, unknown> }) {}
      get statusCode(): number {
        return 422;
      }
    }
    const res = new Reply({ body: { instanceUrl: 'https://x', clientSecret: 'body-secret-1' } });
    logger.info({ res, responseTime: 5 }, 'request completed');
    expect(lines()[0]).toMatchObject({ res: { statusCode: 422 }, responseTime: 5 });
    expect(raw()).not.toContain('body-secret-1');
  });
});
