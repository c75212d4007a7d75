import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { SecretBox } from '../security/secret-box';

/**
 * Webhook URL tokens per org. Stored as a SHA-256 hash for lookup (the
 * incoming token is never compared character by character) and sealed so
 * the current URL can be shown to admins again.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The org whose valid (not expired) token this is. */
export async function orgForToken(pool: Pool, token: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const { rows } = await pool.query<{ org_id: string }>(
    'SELECT org_id FROM webhook_tokens WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > now())',
    [hashToken(token)],
  );
  return rows[0]?.org_id;
}

/** The org's current token, created on first use. */
export async function currentToken(pool: Pool, secrets: SecretBox, orgId: string): Promise<string> {
  const { rows } = await pool.query<{ token_sealed: string; token_key_id: string }>(
    'SELECT token_sealed, token_key_id FROM webhook_tokens WHERE org_id = $1 AND expires_at IS NULL ORDER BY created_at DESC LIMIT 1',
    [orgId],
  );
  if (rows[0]) return secrets.open({ keyId: rows[0].token_key_id, ciphertext: rows[0].token_sealed }, `webhook:${orgId}`);
  return insertToken(pool, secrets, orgId);
}

async function insertToken(pool: Pool, secrets: SecretBox, orgId: string): Promise<string> {
  const token = newToken();
  const sealed = secrets.seal(token, `webhook:${orgId}`);
  await pool.query('INSERT INTO webhook_tokens (token_hash, org_id, token_sealed, token_key_id) VALUES ($1, $2, $3, $4)', [
    hashToken(token),
    orgId,
    sealed.ciphertext,
    sealed.keyId,
  ]);
  return token;
}

/**
 * Issues a new token; the previous ones keep working for `graceSeconds`
 * (0 = revoked at once), long enough to update the business processes.
 */
export async function rotateToken(pool: Pool, secrets: SecretBox, orgId: string, graceSeconds: number): Promise<string> {
  await pool.query(
    `UPDATE webhook_tokens SET expires_at = now() + make_interval(secs => $2)
      WHERE org_id = $1 AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))`,
    [orgId, graceSeconds],
  );
  return insertToken(pool, secrets, orgId);
}

/** Revokes every token of the org (disconnect). */
export async function revokeTokens(pool: Pool, orgId: string): Promise<void> {
  await pool.query('UPDATE webhook_tokens SET expires_at = now() WHERE org_id = $1 AND (expires_at IS NULL OR expires_at > now())', [orgId]);
}
