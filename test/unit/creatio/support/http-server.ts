/**
 * A real node:http server on 127.0.0.1 with an ephemeral port and a swappable
 * handler, recording every request. Tests give it precise canned behaviours.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path plus query, decoded. */
  url: string;
  rawUrl: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(initial?: Handler): Promise<TestServer> {
  let handler: Handler = initial ?? ((_req, res) => json(res, 500, { error: { message: 'no handler' } }));
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        url: decodeURIComponent(rawUrl),
        rawUrl,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      Promise.resolve(handler(rec, res)).catch((err: unknown) => {
        if (!res.headersSent) json(res, 599, { error: { message: String(err) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

export function html(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end('<!DOCTYPE html><html><head><title>Creatio</title></head><body>Log in</body></html>');
}

export function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** ASP.NET OData error envelope, as Creatio sends it (creatio-api.md 2.6). */
export function odataError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code: '', message, innererror: { message, type: 'Terrasoft.Common.DbOperationException', stacktrace: '' } } }, headers);
}

/** Never answers (until the server closes): a Creatio that hangs. */
export function hang(): void {
  /* intentionally no response */
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
