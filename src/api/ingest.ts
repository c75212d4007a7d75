import type { Pool } from 'pg';
import type { SignalTarget } from '../client/conversation-signals';
import { signalEventsAvailable } from '../client/conversation-signals';
import type { Customer } from '../domain/events';
import { markSignalled } from '../store/conversations-repo';
import { conversationWorkflowId } from '../workflows/ids';
import { appendEvents, type AppendResult, type IncomingEvent } from '../store/events-repo';

export type IngestResult = AppendResult & { workflowId: string; signalled: boolean; signalError?: unknown };

/**
 * Store first (refused with NotConnectedError when the org has no connection), then signal: once the events are committed nothing is lost,
 * even if Temporal is unreachable or this process dies before signalling (the recovery loop signals later).
 * A delivered signal is not written down here: the workflow's next write marks it (synced means told), and
 * the recovery loop marks what is left once it is old, so the hot path costs one statement, not two.
 */
export async function ingestEvents(
  pool: Pool,
  signals: SignalTarget,
  orgId: string,
  conversationId: string,
  events: IncomingEvent[],
  customer: Customer | undefined,
): Promise<IngestResult> {
  const stored = await appendEvents(pool, orgId, conversationId, events, customer);
  const workflowId = conversationWorkflowId(orgId, conversationId);
  // Nothing new to sync (duplicates, or only events beyond a gap): no signal,
  // so a replayed event never wakes or restarts a finished conversation.
  if (stored.contiguousSeq <= stored.signalledSeq) return { ...stored, workflowId, signalled: true };
  // Nothing for the workflow to do, so it is not woken, only recorded as told:
  // - a re-sent request whose events are already written (its first signal got
  //   through but answered too late): a signal would only start a needless run;
  // - handoff-only with no case yet and only plain messages: they change nothing
  //   until the handoff (or the close), which signals the whole range. Most
  //   AI-only conversations stay workflow-free; a switch to every-conversation
  //   mode starts them (wakeConversations).
  const alreadyWritten = stored.contiguousSeq <= stored.syncedSeq;
  const waitingForHandoff = stored.handoffOnly && !stored.hasCase && stored.messagesOnly;
  if (alreadyWritten || waitingForHandoff) {
    await markSignalled(pool, orgId, conversationId, stored.contiguousSeq);
    return { ...stored, workflowId, signalled: true };
  }
  // A write to the case is under way and reads what comes next as it finishes: no signal needed
  // (fewer signals, workflow tasks and history events while messages come quickly).
  if (stored.writeInFlight) return { ...stored, workflowId, signalled: true };
  // An earlier request of this conversation was signalled (or marked told), so its run is probably open.
  const likelyRunning = stored.signalledSeq > 0 || stored.events.some((e) => e.seq > 1);
  try {
    await signalEventsAvailable(signals, orgId, conversationId, stored.contiguousSeq, likelyRunning);
    return { ...stored, workflowId, signalled: true };
  } catch (signalError) {
    return { ...stored, workflowId, signalled: false, signalError };
  }
}
