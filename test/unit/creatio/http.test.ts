import { TransientError } from '../../../src/creatio/errors';
import { looksLikeHtml, parseErrorEnvelope, parseRetryAfter, send, TransportError } from '../../../src/creatio/http';
import { hang, startServer, type TestServer } from './support/http-server';

describe('HTTP layer', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });

  it('reads the ASP.NET OData error envelope, the old {Message} shape and plain text', () => {
    const env = parseErrorEnvelope(
      { error: { code: '', message: 'Outer', innererror: { message: 'Inner 23503', type: 'Terrasoft.Common.DbOperationException' } } },
      '',
      false,
    );
    expect(env.message).toBe('Outer');
    expect(env.fullText).toContain('Inner 23503');
    expect(env.fullText).toContain('DbOperationException');
    expect(parseErrorEnvelope({ Message: 'An error has occurred.' }, '', false).message).toBe('An error has occurred.');
    expect(parseErrorEnvelope(undefined, 'Bad Request - Invalid Hostname', false).message).toBe('Bad Request - Invalid Hostname');
    expect(parseErrorEnvelope(undefined, '<html>x</html>', true).message).toBeUndefined();
  });

  it('sniffs HTML by type or by content', () => {
    expect(looksLikeHtml('text/html; charset=utf-8', '')).toBe(true);
    expect(looksLikeHtml('application/json', '  <!DOCTYPE html><html>')).toBe(true);
    expect(looksLikeHtml('application/json', '{"a":1}')).toBe(false);
  });

  describe('send()', () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startServer();
    });
    afterEach(() => server.close());

    it('does not follow redirects and never throws on a non-JSON body', async () => {
      server.handle((_q, res) => {
        res.writeHead(302, { location: '/Login/NuiLogin.aspx', 'content-type': 'text/html' });
        res.end('<html>moved</html>');
      });
      const res = await send({ method: 'GET', url: `${server.url}/0/odata/Case`, headers: {}, timeoutMs: 1000 });
      expect(res).toMatchObject({ status: 302, isHtml: true, json: undefined });
      expect(res.headers['location']).toBe('/Login/NuiLogin.aspx');
      expect(server.requests).toHaveLength(1);
    });

    it('times out a response whose body stalls after the headers', async () => {
      server.handle((_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"value": [');
        hang();
      });
      const err = await send({ method: 'GET', url: `${server.url}/x`, headers: {}, timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ timedOut: true, maybeDelivered: true });
    });

    it('a refused connection is transient and known not to have been delivered', async () => {
      const err = await send({ method: 'POST', url: 'http://127.0.0.1:1/x', headers: {}, body: '{}', timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'transient', maybeDelivered: false, timedOut: false });
      expect((err as Error).message).toMatch(/ECONNREFUSED/);
    });
  });
});
