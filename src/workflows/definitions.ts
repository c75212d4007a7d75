import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncReason, SyncState } from '../domain/sync-state';

export interface EventsAvailable {
  /** New events are stored up to this contiguous sequence number. */
  upTo: number;
}
export const eventsAvailableSignal = defineSignal<[EventsAvailable]>('eventsAvailable');
/** The org's connection settings changed: retry now instead of waiting out a backoff. */
export const connectionChangedSignal = defineSignal('connectionChanged');
/** A Creatio webhook said something changed on the case: read it now. */
export const creatioChangedSignal = defineSignal('creatioChanged');

export interface SyncStatus {
  orgId: string;
  conversationId: string;
  state: SyncState;
  reason: SyncReason | null;
  caseId: string | null;
  caseNumber: string | null;
  syncedSeq: number;
  knownSeq: number;
  /** Consecutive failed attempts of the current step. */
  failures: number;
}
export const syncStatusQuery = defineQuery<SyncStatus>('syncStatus');

/** Timings are inputs (not constants) so tests can shorten them. */
export interface SyncTimings {
  /** Workflow finishes after this long with nothing to do (a new event starts a new run). */
  idleTimeoutMs: number;
  /** needs_attention re-checks on its own this often. */
  recheckMs: number;
  /** Longest wait between retries while Creatio is unavailable. */
  maxRetryWaitMs: number;
  /** Backstop read of the case for lost webhooks: first interval, doubling while nothing changes... */
  backstopMinMs: number;
  /** ...up to this. 0 disables the backstop. */
  backstopMaxMs: number;
  /** Continue-as-new once the run's history is this long (well under Temporal's 51,200-event limit). */
  maxHistoryEvents: number;
}

export const DEFAULT_TIMINGS: SyncTimings = {
  idleTimeoutMs: 7 * 24 * 3600_000,
  recheckMs: 15 * 60_000,
  maxRetryWaitMs: 5 * 60_000,
  // Webhooks carry changes at once; the backstop only catches lost ones, and
  // every read of every open case costs a workflow task and a Creatio request
  // (10,000 open conversations at 1-minute reads saturated a 2-core worker).
  backstopMinMs: 5 * 60_000,
  backstopMaxMs: 60 * 60_000,
  maxHistoryEvents: 10_000,
};

export interface ConversationSyncInput {
  orgId: string;
  conversationId: string;
  timings?: Partial<SyncTimings>;
  /** Carried over continue-as-new. */
  carried?: { knownSeq: number; tokenChecked: boolean };
  /**
   * Which behaviour the run was started with (SYNC_CODE_VERSION at start;
   * continue-as-new keeps it). Absent in runs started before it existed:
   * those follow the patch markers in their histories. Deciding by input
   * instead of patched() spares every new run a marker and an upsert of
   * TemporalChangeVersion (a history event and a visibility write each).
   */
  codeVersion?: number;
}

/**
 * The version new runs are started with: 2 = lean sync and two-way sync (the
 * patches of that name); 3 = plans with planAndWrite instead of a local activity.
 */
export const SYNC_CODE_VERSION = 3;
