import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** How the receiver answers: a status after an optional delay, or a dropped connection. */
export interface ReceiverBehaviour {
  status: number;
  delayMs?: number;
  destroy?: boolean;
}

/** A real HTTP server on loopback standing in for our webhook endpoint. */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  behaviour: ReceiverBehaviour;
  /** Resolves once at least n requests arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(behaviour: ReceiverBehaviour = { status: 200 }): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  const receiver: WebhookReceiver = {
    url: '',
    received,
    behaviour,
    waitFor: (n, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (received.length < n) return false;
          clearTimeout(timer);
          resolve([...received]);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${n} requests`)), timeoutMs);
        const waiter = (): void => {
          if (!check()) waiters.push(waiter);
        };
        waiter();
      }),
    close: () =>
      new Promise((resolve) => {
        for (const t of pendingTimers) clearTimeout(t);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  const answer = (res: ServerResponse): void => {
    const b = receiver.behaviour;
    if (b.destroy) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(b.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: b.status < 300 }));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      for (const w of waiters.splice(0)) w();
      const delay = receiver.behaviour.delayMs ?? 0;
      if (delay <= 0) return answer(res);
      const t = setTimeout(() => {
        pendingTimers.delete(t);
        answer(res);
      }, delay);
      pendingTimers.add(t);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
