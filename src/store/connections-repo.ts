import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
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
  /** When Creatio last called this organisation's webhook (two-way sync); null if never. */
  lastWebhookAt: string | null;
  lookups: Record<string, unknown> | null;
  /** The Creatio user our OAuth client writes as, learned from the first case read back; null until then. */
  integrationUserId: string | null;
  /** The checklist of the last successful Test & Save (its warnings stay visible). */
  lastChecklist: unknown;
  createdAt: string;
  updatedAt: string;
}

/** A pool or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
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
  last_webhook_at: Date | null;
  lookups: Record<string, unknown> | null;
  integration_user_id: string | null;
  last_checklist: unknown;
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
    lastWebhookAt: r.last_webhook_at?.toISOString() ?? null,
    lookups: r.lookups,
    integrationUserId: r.integration_user_id ?? null,
    lastChecklist: r.last_checklist ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The query getConnection runs, for an org ID given as a quoted SQL literal (for one-round-trip reads). */
export function connectionQuery(orgLiteral: string): string {
  return `SELECT * FROM connections WHERE org_id = ${orgLiteral}`;
}

/** A row of connectionQuery as a record. */
export function connectionFromRow(row: QueryResultRow): ConnectionRecord {
  return toRecord(row as Row);
}

/** The org's connection; `forUpdate` row-locks it (inside a transaction). */
export async function getConnection(db: Queryable, orgId: string, opts: { forUpdate?: boolean } = {}): Promise<ConnectionRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT * FROM connections WHERE org_id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [orgId]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export interface SaveConnectionInput extends ConnectionSettings {
  /** The sealed secret to store (the existing one when it did not change). */
  secret: SealedSecret;
  /** Decided by the caller: bumped when anything that affects authentication changed. */
  credentialsVersion: number;
  /** Lookups resolved by Test & Save, in src/sync/lookups.ts's stored form (or null). */
  lookups: object | null;
  checklist: unknown;
}

/**
 * Inserts or replaces an org's connection after a successful Test & Save: it
 * is active and verified now. Call it inside the transaction that read (and
 * row-locked) the previous row, which the version was computed from.
 */
export async function saveConnection(tx: PoolClient, orgId: string, input: SaveConnectionInput): Promise<ConnectionRecord> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO connections (org_id, instance_url, token_url, odata_base_path, client_id, secret_ciphertext, secret_key_id,
                              credentials_version, owner_id, group_id, resolved_status_id, handoff_only,
                              status, status_reason, last_verified_at, last_error, lookups, last_checklist)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', NULL, now(), NULL, $13, $14)
     ON CONFLICT (org_id) DO UPDATE SET
       instance_url = EXCLUDED.instance_url, token_url = EXCLUDED.token_url, odata_base_path = EXCLUDED.odata_base_path,
       client_id = EXCLUDED.client_id, secret_ciphertext = EXCLUDED.secret_ciphertext, secret_key_id = EXCLUDED.secret_key_id,
       credentials_version = EXCLUDED.credentials_version,
       owner_id = EXCLUDED.owner_id, group_id = EXCLUDED.group_id, resolved_status_id = EXCLUDED.resolved_status_id,
       handoff_only = EXCLUDED.handoff_only,
       status = 'active', status_reason = NULL,
       status_changed_at = CASE WHEN connections.status <> 'active' THEN now() ELSE connections.status_changed_at END,
       last_verified_at = now(), last_error = NULL, lookups = EXCLUDED.lookups, last_checklist = EXCLUDED.last_checklist,
       updated_at = now()
     RETURNING *`,
    [
      orgId,
      input.instanceUrl,
      input.tokenUrl,
      input.odataBasePath,
      input.clientId,
      input.secret.ciphertext,
      input.secret.keyId,
      input.credentialsVersion,
      input.ownerId,
      input.groupId,
      input.resolvedStatusId,
      input.handoffOnly,
      input.lookups === null ? null : JSON.stringify(input.lookups),
      JSON.stringify(input.checklist ?? null),
    ],
  );
  return toRecord(rows[0]!);
}

/**
 * Marks the connection as needing attention. Returns true only for the call
 * that changed it, so an alert goes out once per incident, not once per
 * conversation. `credentialsVersion` guards against flagging credentials that
 * were already replaced. The change is written to the audit trail too.
 */
export async function markNeedsAttention(
  pool: Pool,
  orgId: string,
  reason: string,
  detail: string,
  credentialsVersion: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH changed AS (
       UPDATE connections SET status = 'needs_attention', status_reason = $2, last_error = $3,
              status_changed_at = now(), updated_at = now()
        WHERE org_id = $1 AND credentials_version = $4 AND status = 'active'
       RETURNING org_id, credentials_version)
     INSERT INTO connection_audit (org_id, action, actor, changes, credentials_version)
     SELECT org_id, 'status_changed', 'system',
            jsonb_build_array(jsonb_build_object('field', 'status', 'old', 'active', 'new', 'needs_attention'),
                              jsonb_build_object('field', 'statusReason', 'old', NULL, 'new', $2::text)),
            credentials_version
       FROM changed`,
    [orgId, reason, detail, credentialsVersion],
  );
  return (rowCount ?? 0) > 0;
}

/** Back to active after a successful call with the current credentials. Returns true if it changed. */
export async function markActive(pool: Pool, orgId: string, credentialsVersion: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH before AS (SELECT status_reason FROM connections WHERE org_id = $1),
     changed AS (
       UPDATE connections SET status = 'active', status_reason = NULL, status_changed_at = now(), updated_at = now(),
              last_verified_at = now()
        WHERE org_id = $1 AND credentials_version = $2 AND status = 'needs_attention'
       RETURNING org_id, credentials_version)
     INSERT INTO connection_audit (org_id, action, actor, changes, credentials_version)
     SELECT changed.org_id, 'status_changed', 'system',
            jsonb_build_array(jsonb_build_object('field', 'status', 'old', 'needs_attention', 'new', 'active'),
                              jsonb_build_object('field', 'statusReason', 'old', before.status_reason, 'new', NULL)),
            changed.credentials_version
       FROM changed, before`,
    [orgId, credentialsVersion],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Disconnects: the credentials are erased; the row stays so the status reads
 * "disconnected" and the settings can be shown (and re-used with a new secret).
 * Returns the record, or undefined when it was not connected.
 */
export async function disconnectConnection(tx: PoolClient, orgId: string): Promise<ConnectionRecord | undefined> {
  const { rows } = await tx.query<Row>(
    `UPDATE connections SET status = 'disconnected', status_reason = NULL, secret_ciphertext = NULL, secret_key_id = NULL,
            credentials_version = credentials_version + 1, lookups = NULL,
            status_changed_at = now(), updated_at = now()
      WHERE org_id = $1 AND status <> 'disconnected'
      RETURNING *`,
    [orgId],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}
