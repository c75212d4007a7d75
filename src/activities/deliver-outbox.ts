import { ApplicationFailure, log } from '@temporalio/activity';
import { CallbackError, deliverPlatformEvent, type CallbackTarget } from '../platform/deliver';
import { markAttemptFailed, markDelivered, pendingEvents } from '../platform/outbox-repo';
import type { ActivityDeps } from './deps';

/**
 * Delivers the queued platform events of one conversation (or of the org
 * itself when conversationId is null), oldest first, stopping at the first
 * failure so they arrive in order. Temporal retries the activity with backoff.
 */
export async function deliverOutbox(
  deps: ActivityDeps,
  input: { orgId: string; conversationId: string | null },
): Promise<{ delivered: number; pending: number }> {
  const target: CallbackTarget | undefined = deps.callback;
  let delivered = 0;
  for (;;) {
    const batch = await pendingEvents(deps.pool, input.orgId, input.conversationId);
    if (batch.length === 0) return { delivered, pending: 0 };
    if (!target) {
      // Nothing to deliver to: events stay queued until PLATFORM_CALLBACK_URL is configured.
      log.warn('platform events queued but PLATFORM_CALLBACK_URL is not set', { orgId: input.orgId, pending: batch.length });
      return { delivered, pending: batch.length };
    }
    for (const row of batch) {
      try {
        await deliverPlatformEvent(target, row.payload);
      } catch (err) {
        const message = err instanceof CallbackError ? err.message : String(err);
        await markAttemptFailed(deps.pool, row.id, message);
        throw ApplicationFailure.retryable(`platform callback failed for event ${row.id}: ${message}`, 'callback_failed');
      }
      await markDelivered(deps.pool, row.id);
      delivered++;
    }
  }
}
