import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/types';
import { planNextStep } from '../domain/sync-plan';
import type { SyncReason, SyncState } from '../domain/sync-state';
import {
  connectionChangedSignal,
  DEFAULT_TIMINGS,
  eventsAvailableSignal,
  syncStatusQuery,
  type ConversationSyncInput,
  type SyncStatus,
} from './definitions';
import { CaseIdAttr, CaseNumberAttr, OrgIdAttr, SyncReasonAttr, SyncStateAttr } from './search-attributes';

// Creatio calls: a few quick retries inside the activity; longer outages are
// waited out by the workflow itself so the state is visible and new settings
// can cut the wait short.
const creatio = proxyActivities<SyncActivities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4 },
});

// Database-only steps: short, local, retried until the database answers.
const store = proxyLocalActivities<SyncActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** One case $batch holds 100 records: the case, its link activity and 98 events. */
const MAX_EVENTS_WITH_NEW_CASE = 98;
const MAX_EVENTS_PER_WRITE = 100;
const PLAN_PAGE = 200;
/** Continue-as-new well before Temporal's 51,200-event hard limit. */
const MAX_HISTORY_EVENTS = 10_000;

/**
 * One durable workflow per conversation: keeps its Creatio case in step with
 * the events stored in our database. It orchestrates only; activities read the
 * text and settings from the database and talk to Creatio. Its history holds
 * IDs, sequence numbers and states, never message text or secrets.
 */
export async function conversationSync(input: ConversationSyncInput): Promise<SyncStatus> {
  const { orgId, conversationId } = input;
  const timings = { ...DEFAULT_TIMINGS, ...input.timings };

  const status: SyncStatus = {
    orgId,
    conversationId,
    state: 'pending',
    reason: null,
    caseId: null,
    caseNumber: null,
    syncedSeq: 0,
    knownSeq: input.carried?.knownSeq ?? 0,
    failures: 0,
  };
  let tokenChecked = input.carried?.tokenChecked ?? false;
  let wake = false;
  let resolvedAt: number | null = null;

  setHandler(eventsAvailableSignal, ({ upTo }) => {
    status.knownSeq = Math.max(status.knownSeq, upTo);
  });
  setHandler(connectionChangedSignal, () => {
    wake = true;
  });
  setHandler(syncStatusQuery, () => ({ ...status }));

  upsertSearchAttributes([{ key: OrgIdAttr, value: orgId }]);

  async function setState(state: SyncState, reason: SyncReason | null): Promise<void> {
    if (status.state === state && status.reason === reason) return;
    status.state = state;
    status.reason = reason;
    upsertSearchAttributes([
      { key: SyncStateAttr, value: state },
      { key: SyncReasonAttr, value: reason },
    ]);
    await store.recordSyncState({ orgId, conversationId, state, reason });
  }

  function noteCase(caseId: string | null, caseNumber: string | null): void {
    if (caseId === status.caseId && caseNumber === status.caseNumber) return;
    status.caseId = caseId;
    status.caseNumber = caseNumber;
    upsertSearchAttributes([
      { key: CaseIdAttr, value: caseId },
      { key: CaseNumberAttr, value: caseNumber },
    ]);
  }

  /** Runs one Creatio step; on failure waits (visibly) and returns undefined so the caller re-plans. */
  async function creatioStep<T>(step: () => Promise<T>): Promise<T | undefined> {
    try {
      if (!tokenChecked) {
        await creatio.fetchToken({ orgId });
        tokenChecked = true;
      }
      const result = await step();
      status.failures = 0;
      return result;
    } catch (err) {
      const failure = describeFailure(err);
      status.failures += 1;
      wake = false;
      if (failure.retryable) {
        await setState('waiting_for_creatio', failure.reason);
        const backoff = Math.min(timings.maxRetryWaitMs, 5_000 * 2 ** Math.min(status.failures - 1, 16));
        await condition(() => wake, Math.max(backoff, failure.retryAfterMs ?? 0));
      } else {
        await setState('needs_attention', failure.reason);
        // After new credentials the token is checked again as its own step.
        if (failure.reason === 'credentials_rejected') tokenChecked = false;
        await condition(() => wake, timings.recheckMs);
      }
      return undefined;
    }
  }

  for (;;) {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof conversationSync>({ ...input, carried: { knownSeq: status.knownSeq, tokenChecked } });
    }

    const snap = await store.planSync({ orgId, conversationId, limit: PLAN_PAGE });
    status.knownSeq = Math.max(status.knownSeq, snap.contiguousSeq);
    status.syncedSeq = snap.syncedSeq;
    noteCase(snap.caseId, snap.caseNumber);

    const action = planNextStep({
      handoffOnly: snap.handoffOnly,
      connected: snap.connected,
      caseId: snap.caseId,
      pending: snap.pending,
      triggers: snap.triggers,
      maxEventsPerWrite: MAX_EVENTS_PER_WRITE,
      maxEventsWithNewCase: MAX_EVENTS_WITH_NEW_CASE,
    });

    switch (action.kind) {
      case 'disconnected':
        await setState('disconnected', 'not_connected');
        return { ...status };

      case 'write': {
        const written = await creatioStep(() =>
          creatio.writeToCase({ orgId, conversationId, fromSeq: action.fromSeq, toSeq: action.toSeq, createCase: action.createCase }),
        );
        if (written) {
          resolvedAt = null;
          noteCase(written.caseId, written.caseNumber);
          status.syncedSeq = written.syncedSeq;
          await setState('syncing', null);
        }
        break;
      }

      case 'resolve': {
        const outcome = await creatioStep(() => creatio.resolveCase({ orgId, conversationId, seq: action.seq }));
        if (outcome) {
          resolvedAt = action.seq;
          status.syncedSeq = action.seq;
          await setState('resolved', null);
        }
        break;
      }

      case 'close_without_case':
        resolvedAt = action.seq;
        status.syncedSeq = action.seq;
        await store.recordSyncState({ orgId, conversationId, state: 'closed_without_case', reason: null, syncedSeq: action.seq });
        status.state = 'closed_without_case';
        upsertSearchAttributes([{ key: SyncStateAttr, value: 'closed_without_case' }]);
        break;

      case 'idle': {
        const plannedUpTo = snap.contiguousSeq;
        // Ended conversations finish as soon as nothing more is known; events
        // that arrive later start a new run, which continues from the database.
        if (resolvedAt !== null && status.knownSeq <= plannedUpTo) return { ...status };
        if (status.state === 'waiting_for_creatio' || status.state === 'needs_attention') {
          await setState(snap.caseId ? 'syncing' : 'pending', null);
        }
        wake = false;
        const more = await condition(() => status.knownSeq > plannedUpTo || wake, timings.idleTimeoutMs);
        if (!more) return { ...status };
        break;
      }
    }
  }
}

interface FailureSummary {
  reason: SyncReason;
  retryable: boolean;
  retryAfterMs?: number;
}

const KNOWN_REASONS: ReadonlySet<string> = new Set<SyncReason>([
  'credentials_rejected',
  'permission_denied',
  'invalid_lookup',
  'validation',
  'configuration',
  'not_found',
  'transient',
  'unexpected_html',
  'not_connected',
]);

/** Reads the typed failure an activity raised (its type is the Creatio error kind). */
function describeFailure(err: unknown): FailureSummary {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const reason = (cause.type && KNOWN_REASONS.has(cause.type) ? cause.type : 'unknown') as SyncReason;
    const details = cause.details?.[0] as { retryAfterMs?: number } | undefined;
    return { reason, retryable: !cause.nonRetryable, retryAfterMs: details?.retryAfterMs };
  }
  // Timeouts and anything unclassified: keep trying, visibly.
  return { reason: 'transient', retryable: true };
}
