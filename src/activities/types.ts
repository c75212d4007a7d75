import type { SyncSnapshot } from '../domain/sync-plan';
import type { SyncReason, SyncState } from '../domain/sync-state';

/**
 * Inputs and outputs of the sync activities. They cross into workflow history,
 * so they carry IDs, sequence numbers and states only.
 */
export type { SyncSnapshot };

export interface ConversationRef {
  orgId: string;
  conversationId: string;
}

export interface WriteToCaseInput extends ConversationRef {
  fromSeq: number;
  toSeq: number;
  createCase?: { trigger: 'customer_message' | 'handoff'; triggerSeq: number };
  /** Also return the next plan's snapshot (this page size), saving the workflow a step. */
  planLimit?: number;
  /**
   * The resolve right after toSeq: set the resolved status in the request
   * that creates the case, when it fits (see the result's `resolved`).
   */
  resolveSeq?: number;
}

export interface WriteToCaseResult {
  /** null when the case turned out deleted in Creatio and was let go (see caseReplaced). */
  caseId: string | null;
  caseNumber: string | null;
  syncedSeq: number;
  caseCreated: boolean;
  /** The case was deleted in Creatio: the next plan creates a replacement with the whole transcript. */
  caseReplaced: boolean;
  recordsWritten: number;
  /** What planSync would return right after the write (when planLimit was given). */
  next?: SyncSnapshot;
  /**
   * Events stored by the time the write recorded its result. The API does not
   * signal events stored while a write goes on (the write reads them as it
   * finishes), so the workflow learns of them here or from `next`.
   */
  knownSeq?: number;
  /** Set when the resolve (resolveSeq) was done with the write; absent: resolve as a step of its own. */
  resolved?: ResolveOutcome;
}

/** What planAndWrite planned from, and the write when the plan was one. */
export interface PlanAndWriteResult {
  snapshot: SyncSnapshot;
  written?: WriteToCaseResult;
}

export type ResolveOutcome = 'resolved' | 'already_resolved' | 'already_final' | 'no_status_configured';

export interface RecordSyncStateInput extends ConversationRef {
  state: SyncState;
  reason: SyncReason | null;
  /** Also moves the sync cursor (for events deliberately not written). */
  syncedSeq?: number;
}

export interface SyncActivities {
  /** Database only: what is stored, written and configured. */
  planSync(input: ConversationRef & { limit: number }): Promise<SyncSnapshot>;
  /** Plans the next step and, when it is a write, does it (Creatio); otherwise only plans. */
  planAndWrite(input: ConversationRef & { planLimit: number }): Promise<PlanAndWriteResult>;
  /** Database only: the conversation's sync state for the API and admins. */
  recordSyncState(input: RecordSyncStateInput): Promise<void>;
  /** Warms and checks this worker's token cache; returns only the expiry. */
  fetchToken(input: { orgId: string }): Promise<{ expiresAt: number }>;
  /** Creates the case if asked, then writes events [fromSeq, toSeq] as activities, in order, exactly once. */
  writeToCase(input: WriteToCaseInput): Promise<WriteToCaseResult>;
  /** Sets the connection's resolved status on the case. */
  resolveCase(input: ConversationRef & { seq: number }): Promise<{ outcome: ResolveOutcome }>;
  /** Reads the case in Creatio for agent replies and resolution (webhook or backstop); queues platform events. */
  pullFromCreatio(input: ConversationRef & { purpose: 'webhook' | 'backstop' }): Promise<PullResult>;
  /** Delivers queued platform events (of a conversation, or of the org when conversationId is null). */
  deliverOutbox(input: { orgId: string; conversationId: string | null }): Promise<{ delivered: number; pending: number }>;
}

export interface PullResult {
  replies: number;
  resolvedInCreatio: boolean;
  caseMissing: boolean;
}
