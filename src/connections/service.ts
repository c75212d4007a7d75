/**
 * The connection admin flow behind the API: Test & Save, test only, and
 * disconnect. Saving and disconnecting happen in one transaction that holds
 * the org's exclusive write lock (write-guard.ts), so Creatio calls in flight
 * finish first and none starts with the old settings afterwards.
 */
import type { Pool, PoolClient } from 'pg';
import type { SecretBox, SealedSecret } from '../security/secret-box';
import { sameSecret } from '../security/secret-compare';
import { recordAudit, type AuditAction } from '../store/connection-audit-repo';
import { disconnectConnection, getConnection, saveConnection, type ConnectionRecord } from '../store/connections-repo';
import { toStoredLookups } from '../sync/lookups';
import { changesCredentials, settingsChanges } from './audit-diff';
import { buildCandidate, type Candidate, type ConnectionInput, type FieldIssue } from './candidate';
import type { ChecklistRun } from './checklist';
import type { ConnectionTester } from './tester';
import { revokeTokens } from '../webhooks/tokens-repo';
import { lockOrgExclusive } from './write-guard';

export interface ConnectionServiceDeps {
  pool: Pool;
  secrets: SecretBox;
  tester: ConnectionTester;
  /** How long a save or disconnect waits for Creatio calls in flight. */
  lockTimeoutMs: number;
}

/** The stored secret cannot be decrypted (its key is no longer configured, or the row was tampered with). */
export class StoredSecretUnreadableError extends Error {
  constructor(readonly keyId: string) {
    super(`The stored client secret cannot be decrypted (key "${keyId}")`);
    this.name = 'StoredSecretUnreadableError';
  }
}

/** The connection changed while its new settings were being tested; nothing was saved. */
export class ConcurrentChangeError extends Error {
  constructor(readonly orgId: string) {
    super(`The connection of ${orgId} changed while the new settings were being tested`);
    this.name = 'ConcurrentChangeError';
  }
}

export type TestOutcome =
  | { kind: 'invalid'; issues: FieldIssue[] }
  | { kind: 'tested'; candidate: Candidate; run: ChecklistRun; existing: ConnectionRecord | undefined };

/** Validates the input and runs the checklist against it. Changes nothing. */
export async function testCandidate(deps: ConnectionServiceDeps, orgId: string, input: ConnectionInput): Promise<TestOutcome> {
  const existing = await getConnection(deps.pool, orgId);
  const built = buildCandidate(input, existing);
  if (!built.ok) return { kind: 'invalid', issues: built.issues };
  const { candidate } = built;
  const secret = candidate.secret.kind === 'entered' ? candidate.secret.value : openStored(deps.secrets, candidate.secret.sealed, orgId);
  const run = await deps.tester(candidate.settings, secret);
  return { kind: 'tested', candidate, run, existing };
}

function openStored(secrets: SecretBox, sealed: SealedSecret, orgId: string): string {
  if (!secrets.hasKey(sealed.keyId)) throw new StoredSecretUnreadableError(sealed.keyId);
  try {
    return secrets.open(sealed, orgId);
  } catch {
    throw new StoredSecretUnreadableError(sealed.keyId);
  }
}

async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await fn(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

export interface SaveResult {
  record: ConnectionRecord;
  action: AuditAction;
  credentialsChanged: boolean;
  /** This save put a connection that needed attention back to work (the platform is told). */
  restored: boolean;
}

/** Saves settings that passed the checklist, with the lookups it resolved, and records the change. */
export async function saveTested(
  deps: ConnectionServiceDeps,
  orgId: string,
  tested: { candidate: Candidate; run: ChecklistRun },
  actor: string | null,
): Promise<SaveResult> {
  const { candidate, run } = tested;
  return inTransaction(deps.pool, async (tx) => {
    await lockOrgExclusive(tx, orgId, deps.lockTimeoutMs);
    const before = await getConnection(tx, orgId, { forUpdate: true });
    const live = before && before.status !== 'disconnected' && before.secret ? before : undefined;

    let sealed: SealedSecret;
    let secretChanged: boolean;
    if (candidate.secret.kind === 'stored') {
      // Tested with the stored secret: it must still be the stored one (not erased by a disconnect meanwhile).
      if (live?.secret?.ciphertext !== candidate.secret.sealed.ciphertext) throw new ConcurrentChangeError(orgId);
      sealed = candidate.secret.sealed;
      secretChanged = false;
    } else if (live?.secret && secretMatches(deps.secrets, live.secret, orgId, candidate.secret.value)) {
      // Same secret typed again: keep the stored ciphertext so tokens stay valid.
      sealed = live.secret;
      secretChanged = false;
    } else {
      sealed = deps.secrets.seal(candidate.secret.value, orgId);
      secretChanged = true;
    }

    const settings = candidate.settings;
    const credentialsChanged = !live || changesCredentials(live, settings, secretChanged);
    const credentialsVersion = before ? before.credentialsVersion + (credentialsChanged ? 1 : 0) : 1;
    const record = await saveConnection(tx, orgId, {
      ...settings,
      secret: sealed,
      credentialsVersion,
      lookups: run.lookupsComplete ? toStoredLookups(run.lookups, credentialsVersion, new Date(run.checkedAt)) : null,
      checklist: { checkedAt: run.checkedAt, items: run.items },
    });
    const changes = settingsChanges(before, settings, secretChanged || !live);
    if (before && before.status !== 'active') changes.push({ field: 'status', old: before.status, new: 'active' });
    const action: AuditAction = !live ? 'connected' : changes.length > 0 ? 'updated' : 'verified';
    await recordAudit(tx, { orgId, action, actor, changes, credentialsVersion });
    return { record, action, credentialsChanged, restored: before?.status === 'needs_attention' };
  });
}

function secretMatches(secrets: SecretBox, stored: SealedSecret, orgId: string, entered: string): boolean {
  try {
    return sameSecret(secrets.open(stored, orgId), entered);
  } catch {
    return false; // unreadable: the entered one replaces it
  }
}

export type DisconnectResult = { kind: 'never_connected' } | { kind: 'already_disconnected'; record: ConnectionRecord } | { kind: 'disconnected'; record: ConnectionRecord };

/** Erases the credentials once no Creatio call of the org is in flight; none starts afterwards. */
export async function disconnect(deps: ConnectionServiceDeps, orgId: string, actor: string | null): Promise<DisconnectResult> {
  const result = await inTransaction(deps.pool, async (tx): Promise<DisconnectResult> => {
    const existing = await getConnection(tx, orgId);
    if (!existing) return { kind: 'never_connected' };
    await lockOrgExclusive(tx, orgId, deps.lockTimeoutMs);
    const record = await disconnectConnection(tx, orgId);
    if (!record) return { kind: 'already_disconnected', record: existing };
    await recordAudit(tx, {
      orgId,
      action: 'disconnected',
      actor,
      changes: [
        { field: 'status', old: existing.status, new: 'disconnected' },
        { field: 'clientSecret', changed: true },
      ],
      credentialsVersion: record.credentialsVersion,
    });
    return { kind: 'disconnected', record };
  });
  // Creatio's calls to our webhook URL are refused from now on; a new connection gets a new URL.
  if (result.kind === 'disconnected') await revokeTokens(deps.pool, orgId);
  return result;
}
