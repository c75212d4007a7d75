import type { Pool } from 'pg';
import type { ConnectionSettings, ConnectionStatus } from '../domain/connection';
import type { SealedSecret } from '../security/secret-box';

export interface ConnectionRecord extends ConnectionSettings {
  orgId: string;
  /** null once disconnected. */
  secret: SealedSecret | null;
  credentialsVersion: number;
  status: ConnectionStatus;
  statusReason: string | null;
  statusChangedAt: string;
  lastVerifiedAt: string | null;
  lastError: string | null;
  lookups: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  org_id: string;
  instance_url: string;
  token_url: string | null;
  odata_base_path: '/0/odata' | '/odata';
  client_id: string;
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  credentials_version: number;
  owner_id: string | null;
  group_id: string | null;
  resolved_status_id: string | null;
  handoff_only: boolean;
  status: ConnectionStatus;
  status_reason: string | null;
  status_changed_at: Date;
  last_verified_at: Date | null;
  last_error: string | null;
  lookups: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

function toRecord(r: Row): ConnectionRecord {
  return {
    orgId: r.org_id,
    instanceUrl: r.instance_url,
    tokenUrl: r.token_url,
    odataBasePath: r.odata_base_path,
    clientId: r.client_id,
    secret: r.secret_ciphertext && r.secret_key_id ? { keyId: r.secret_key_id, ciphertext: r.secret_ciphertext } : null,
    credentialsVersion: r.credentials_version,
    ownerId: r.owner_id,
    groupId: r.group_id,
    resolvedStatusId: r.resolved_status_id,
    handoffOnly: r.handoff_only,
    status: r.status,
    statusReason: r.status_reason,
    statusChangedAt: r.status_changed_at.toISOString(),
    lastVerifiedAt: r.last_verified_at?.toISOString() ?? null,
    lastError: r.last_error,
    lookups: r.lookups,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function getConnection(pool: Pool, orgId: string): Promise<ConnectionRecord | undefined> {
  const { rows } = await pool.query<Row>('SELECT * FROM connections WHERE org_id = $1', [orgId]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export interface SaveConnectionInput extends ConnectionSettings {
  /** New sealed secret, or undefined to keep the stored one. */
  secret?: SealedSecret;
}

/**
 * Inserts or replaces an org's connection. The credentials version is bumped
 * whenever anything that affects authentication changes, so token caches in
 * every worker process stop using the old token.
 */
export async function saveConnection(pool: Pool, orgId: string, input: SaveConnectionInput): Promise<ConnectionRecord> {
  if (!input.secret) {
    const existing = await getConnection(pool, orgId);
    if (!existing?.secret) throw new Error('a new connection needs a client secret');
    input = { ...input, secret: existing.secret };
  }
  const { rows } = await pool.query<Row>(
    `INSERT INTO connections (org_id, instance_url, token_url, odata_base_path, client_id, secret_ciphertext, secret_key_id,
                              owner_id, group_id, resolved_status_id, handoff_only, status, status_reason, last_verified_at, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', NULL, now(), NULL)
     ON CONFLICT (org_id) DO UPDATE SET
       credentials_version = connections.credentials_version +
         CASE WHEN connections.instance_url IS DISTINCT FROM EXCLUDED.instance_url
                OR connections.token_url IS DISTINCT FROM EXCLUDED.token_url
                OR connections.client_id IS DISTINCT FROM EXCLUDED.client_id
                OR connections.secret_ciphertext IS DISTINCT FROM EXCLUDED.secret_ciphertext THEN 1 ELSE 0 END,
       instance_url = EXCLUDED.instance_url, token_url = EXCLUDED.token_url, odata_base_path = EXCLUDED.odata_base_path,
       client_id = EXCLUDED.client_id, secret_ciphertext = EXCLUDED.secret_ciphertext, secret_key_id = EXCLUDED.secret_key_id,
       owner_id = EXCLUDED.owner_id, group_id = EXCLUDED.group_id, resolved_status_id = EXCLUDED.resolved_status_id,
       handoff_only = EXCLUDED.handoff_only,
       status = 'active', status_reason = NULL,
       status_changed_at = CASE WHEN connections.status <> 'active' THEN now() ELSE connections.status_changed_at END,
       last_verified_at = now(), last_error = NULL, updated_at = now()
     RETURNING *`,
    [
      orgId,
      input.instanceUrl,
      input.tokenUrl,
      input.odataBasePath,
      input.clientId,
      input.secret!.ciphertext,
      input.secret!.keyId,
      input.ownerId,
      input.groupId,
      input.resolvedStatusId,
      input.handoffOnly,
    ],
  );
  return toRecord(rows[0]!);
}

/**
 * Marks the connection as needing attention. Returns true only for the call
 * that changed it, so an alert goes out once per incident, not once per
 * conversation. `credentialsVersion` guards against flagging credentials that
 * were already replaced.
 */
export async function markNeedsAttention(
  pool: Pool,
  orgId: string,
  reason: string,
  detail: string,
  credentialsVersion: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE connections SET status = 'needs_attention', status_reason = $2, last_error = $3,
            status_changed_at = now(), updated_at = now()
      WHERE org_id = $1 AND credentials_version = $4 AND status = 'active'`,
    [orgId, reason, detail, credentialsVersion],
  );
  return (rowCount ?? 0) > 0;
}

/** Back to active after a successful call with the current credentials. Returns true if it changed. */
export async function markActive(pool: Pool, orgId: string, credentialsVersion: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE connections SET status = 'active', status_reason = NULL, status_changed_at = now(), updated_at = now(),
            last_verified_at = now()
      WHERE org_id = $1 AND credentials_version = $2 AND status = 'needs_attention'`,
    [orgId, credentialsVersion],
  );
  return (rowCount ?? 0) > 0;
}

/** Disconnects: the credentials are erased; the row stays so the status reads "disconnected". */
export async function disconnectConnection(pool: Pool, orgId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE connections SET status = 'disconnected', status_reason = NULL, secret_ciphertext = NULL, secret_key_id = NULL,
            credentials_version = credentials_version + 1, status_changed_at = now(), updated_at = now()
      WHERE org_id = $1 AND status <> 'disconnected'`,
    [orgId],
  );
  return (rowCount ?? 0) > 0;
}
