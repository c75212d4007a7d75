import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  connectionChangedSignal,
  creatioChangedSignal,
  eventsAvailableSignal,
  SYNC_CODE_VERSION,
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
  if (likelyRunning) {
    try {
      await target.client.connection.withDeadline(Date.now() + (target.deadlineMs ?? 5_000), () =>
        target.client.workflow.getHandle(workflowId).signal(eventsAvailableSignal, { upTo }),
      );
      return workflowId;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  await target.client.connection.withDeadline(Date.now() + (target.deadlineMs ?? 5_000), () =>
    target.client.workflow.signalWithStart<typeof conversationSync, [EventsAvailable]>('conversationSync', {
      workflowId,
      taskQueue: target.taskQueue,
      args: [{ orgId, conversationId, timings: target.timings, codeVersion: SYNC_CODE_VERSION }],
      signal: eventsAvailableSignal,
      signalArgs: [{ upTo }],
      typedSearchAttributes: [{ key: OrgIdAttr, value: orgId }],
      staticSummary: `Creatio sync of conversation ${conversationId} (org ${orgId})`,
    }),
  );
  return workflowId;
}

/** Wakes a running conversation workflow after its org's connection changed; a finished one is left alone. */
export async function signalConnectionChanged(target: SignalTarget, orgId: string, conversationId: string): Promise<boolean> {
  try {
    await target.client.connection.withDeadline(Date.now() + (target.deadlineMs ?? 5_000), () =>
      target.client.workflow.getHandle(conversationWorkflowId(orgId, conversationId)).signal(connectionChangedSignal),
    );
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Tells the conversation's workflow that Creatio reported a change on its
 * case, starting the workflow if it had finished (an agent may reply days later).
 */
export async function signalCreatioChanged(target: SignalTarget, orgId: string, conversationId: string): Promise<void> {
  await target.client.connection.withDeadline(Date.now() + (target.deadlineMs ?? 5_000), () =>
    target.client.workflow.signalWithStart<typeof conversationSync, []>('conversationSync', {
      workflowId: conversationWorkflowId(orgId, conversationId),
      taskQueue: target.taskQueue,
      args: [{ orgId, conversationId, timings: target.timings, codeVersion: SYNC_CODE_VERSION }],
      signal: creatioChangedSignal,
      signalArgs: [],
      typedSearchAttributes: [{ key: OrgIdAttr, value: orgId }],
      staticSummary: `Creatio sync of conversation ${conversationId} (org ${orgId})`,
    }),
  );
}
