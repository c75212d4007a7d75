import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/platform/signature';

/** A stand-in for the conversation platform: records every callback and checks its signature. */
export interface ReceivedCallback {
  id: string;
  type: string;
  body: Record<string, unknown> & { data: Record<string, unknown> };
  raw: string;
  signatureValid: boolean;
  headers: http.IncomingHttpHeaders;
}

export interface CallbackServer {
  url: string;
  secret: string;
  received: ReceivedCallback[];
  /** Answer the next n callbacks with this status instead of 200. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startCallbackServer(secret = 'test-callback-secret-0123456789'): Promise<CallbackServer> {
  const received: ReceivedCallback[] = [];
  let failures = 0;
  let failStatus = 503;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failStatus).end();
        return;
      }
      const body = JSON.parse(raw) as ReceivedCallback['body'];
      received.push({
        id: String(body.id),
        type: String(body.type),
        body,
        raw,
        signatureValid: verifySignature(secret, raw, String(req.headers['x-signature'] ?? '')),
        headers: req.headers,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callbacks`,
    secret,
    received,
    failNext(n, status = 503) {
      failures = n;
      failStatus = status;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
