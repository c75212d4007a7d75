import { DatabaseError, type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';

/**
 * The disconnect guarantee ("no Creatio write after DELETE returns") as
 * PostgreSQL advisory locks, so it holds across every worker and API process
 * on the database:
 *  - each Creatio call of an activity runs under a SHARED per-org lock, held
 *    on a dedicated session for the call's duration, and re-reads the
 *    connection under it;
 *  - DELETE (and a save that changes credentials) takes the EXCLUSIVE lock in
 *    its transaction, so it waits for calls in flight and no call can start
 *    until it has committed, after which the re-read sees the new state.
 * A crashed worker's session ends and its lock goes with it.
 */

/** First key of the two-key advisory lock form, whose key space is apart from the one-bigint form. */
const WRITE_LOCK_CLASS = 0x43524541;

/** The lock could not be had in time (a long disconnect or long writes in flight); retry later. */
export class OrgLockTimeoutError extends Error {
  constructor(
    readonly orgId: string,
    readonly mode: 'shared' | 'exclusive',
  ) {
    super(`Timed out waiting for the ${mode} Creatio write lock of organisation ${orgId}`);
    this.name = 'OrgLockTimeoutError';
  }
}

function isLockTimeout(err: unknown): boolean {
  return err instanceof DatabaseError && err.code === '55P03';
}

/**
 * Runs `fn` holding the org's shared write lock on a session of `lockPool`.
 * The pool must not be the one `fn` queries with: sessions parked on locks
 * could otherwise take every connection `fn` needs.
 *
 * `readUnderLock` (a query built from the org ID as a quoted literal) runs in
 * the same round trip once the lock is held, and `fn` gets its rows: the
 * statements go as one simple query, each with its own snapshot, so the read
 * sees everything committed before the lock was granted.
 */
export async function withSharedOrgLock<T>(
  lockPool: Pool,
  orgId: string,
  timeoutMs: number,
  fn: (readRows: QueryResultRow[]) => Promise<T>,
  readUnderLock?: (orgLiteral: string) => string,
): Promise<T> {
  const session = await lockPool.connect();
  let sessionBroken: Error | undefined;
  // The session sits idle (no query running) while fn talks to Creatio; if the
  // server drops it then, pg emits 'error' on the client, which would crash the
  // process without a listener. Note it; the lock is gone with the session anyway.
  const onError = (err: Error) => {
    sessionBroken = err;
  };
  session.on('error', onError);
  try {
    let readRows: QueryResultRow[] = [];
    try {
      // One round trip: the wait bound, the lock, then the read (if any) once the lock is held.
      const org = session.escapeLiteral(orgId);
      const statements = [
        `SELECT set_config('lock_timeout', '${Math.max(1, Math.round(timeoutMs))}ms', false)`,
        `SELECT pg_advisory_lock_shared(${WRITE_LOCK_CLASS}, hashtext(${org}))`,
        ...(readUnderLock ? [readUnderLock(org)] : []),
      ];
      const results = (await session.query(statements.join('; '))) as unknown as QueryResult[];
      readRows = results[2]?.rows ?? [];
    } catch (err) {
      if (isLockTimeout(err)) throw new OrgLockTimeoutError(orgId, 'shared');
      sessionBroken = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    try {
      return await fn(readRows);
    } finally {
      await session.query({ name: 'org-unlock-shared', text: 'SELECT pg_advisory_unlock_shared($1, hashtext($2))', values: [WRITE_LOCK_CLASS, orgId] }).catch((err: unknown) => {
        // Destroying the session below releases the lock for certain.
        sessionBroken = err instanceof Error ? err : new Error(String(err));
      });
    }
  } finally {
    session.off('error', onError);
    session.release(sessionBroken);
  }
}

/** Takes the org's exclusive write lock for the rest of the transaction `tx` is in. */
export async function lockOrgExclusive(tx: PoolClient, orgId: string, timeoutMs: number): Promise<void> {
  await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  try {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_LOCK_CLASS, orgId]);
  } catch (err) {
    if (isLockTimeout(err)) throw new OrgLockTimeoutError(orgId, 'exclusive');
    throw err;
  }
  // Row locks later in the transaction wait as long as they need.
  await tx.query(`SELECT set_config('lock_timeout', '0', true)`);
}
