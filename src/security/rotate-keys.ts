import type { Pool } from 'pg';
import type { SecretBox } from './secret-box';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';

export interface RotationFailure {
  column: string;
  orgId: string;
  keyId: string;
  reason: 'key_not_configured' | 'cannot_decrypt';
}

export interface ColumnReport {
  column: string;
  /** Rows holding a sealed value. */
  total: number;
  /** Already under the active key before this run. */
  alreadyCurrent: number;
  reencrypted: number;
  /** Changed by someone else while we worked (e.g. a new secret saved): left as they are, already current or re-run. */
  changedMeanwhile: number;
  failed: RotationFailure[];
}

export interface RotationReport {
  activeKeyId: string;
  columns: ColumnReport[];
}

interface SealedRow {
  id: string;
  org_id: string;
  ciphertext: string;
  key_id: string;
}

/**
 * Re-encrypts every sealed secret under the box's active key. Idempotent: a
 * row already under the active key is not touched, so a second run reports
 * everything as current. The secrets themselves do not change, so the
 * credentials version (and every cached token) stays as it is. Each row is
 * updated only if it still holds the ciphertext we decrypted, so a secret
 * saved meanwhile is never overwritten with the old one.
 */
export async function rotateSecretKeys(pool: Pool, box: SecretBox): Promise<RotationReport> {
  const columns: ColumnReport[] = [];
  for (const column of SEALED_COLUMNS) columns.push(await rotateColumn(pool, box, column));
  return { activeKeyId: box.activeKeyId, columns };
}

async function rotateColumn(pool: Pool, box: SecretBox, c: SealedColumn): Promise<ColumnReport> {
  const report: ColumnReport = { column: c.label, total: 0, alreadyCurrent: 0, reencrypted: 0, changedMeanwhile: 0, failed: [] };
  const counts = await pool.query<{ total: string; current: string }>(
    `SELECT count(*)::text AS total, count(*) FILTER (WHERE ${c.keyIdColumn} = $1)::text AS current
       FROM ${c.table} WHERE ${c.ciphertextColumn} IS NOT NULL`,
    [box.activeKeyId],
  );
  report.total = Number(counts.rows[0]?.total ?? 0);
  report.alreadyCurrent = Number(counts.rows[0]?.current ?? 0);

  const { rows } = await pool.query<SealedRow>(
    `SELECT ${c.idColumn}::text AS id, ${c.orgColumn} AS org_id, ${c.ciphertextColumn} AS ciphertext, ${c.keyIdColumn} AS key_id
       FROM ${c.table} WHERE ${c.ciphertextColumn} IS NOT NULL AND ${c.keyIdColumn} IS DISTINCT FROM $1`,
    [box.activeKeyId],
  );
  for (const row of rows) {
    if (!box.hasKey(row.key_id)) {
      report.failed.push({ column: c.label, orgId: row.org_id, keyId: row.key_id, reason: 'key_not_configured' });
      continue;
    }
    let plaintext: string;
    try {
      plaintext = box.open({ keyId: row.key_id, ciphertext: row.ciphertext }, c.aad(row.org_id));
    } catch {
      report.failed.push({ column: c.label, orgId: row.org_id, keyId: row.key_id, reason: 'cannot_decrypt' });
      continue;
    }
    const sealed = box.seal(plaintext, c.aad(row.org_id));
    const updated = await updateRow(pool, c, row, sealed);
    if (updated) report.reencrypted += 1;
    else report.changedMeanwhile += 1;
  }
  return report;
}

async function updateRow(pool: Pool, c: SealedColumn, row: SealedRow, sealed: { keyId: string; ciphertext: string }): Promise<boolean> {
  const update = `UPDATE ${c.table} SET ${c.ciphertextColumn} = $3, ${c.keyIdColumn} = $4
                   WHERE ${c.idColumn}::text = $1 AND ${c.ciphertextColumn} = $2`;
  if (c.table !== 'connections') {
    const { rowCount } = await pool.query(update, [row.id, row.ciphertext, sealed.ciphertext, sealed.keyId]);
    return (rowCount ?? 0) > 0;
  }
  // Connections: the audit trail shows the re-encryption (key IDs only).
  const { rowCount } = await pool.query(
    `WITH changed AS (${update} RETURNING org_id, credentials_version)
     INSERT INTO connection_audit (org_id, action, actor, changes, credentials_version)
     SELECT org_id, 'secret_reencrypted', 'system',
            jsonb_build_array(jsonb_build_object('field', 'secretKeyId', 'old', $5::text, 'new', $4::text)), credentials_version
       FROM changed`,
    [row.id, row.ciphertext, sealed.ciphertext, sealed.keyId, row.key_id],
  );
  return (rowCount ?? 0) > 0;
}

/** Human-readable lines for the command's output. */
export function formatRotationReport(r: RotationReport): string[] {
  const lines = [`Active key: ${r.activeKeyId}`];
  for (const c of r.columns) {
    lines.push(
      `${c.column}: ${c.total} stored, ${c.alreadyCurrent} already under the active key, ${c.reencrypted} re-encrypted, ` +
        `${c.changedMeanwhile} changed meanwhile (left as saved), ${c.failed.length} failed`,
    );
    for (const f of c.failed) {
      lines.push(`  org ${f.orgId}: key "${f.keyId}" ${f.reason === 'key_not_configured' ? 'is not in SECRET_KEYS' : 'does not decrypt it'}`);
    }
  }
  return lines;
}
