import { ApplicationFailure, log } from '@temporalio/activity';
import { OrgLockTimeoutError } from '../connections/write-guard';
import { isCreatioError, type CreatioError } from '../creatio';
import { markActive, markNeedsAttention } from '../store/connections-repo';
import type { ConnectedOrg } from '../sync/creatio-connections';
import type { ActivityDeps } from './deps';
import { notConnected, toActivityFailure } from './failures';

/** Errors that are about the connection as a whole, not about one record. */
function isConnectionProblem(err: CreatioError): boolean {
  return err.kind === 'credentials_rejected' || err.kind === 'permission_denied' || err.kind === 'configuration';
}

/**
 * Runs `fn` with the org's Creatio client, under the org's shared write lock:
 * the connection is read once the lock is held, so after a disconnect (which
 * takes the lock exclusively) returns, no call starts, and calls in flight
 * finished before it (src/connections/write-guard.ts).
 *
 * Keeps the connection's health in step: the first conversation to hit a
 * credentials/permission/configuration problem flips the connection to
 * needs_attention (once, not once per conversation), and the first success
 * afterwards flips it back.
 */
export async function withCreatio<T>(deps: ActivityDeps, orgId: string, fn: (conn: ConnectedOrg) => Promise<T>): Promise<T> {
  // The platform is told after the lock is released: its callback may be slow.
  let tell: (() => Promise<void>) | undefined;
  try {
    return await deps.connections.withOrg(orgId, async (conn) => {
      if (!conn) throw notConnected();
      const version = conn.record.credentialsVersion;
      try {
        const result = await fn(conn);
        if (conn.record.status === 'needs_attention' && (await markActive(deps.pool, orgId, version))) {
          log.info('Creatio connection works again', { orgId });
          tell = async () => deps.health?.restored(orgId);
        }
        return result;
      } catch (err) {
        if (isCreatioError(err) && isConnectionProblem(err)) {
          if (await markNeedsAttention(deps.pool, orgId, err.kind, err.message, version)) {
            log.warn('Creatio connection needs attention', { orgId, reason: err.kind });
            const reason = err.kind;
            tell = async () => deps.health?.needsAttention(orgId, reason);
          }
        }
        throw toActivityFailure(err);
      }
    });
  } catch (err) {
    // Waited too long behind a disconnect or save: an ordinary wait-and-retry, not a failure of Creatio.
    if (err instanceof OrgLockTimeoutError) throw ApplicationFailure.create({ type: 'transient', message: err.message, nonRetryable: false });
    throw err;
  } finally {
    if (tell) await tell();
  }
}
