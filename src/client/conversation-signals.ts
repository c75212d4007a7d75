import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, type SignalDefinition } from '@temporalio/common';
import {
  connectionChangedSignal,
  creatioChangedSignal,
  eventsAvailableSignal,
  SYNC_CODE_VERSION,
  type ConversationSyncInput,
  type EventsAvailable,
  type SyncTimings,
} from '../workflows/definitions';
import { conversationWorkflowId } from '../workflows/ids';
import { OrgIdAttr } from '../workflows/search-attributes';
import type { conversationSync } from '../workflows/conversation-sync';

export interface SignalTarget {
  client: Client;
  taskQueue: string;
  timings?: Partial<SyncTimings>;
  /** How long one call to Temporal may take before we call it unreachable. */
  deadlineMs?: number;
}

/** Runs one call to Temporal within the target's deadline (past it, Temporal counts as unreachable). */
function withDeadline<T>(target: SignalTarget, call: () => Promise<T>): Promise<T> {
  return target.client.connection.withDeadline(Date.now() + (target.deadlineMs ?? 5_000), call);
}

/** Signals the conversation's open run; false when it has none (finished or never started). */
async function signalIfRunning<Args extends unknown[]>(
  target: SignalTarget,
  workflowId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<boolean> {
  try {
    await withDeadline(target, () => target.client.workflow.getHandle(workflowId).signal(signal, ...args));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** What signal-with-start needs to start a conversation's run when it has none. */
function runStart(target: SignalTarget, orgId: string, conversationId: string) {
  const args: [ConversationSyncInput] = [{ orgId, conversationId, timings: target.timings, codeVersion: SYNC_CODE_VERSION }];
  return {
    workflowId: conversationWorkflowId(orgId, conversationId),
    taskQueue: target.taskQueue,
    args,
    typedSearchAttributes: [{ key: OrgIdAttr, value: orgId }],
    staticSummary: `Creatio sync of conversation ${conversationId} (org ${orgId})`,
  };
}

/**
 * Tells the conversation's workflow that events are stored up to `upTo`,
 * starting the workflow if it is not running (signal-with-start).
 *
 * `likelyRunning`: the caller has reason to think a run is open (an earlier
 * request of the conversation was signalled). Then a plain signal goes first:
 * it costs the Temporal server about a third less than signal-with-start (no
 * start request to weigh, no input, search attributes or summary to encode),
 * and a run that has finished answers "not found", so signal-with-start
 * follows. Either way the signal lands exactly once.
 */
export async function signalEventsAvailable(
  target: SignalTarget,
  orgId: string,
  conversationId: string,
  upTo: number,
  likelyRunning = false,
): Promise<string> {
  const workflowId = conversationWorkflowId(orgId, conversationId);
  if (!(likelyRunning && (await signalIfRunning(target, workflowId, eventsAvailableSignal, { upTo })))) {
    await withDeadline(target, () =>
      target.client.workflow.signalWithStart<typeof conversationSync, [EventsAvailable]>('conversationSync', {
        ...runStart(target, orgId, conversationId),
        signal: eventsAvailableSignal,
        signalArgs: [{ upTo }],
      }),
    );
  }
  return workflowId;
}

/** Wakes a running conversation workflow after its org's connection changed; a finished one is left alone. */
export async function signalConnectionChanged(target: SignalTarget, orgId: string, conversationId: string): Promise<boolean> {
  return signalIfRunning(target, conversationWorkflowId(orgId, conversationId), connectionChangedSignal);
}

/**
 * Tells the conversation's workflow that Creatio reported a change on its
 * case, starting the workflow if it had finished (an agent may reply days later).
 */
export async function signalCreatioChanged(target: SignalTarget, orgId: string, conversationId: string): Promise<void> {
  await withDeadline(target, () =>
    target.client.workflow.signalWithStart<typeof conversationSync, []>('conversationSync', {
      ...runStart(target, orgId, conversationId),
      signal: creatioChangedSignal,
      signalArgs: [],
    }),
  );
}
