import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { ConnectionHealthListener } from '../activities/deps';
import { orgNotificationsWorkflowId } from '../workflows/ids';
import { orgEventsQueuedSignal, type orgNotifications } from '../workflows/org-notifications';
import { enqueuePlatformEvent } from './outbox-repo';

/**
 * Tells the platform when an org's Creatio connection breaks or works again:
 * queues the event, then wakes the org's notification workflow to deliver it.
 */
export function platformHealthNotifier(pool: Pool, client: Client, taskQueue: string): ConnectionHealthListener {
  const notify = async (orgId: string, type: 'connection_needs_attention' | 'connection_restored', data: Record<string, unknown>) => {
    // One event per incident: the caller only notifies when it flipped the status.
    await enqueuePlatformEvent(pool, { orgId, type, dedupeKey: `${type}/${randomUUID()}`, occurredAt: new Date().toISOString(), data });
    await client.workflow.signalWithStart<typeof orgNotifications, []>('orgNotifications', {
      workflowId: orgNotificationsWorkflowId(orgId),
      taskQueue,
      args: [{ orgId }],
      signal: orgEventsQueuedSignal,
      signalArgs: [],
    });
  };
  return {
    needsAttention: (orgId, reason) => notify(orgId, 'connection_needs_attention', { reason }),
    restored: (orgId) => notify(orgId, 'connection_restored', {}),
  };
}
