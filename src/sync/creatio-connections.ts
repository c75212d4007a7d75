import type { Pool } from 'pg';
import { ConnectionLimiter, createCreatioClient, TokenCache, type CreatioClient, type RequestEvent } from '../creatio';
import type { SecretBox } from '../security/secret-box';
import { getConnection, type ConnectionRecord } from '../store/connections-repo';

export interface ConnectedOrg {
  record: ConnectionRecord;
  client: CreatioClient;
}

export interface CreatioConnectionsOptions {
  timeoutMs: number;
  maxConcurrency: number;
  onRequest?: (orgId: string, event: RequestEvent) => void;
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

  constructor(
    private readonly pool: Pool,
    private readonly secrets: SecretBox,
    private readonly options: CreatioConnectionsOptions,
  ) {
    this.limiter = new ConnectionLimiter({ maxInFlight: options.maxConcurrency });
  }

  /** The org's connection and a client for it; undefined when not connected. */
  async forOrg(orgId: string): Promise<ConnectedOrg | undefined> {
    const record = await getConnection(this.pool, orgId);
    if (!record || record.status === 'disconnected' || !record.secret) {
      this.clients.delete(orgId);
      return undefined;
    }
    return { record, client: this.clientFor(record) };
  }

  /** A client for settings that are not saved (Test & Save checks them first). */
  clientForUnsaved(record: ConnectionRecord, clientSecret: string, cacheKey: string): CreatioClient {
    return this.build(record, clientSecret, cacheKey);
  }

  private clientFor(record: ConnectionRecord): CreatioClient {
    const cached = this.clients.get(record.orgId);
    if (cached && cached.version === record.credentialsVersion) return cached.client;
    const secret = this.secrets.open(record.secret!, record.orgId);
    const client = this.build(record, secret, `${record.orgId}:${record.credentialsVersion}`);
    this.clients.set(record.orgId, { version: record.credentialsVersion, client });
    return client;
  }

  private build(record: ConnectionRecord, clientSecret: string, cacheKey: string): CreatioClient {
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
        tokenCache: this.tokenCache,
        limiter: this.limiter,
        timeoutMs: this.options.timeoutMs,
        onRequest: onRequest ? (event) => onRequest(record.orgId, event) : undefined,
      },
    );
  }
}
