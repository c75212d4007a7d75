import { setTimeout as sleep } from 'node:timers/promises';
import type { FinalState } from './examples';
import type { ReplayPlan } from './replay';
import { getConversation, type ConversationView, type ServiceApi } from './service-api';

/**
 * Polls GET .../conversations/{id} until every conversation has reached the
 * state its sample expects, or the time is up. A conversation that needs
 * attention will not get there on its own, so it ends the wait early.
 */
export interface WaitOutcome {
  /** Last view of each conversation, by conversation ID. */
  views: Map<string, ConversationView | undefined>;
  /** Conversation IDs that did not reach their final state, with why. */
  notDone: Map<string, string>;
}

export function reachedFinalState(view: ConversationView | undefined, expected: FinalState, eventCount: number): boolean {
  if (!view) return false;
  const allStored = view.storedUpTo === eventCount;
  switch (expected) {
    case 'resolved':
    case 'closed_without_case':
      return view.state === expected && allStored;
    case 'syncing':
      return view.state === 'syncing' && allStored && view.syncedUpTo === eventCount;
    case 'pending':
      return view.state === 'pending' && allStored;
  }
}

export async function waitForFinalStates(api: ServiceApi, plans: readonly ReplayPlan[], timeoutMs: number): Promise<WaitOutcome> {
  const views = new Map<string, ConversationView | undefined>();
  const open = new Set(plans);
  const deadline = Date.now() + timeoutMs;
  const stuck = new Map<string, string>();
  while (open.size > 0 && Date.now() < deadline) {
    await Promise.all(
      [...open].map(async (plan) => {
        const id = plan.example.conversationId;
        const view = await getConversation(api, plan.orgId, id);
        views.set(id, view);
        if (reachedFinalState(view, plan.example.expect.finalState, plan.events.length)) open.delete(plan);
        else if (view?.state === 'needs_attention') {
          stuck.set(id, `needs_attention (${view.reason ?? 'no reason given'})`);
          open.delete(plan);
        }
      }),
    );
    if (open.size > 0) await sleep(250);
  }
  const notDone = new Map(stuck);
  for (const plan of open) {
    const v = views.get(plan.example.conversationId);
    notDone.set(
      plan.example.conversationId,
      v
        ? `still ${v.state}${v.reason ? ` (${v.reason})` : ''}, synced ${v.syncedUpTo} of ${plan.events.length} events, expected ${plan.example.expect.finalState}`
        : 'the API does not know the conversation',
    );
  }
  return { views, notDone };
}
