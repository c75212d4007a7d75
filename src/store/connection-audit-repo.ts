import type { Queryable } from './connections-repo';

/** One field's change; the secret's value never appears, only that it changed. */
export type AuditChange = { field: string; old: unknown; new: unknown } | { field: 'clientSecret'; changed: true };

export type AuditAction = 'connected' | 'updated' | 'verified' | 'disconnected' | 'secret_reencrypted' | 'status_changed';

export interface AuditEntry {
  id: string;
  orgId: string;
  at: string;
  action: AuditAction;
  actor: string | null;
  changes: AuditChange[];
  credentialsVersion: number | null;
}

interface Row {
  id: string;
  org_id: string;
  at: Date;
  action: AuditAction;
  actor: string | null;
  changes: AuditChange[];
  credentials_version: number | null;
}

export async function recordAudit(
  db: Queryable,
  entry: { orgId: string; action: AuditAction; actor: string | null; changes: AuditChange[]; credentialsVersion: number | null },
): Promise<void> {
  await db.query('INSERT INTO connection_audit (org_id, action, actor, changes, credentials_version) VALUES ($1, $2, $3, $4, $5)', [
    entry.orgId,
    entry.action,
    entry.actor,
    JSON.stringify(entry.changes),
    entry.credentialsVersion,
  ]);
}

/** Newest first; `beforeId` pages back. */
export async function listAudit(db: Queryable, orgId: string, opts: { limit: number; beforeId?: string }): Promise<AuditEntry[]> {
  const { rows } = await db.query<Row>(
    `SELECT a.id::text AS id, a.org_id, a.at, a.action, a.actor, a.changes, a.credentials_version FROM connection_audit a
      WHERE a.org_id = $1 AND ($2::bigint IS NULL OR a.id < $2::bigint)
      ORDER BY a.id DESC LIMIT $3`,
    [orgId, opts.beforeId ?? null, opts.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    at: r.at.toISOString(),
    action: r.action,
    actor: r.actor,
    changes: r.changes,
    credentialsVersion: r.credentials_version,
  }));
}
