import { Agent, type Dispatcher } from 'undici';
import { createCreatioClient, type CreatioClient, type CreatioClientDeps, type CreatioConnection, type RequestEvent } from '../../../../src/creatio/client';
import { ConnectionLimiter } from '../../../../src/creatio/limiter';
import { TokenCache } from '../../../../src/creatio/token-cache';
import { CLIENT_ID, CLIENT_SECRET, type FakeCreatio } from './fake-creatio';

export interface TestClient {
  client: CreatioClient;
  events: RequestEvent[];
  tokenCache: TokenCache;
}

let counter = 0;

export function clientFor(
  fake: { url: string; tokenUrl: string } | FakeCreatio,
  conn: Partial<CreatioConnection> = {},
  deps: Partial<CreatioClientDeps> = {},
): TestClient {
  const events: RequestEvent[] = [];
  const tokenCache = deps.tokenCache ?? new TokenCache();
  const client = createCreatioClient(
    {
      cacheKey: `org-${++counter}:1`,
      instanceUrl: fake.url,
      tokenUrl: fake.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...conn,
    },
    {
      limiter: new ConnectionLimiter(),
      timeoutMs: 2000,
      onRequest: (e) => events.push(e),
      ...deps,
      tokenCache,
    },
  );
  return { client, events, tokenCache };
}

/**
 * Sends requests for `https://<host>` to a local plain-HTTP server instead, so
 * that cloud-style URLs (`acme.creatio.com`, `acme-is.creatio.com`) can be
 * exercised without DNS or TLS.
 */
export function redirectingDispatcher(routes: Record<string, string>): Dispatcher {
  return new Agent().compose((dispatch) => (opts, handler) => {
    const origin = String(opts.origin).replace(/\/$/, '');
    const target = routes[origin];
    return dispatch({ ...opts, origin: target ?? opts.origin }, handler);
  });
}

export const CASE_ID = '0b7d1d1c-3b8c-4f0e-9a55-2f6b3f2c1a01';
export const OTHER_ID = '5c2a9f7e-8d1b-4c3a-b6e2-9f0a1d2e3f40';
