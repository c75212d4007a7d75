import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SyncActivities } from '../activities/types';

/** New org-level platform events (connection alerts) are queued. */
export const orgEventsQueuedSignal = defineSignal('orgEventsQueued');

const platform = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Delivers an org's own platform events (connection_needs_attention,
 * connection_restored) in order, with retries, then finishes when quiet.
 */
export async function orgNotifications(input: { orgId: string }): Promise<void> {
  let queued = true;
  setHandler(orgEventsQueuedSignal, () => {
    queued = true;
  });
  for (;;) {
    if (!queued && !(await condition(() => queued, '10 minutes'))) return;
    queued = false;
    await platform.deliverOutbox({ orgId: input.orgId, conversationId: null });
  }
}
