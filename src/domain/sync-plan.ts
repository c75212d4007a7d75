import type { EventHeader } from './events';

/**
 * The sync decision, as a pure function: given what is stored and what is
 * already written, what should be written next. The workflow calls it after
 * every step; it never looks at text, only at event kinds and order.
 */
export interface PlanInput {
  handoffOnly: boolean;
  connected: boolean;
  caseId: string | null;
  /** Events after the cursor, contiguous and in sequence order (possibly only the first page). */
  pending: EventHeader[];
  /** First events of each trigger kind among ALL pending events, beyond the page. */
  triggers: PendingTriggers;
  /** Most events one write may carry (one Creatio $batch holds 100 records). */
  maxEventsPerWrite: number;
  /** Same, when the write also creates the case and its first (link) activity. */
  maxEventsWithNewCase: number;
}

/** What the workflow plans with: stored and written positions, settings, and the next events' kinds. */
export interface SyncSnapshot {
  connected: boolean;
  handoffOnly: boolean;
  caseId: string | null;
  caseNumber: string | null;
  /** Every event up to here is written (or deliberately skipped). */
  syncedSeq: number;
  /** Stored with no gap up to here. */
  contiguousSeq: number;
  /** First page of events after syncedSeq, up to contiguousSeq. */
  pending: EventHeader[];
  triggers: PendingTriggers;
  /** How the conversation ended, if it has (a run started by a late signal can finish at once). */
  endedAs?: 'resolved' | 'closed_without_case' | null;
}

export interface PendingTriggers {
  firstCustomerMessageSeq: number | null;
  firstHandoffSeq: number | null;
  firstResolveSeq: number | null;
}

export type SyncAction =
  | { kind: 'idle' }
  | { kind: 'disconnected' }
  | {
      kind: 'write';
      fromSeq: number;
      toSeq: number;
      createCase?: { trigger: 'customer_message' | 'handoff'; triggerSeq: number };
      /**
       * The resolve right after toSeq, when this write creates the case: it
       * can go in the same request as the case (a case created a moment ago
       * cannot have been closed by an agent, so no status read is needed).
       */
      thenResolve?: number;
    }
  | { kind: 'resolve'; seq: number }
  /** The conversation was resolved before anything warranted a case. */
  | { kind: 'close_without_case'; seq: number };

export function planNextStep(input: PlanInput): SyncAction {
  if (!input.connected) return { kind: 'disconnected' };
  const pending = input.pending;
  if (pending.length === 0) return { kind: 'idle' };

  const resolveIdx = pending.findIndex((e) => e.type === 'resolve');
  // Everything before the first resolve can be written; the resolve comes after it.
  const writable = resolveIdx === -1 ? pending : pending.slice(0, resolveIdx);

  if (input.caseId === null) {
    const { firstCustomerMessageSeq: customer, firstHandoffSeq: handoff, firstResolveSeq: resolve } = input.triggers;
    const trigger = input.handoffOnly ? handoff : minSeq(customer, handoff);
    if (trigger !== null && (resolve === null || trigger < resolve) && writable.length > 0) {
      const writesAll = writable.length <= input.maxEventsWithNewCase;
      return {
        kind: 'write',
        fromSeq: writable[0]!.seq,
        toSeq: writable[Math.min(writable.length, input.maxEventsWithNewCase) - 1]!.seq,
        createCase: { trigger: trigger === handoff ? 'handoff' : 'customer_message', triggerSeq: trigger },
        ...(writesAll && resolveIdx !== -1 ? { thenResolve: pending[resolveIdx]!.seq } : {}),
      };
    }
    if (resolve !== null) return { kind: 'close_without_case', seq: resolve };
    return { kind: 'idle' };
  }

  if (writable.length === 0) return { kind: 'resolve', seq: pending[0]!.seq };
  return {
    kind: 'write',
    fromSeq: writable[0]!.seq,
    toSeq: writable[Math.min(writable.length, input.maxEventsPerWrite) - 1]!.seq,
  };
}

function minSeq(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** One case $batch holds 100 records: the case, its link activity and 98 events. */
export const MAX_EVENTS_WITH_NEW_CASE = 98;
export const MAX_EVENTS_PER_WRITE = 100;

/**
 * The next step for a snapshot, with the service's batch limits: what the
 * workflow plans, and what the activity that plans and writes in one step
 * (planAndWrite) plans, so the two always agree.
 */
export function planFromSnapshot(snap: SyncSnapshot): SyncAction {
  return planNextStep({
    handoffOnly: snap.handoffOnly,
    connected: snap.connected,
    caseId: snap.caseId,
    pending: snap.pending,
    triggers: snap.triggers,
    maxEventsPerWrite: MAX_EVENTS_PER_WRITE,
    maxEventsWithNewCase: MAX_EVENTS_WITH_NEW_CASE,
  });
}

/** What a write's plan decides of its input: the range, the case to create, the resolve to fold in. */
export function writeRange(action: Extract<SyncAction, { kind: 'write' }>): {
  fromSeq: number;
  toSeq: number;
  createCase?: { trigger: 'customer_message' | 'handoff'; triggerSeq: number };
  resolveSeq?: number;
} {
  return {
    fromSeq: action.fromSeq,
    toSeq: action.toSeq,
    ...(action.createCase ? { createCase: action.createCase } : {}),
    ...(action.thenResolve !== undefined ? { resolveSeq: action.thenResolve } : {}),
  };
}
