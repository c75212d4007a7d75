import { randomUUID } from 'node:crypto';
import { ConnectionLimiter, createCreatioClient, resolveEndpoints, TokenCache } from '../creatio';
import type { ConnectionSettings } from '../domain/connection';
import { runChecklist, type ChecklistRun } from './checklist';

export interface TesterOptions {
  /** Per request; shorter than the sync's so an unreachable instance answers the admin quickly. Default 15 s. */
  timeoutMs?: number;
}

/** Checks settings against Creatio, secret in hand; nothing is stored. */
export type ConnectionTester = (settings: ConnectionSettings, clientSecret: string) => Promise<ChecklistRun>;

/**
 * Each test gets its own client, token cache and limiter: a token issued for
 * candidate credentials dies with the test and is never used by the sync.
 */
export function createConnectionTester(opts: TesterOptions = {}): ConnectionTester {
  return async (settings, clientSecret) => {
    const conn = {
      cacheKey: `test:${randomUUID()}`,
      instanceUrl: settings.instanceUrl,
      tokenUrl: settings.tokenUrl ?? undefined,
      odataBasePath: settings.odataBasePath,
      clientId: settings.clientId,
      clientSecret,
    };
    const endpoints = resolveEndpoints(conn);
    const client = createCreatioClient(conn, {
      tokenCache: new TokenCache(),
      limiter: new ConnectionLimiter({ maxInFlight: 4 }),
      timeoutMs: opts.timeoutMs ?? 15_000,
    });
    return runChecklist(client, {
      instanceUrl: endpoints.instanceUrl,
      tokenUrl: endpoints.tokenUrl,
      derived: endpoints.tokenUrlDerived,
      odataRoot: endpoints.odataRoot,
      odataBasePath: settings.odataBasePath,
      ownerId: settings.ownerId,
      groupId: settings.groupId,
      resolvedStatusId: settings.resolvedStatusId,
    });
  };
}
