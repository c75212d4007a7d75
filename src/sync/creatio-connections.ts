import { Pool } from 'pg';
import { ConnectionLimiter, createCreatioClient, TokenCache, type CreatioClient, type RequestEvent } from '../creatio';
import { withSharedOrgLock } from '../connections/write-guard';
import type { SecretBox } from '../security/secret-box';
import { connectionFromRow, connectionQuery, getConnection, type ConnectionRecord } from '../store/connections-repo';

export interface ConnectedOrg {
  record: ConnectionRecord;
  client: CreatioClient;
}

export interface CreatioConnectionsOptions {
  timeoutMs: number;
  maxConcurrency: number;
  onRequest?: (orgId: string, event: RequestEvent) => void;
  /**
   * Sessions for the per-org write locks (one per Creatio call in flight in
   * this process; more calls wait for a session). Default 25.
   */
  writeLockSessions?: number;
  /**
   * How long a call waits for the org's write lock (behind a disconnect) before failing retryably. Default 20 s:
   * well inside the 90 s start-to-close timeout of the activity that waits.
   */
  writeLockTimeoutMs?: number;
}

/**
 * Creatio clients per organisation for one worker process. The connection
 * row is read on every use so saved changes apply at once; a client (and its
 * token-cache key) is reused while the credentials version stays the same.
 */
export class CreatioConnections {
  readonly tokenCache = new TokenCache();
  private readonly limiter: ConnectionLimiter;
  private readonly clients = new Map<string, { version: number; client: CreatioClient }>();
  private lockPool: Pool | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly secrets: SecretBox,
    private readonly options: CreatioConnectionsOptions,
  ) {
    this.limiter = new ConnectionLimiter({ maxInFlight: options.maxConcurrency });
  }

  /** The org's connection and a client for it; undefined when not connected. */
  async forOrg(orgId: string): Promise<ConnectedOrg | undefined> {
    return this.connected(orgId, await getConnection(this.pool, orgId));
  }

  private connected(orgId: string, record: ConnectionRecord | undefined): ConnectedOrg | undefined {
    if (!record || record.status === 'disconnected' || !record.secret) {
      this.clients.delete(orgId);
      return undefined;
    }
    return { record, client: this.clientFor(record) };
  }

  /**
   * Runs `fn` with the org's connection under the org's shared write lock
   * (src/connections/write-guard.ts). The connection is read after the lock is
   * held, so a disconnect or credentials change committed before is always
   * seen, and one waiting for the lock waits for `fn` to finish.
   */
  async withOrg<T>(orgId: string, fn: (conn: ConnectedOrg | undefined) => Promise<T>): Promise<T> {
    return withSharedOrgLock(
      this.sessions(),
      orgId,
      this.options.writeLockTimeoutMs ?? 20_000,
      async (rows) => fn(this.connected(orgId, rows[0] ? connectionFromRow(rows[0]) : undefined)),
      connectionQuery,
    );
  }

  /**
   * A client for settings that are not saved (Test & Save checks them first).
   * It has its own token cache, so a token fetched for candidate credentials
   * is never reused by the sync, and nothing of it outlives the test.
   */
  clientForUnsaved(record: ConnectionRecord, clientSecret: string, cacheKey: string): CreatioClient {
    return this.build(record, clientSecret, cacheKey, new TokenCache());
  }

  /** Closes the write-lock sessions. */
  async close(): Promise<void> {
    const pool = this.lockPool;
    this.lockPool = undefined;
    await pool?.end();
  }

  /** A pool of its own, on the same database, created on first use. */
  private sessions(): Pool {
    if (!this.lockPool) {
      this.lockPool = new Pool({ ...this.pool.options, max: this.options.writeLockSessions ?? 25, allowExitOnIdle: true });
      // A session dropped while idle must not crash the worker; the pool replaces it.
      this.lockPool.on('error', () => undefined);
    }
    return this.lockPool;
  }

  private clientFor(record: ConnectionRecord): CreatioClient {
    const cached = this.clients.get(record.orgId);
    if (cached && cached.version === record.credentialsVersion) return cached.client;
    const secret = this.secrets.open(record.secret!, record.orgId);
    const client = this.build(record, secret, `${record.orgId}:${record.credentialsVersion}`, this.tokenCache);
    this.clients.set(record.orgId, { version: record.credentialsVersion, client });
    return client;
  }

  private build(record: ConnectionRecord, clientSecret: string, cacheKey: string, tokenCache: TokenCache): CreatioClient {
    const onRequest = this.options.onRequest;
    return createCreatioClient(
      {
        cacheKey,
        instanceUrl: record.instanceUrl,
        tokenUrl: record.tokenUrl ?? undefined,
        odataBasePath: record.odataBasePath,
        clientId: record.clientId,
        clientSecret,
        limiterKey: record.orgId,
      },
      {
        tokenCache,
        limiter: this.limiter,
        timeoutMs: this.options.timeoutMs,
        onRequest: onRequest ? (event) => onRequest(record.orgId, event) : undefined,
      },
    );
  }
}
