import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { SyncActivities, SyncSnapshot, WriteToCaseResult } from '../activities/types';
import { planFromSnapshot, writeRange } from '../domain/sync-plan';
import type { SyncReason, SyncState } from '../domain/sync-state';
import {
  connectionChangedSignal,
  creatioChangedSignal,
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
//
// The sync's own steps (writes, resolves, the token check) take a second or
// two and record their progress batch by batch, so a start-to-close timeout
// alone bounds them: it covers the worst legitimate attempt (a 20 s wait for
// the org's write lock, then a token and a batch request of at most 30 s
// each), a worker that died mid-call is noticed within 90 s, and an attempt
// cut off by it resumes after what was recorded. No heartbeat timeout: on the
// hot path it cost the server a timer task per activity (about 5% of its CPU
// in the spaced benchmark).
const creatio = proxyActivities<SyncActivities>({
  startToCloseTimeout: '90 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4 },
});

// Reads of the case (paged, off the hot path) heartbeat every 5 s, so a worker
// that died mid-read is noticed in 20 s while a long read may take minutes.
const creatioReads = proxyActivities<SyncActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4 },
});

// Platform callbacks: retried until the platform takes them, in the background.
const platform = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Database-only steps: short, local, retried until the database answers.
const store = proxyLocalActivities<SyncActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

const PLAN_PAGE = 200;

/**
 * One durable workflow per conversation: keeps its Creatio case in step with
 * the events stored in our database, and relays what agents do on the case
 * back to the platform. It orchestrates only; activities read text and
 * settings from the database and talk to Creatio. Its history holds IDs,
 * sequence numbers and states, never message text or secrets.
 */
export async function conversationSync(input: ConversationSyncInput): Promise<SyncStatus> {
  const { orgId, conversationId } = input;
  const timings = { ...DEFAULT_TIMINGS, ...input.timings };
  /**
   * Runs started before this change replay on the old path (their histories
   * have no codeVersion and no lean-sync marker). The lean path
   * leaves out what cost history without doing anything: an up-front token
   * check, re-recording states the activities already stored, a plan after
   * each write, and a new timer per wake-up.
   */
  const version = input.codeVersion ?? 0;
  const lean = version >= 2 || patched('lean-sync');
  /**
   * Version 3 plans with an activity that also writes when the plan is a
   * write (planAndWrite), instead of a local activity to plan and then an
   * activity to write: one task less per step taken without a plan in hand.
   */
  const planWithWrite = version >= 3;

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
  // Lean: the first Creatio step fetches the token itself; a separate check only follows rejected credentials.
  let tokenChecked = input.carried?.tokenChecked ?? lean;
  let wake = false;
  let creatioChanged = false;
  /**
   * How the conversation ended (resolved here or in Creatio, or closed without
   * a case), null while it goes on: once ended it finishes when nothing more is pending.
   */
  let endedAs: 'resolved' | 'closed_without_case' | null = null;

  setHandler(eventsAvailableSignal, ({ upTo }) => {
    status.knownSeq = Math.max(status.knownSeq, upTo);
  });
  setHandler(connectionChangedSignal, () => {
    wake = true;
  });
  setHandler(creatioChangedSignal, () => {
    creatioChanged = true;
  });
  setHandler(syncStatusQuery, () => ({ ...status }));

  // Lean: the client sets the org attribute when it starts the run (continue-as-new keeps it).
  if (!lean) upsertSearchAttributes([{ key: OrgIdAttr, value: orgId }]);

  /** Case attributes noted but not yet published (lean: they go out with the next state change). */
  let caseAttrsDue = false;
  function caseAttrs(): SearchAttributeUpdatePair[] {
    return [
      { key: CaseIdAttr, value: status.caseId },
      { key: CaseNumberAttr, value: status.caseNumber },
    ];
  }

  /** `recorded`: the activity that just succeeded already stored this state in the database. */
  async function setState(state: SyncState, reason: SyncReason | null, syncedSeq?: number, recorded = false): Promise<void> {
    if (status.state === state && status.reason === reason && syncedSeq === undefined) return flushCaseAttrs();
    status.state = state;
    status.reason = reason;
    upsertSearchAttributes([
      ...(caseAttrsDue ? caseAttrs() : []),
      { key: SyncStateAttr, value: state },
      { key: SyncReasonAttr, value: reason },
    ]);
    caseAttrsDue = false;
    if (!(lean && recorded)) await store.recordSyncState({ orgId, conversationId, state, reason, syncedSeq });
  }

  function flushCaseAttrs(): void {
    if (!caseAttrsDue) return;
    upsertSearchAttributes(caseAttrs());
    caseAttrsDue = false;
  }

  /** `soon`: a state change follows at once, so the attributes can go out with it. */
  function noteCase(caseId: string | null, caseNumber: string | null, soon = false): void {
    if (caseId === status.caseId && caseNumber === status.caseNumber) return;
    status.caseId = caseId;
    status.caseNumber = caseNumber;
    caseAttrsDue = true;
    if (!(lean && soon)) flushCaseAttrs();
  }

  // Platform deliveries run beside the sync so a slow platform never holds up Creatio writes.
  let delivery: Promise<void> | null = null;
  let deliverAgain = false;
  function deliverToPlatform(): void {
    if (delivery) {
      deliverAgain = true;
      return;
    }
    delivery = (async () => {
      do {
        deliverAgain = false;
        await platform.deliverOutbox({ orgId, conversationId });
      } while (deliverAgain);
    })().finally(() => {
      delivery = null;
    });
  }
  /**
   * Waits for platform deliveries and handlers, then says whether the run may
   * end: anything that arrived meanwhile (events, a webhook, new settings)
   * must be handled first, or it would be lost with the run.
   */
  async function drainedAndQuiet(plannedUpTo: number): Promise<boolean> {
    while (delivery) await delivery;
    await condition(allHandlersFinished);
    const quiet = status.knownSeq <= plannedUpTo && !creatioChanged && !wake;
    // A settings change only means "look again": the re-plan below does.
    wake = false;
    return quiet;
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

  /** After a successful resolve (recorded by its activity): says whether the run may finish now. */
  async function resolved(seq: number): Promise<boolean> {
    endedAs = 'resolved';
    status.syncedSeq = seq;
    await setState('resolved', null, undefined, true);
    // Lean: nothing known beyond the resolve, so no plan is needed to see there is nothing to do.
    return lean && status.knownSeq <= seq && !creatioChanged && (await drainedAndQuiet(seq));
  }

  // Backstop for lost webhooks: read the case now and then while it is open.
  let backstopMs = timings.backstopMinMs;
  let lastPullAt = Date.now();
  /** Last time anything happened (events written, replies seen): the idle timeout counts from here. */
  let lastActivityAt = Date.now();
  async function pullFromCreatio(purpose: 'webhook' | 'backstop'): Promise<void> {
    creatioChanged = false;
    lastPullAt = Date.now();
    const pulled = await creatioStep(() => creatioReads.pullFromCreatio({ orgId, conversationId, purpose }));
    if (!pulled) {
      // Lean: what the webhook announced is still unread; read again after the wait (even once ended).
      if (lean && purpose === 'webhook') creatioChanged = true;
      return;
    }
    if (pulled.replies > 0 || pulled.resolvedInCreatio) {
      backstopMs = timings.backstopMinMs;
      lastActivityAt = Date.now();
      deliverToPlatform();
    } else {
      backstopMs = Math.min(backstopMs * 2, timings.backstopMaxMs);
    }
    if (pulled.resolvedInCreatio && !endedAs) {
      endedAs = 'resolved';
      await setState('resolved', null);
    }
  }

  /**
   * Lean waits share one timer per deadline: wake-ups that leave the deadline
   * where it was (a message, a webhook) add no timer events to the history.
   */
  let timer: { at: number; fired: boolean; scope: CancellationScope } | null = null;
  /** The next plan's snapshot when the last write returned one. */
  let nextSnap: SyncSnapshot | undefined;
  async function waitUntil(at: number, woken: () => boolean): Promise<boolean> {
    if (at <= Date.now()) return woken();
    if (timer?.at !== at) {
      timer?.scope.cancel();
      const t = { at, fired: false, scope: new CancellationScope() };
      t.scope.run(() => sleep(at - Date.now())).then(
        () => void (t.fired = true),
        () => undefined, // cancelled: a new deadline replaced it
      );
      timer = t;
    }
    const t = timer;
    await condition(() => woken() || t.fired);
    return woken();
  }

  /** Takes a successful write's result; true when the run may finish (resolved with the write, nothing more). */
  async function afterWrite(written: WriteToCaseResult): Promise<boolean> {
    // Events stored while the write went on were not signalled: the write reports them.
    if (written.knownSeq !== undefined) status.knownSeq = Math.max(status.knownSeq, written.knownSeq);
    nextSnap = written.next;
    endedAs = null;
    lastActivityAt = Date.now();
    backstopMs = timings.backstopMinMs;
    // A case deleted in Creatio was let go: the next plan creates its replacement.
    noteCase(written.caseId, written.caseNumber, !written.caseReplaced);
    if (written.caseReplaced) return false;
    status.syncedSeq = written.syncedSeq;
    // Resolved in the same request: the resolve step is done too.
    if (written.resolved) return resolved(written.syncedSeq);
    await setState('syncing', null, undefined, true);
    return false;
  }

  for (;;) {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > timings.maxHistoryEvents) {
      while (delivery) await delivery;
      await condition(allHandlersFinished);
      await continueAsNew<typeof conversationSync>({ ...input, carried: { knownSeq: status.knownSeq, tokenChecked } });
    }

    let snap: SyncSnapshot;
    /** The write planAndWrite did with this plan, if it was one. */
    let written: WriteToCaseResult | undefined;
    if (nextSnap) {
      snap = nextSnap;
    } else if (planWithWrite) {
      const planned = await creatioStep(() => creatio.planAndWrite({ orgId, conversationId, planLimit: PLAN_PAGE }));
      if (!planned) continue; // waited (visibly); plan again
      snap = planned.snapshot;
      written = planned.written;
    } else {
      snap = await store.planSync({ orgId, conversationId, limit: PLAN_PAGE });
    }
    nextSnap = undefined;
    status.knownSeq = Math.max(status.knownSeq, snap.contiguousSeq);
    status.syncedSeq = snap.syncedSeq;
    // Lean: a run started after the conversation ended (a late or repeated signal) finishes once idle.
    if (lean && snap.endedAs && !endedAs && snap.pending.length === 0) {
      endedAs = snap.endedAs;
      status.state = snap.endedAs;
    }
    noteCase(snap.caseId, snap.caseNumber);

    // The plan was a write and it is done: take its result (the same as for the 'write' step below).
    if (written) {
      if (await afterWrite(written)) return { ...status };
      continue;
    }

    const action = planFromSnapshot(snap);

    switch (action.kind) {
      case 'disconnected':
        await setState('disconnected', 'not_connected');
        // Nothing more can be written for this org; events are refused at the API.
        while (delivery) await delivery;
        await condition(allHandlersFinished);
        return { ...status };

      case 'write': {
        const result = await creatioStep(() =>
          creatio.writeToCase({ orgId, conversationId, ...writeRange(action), ...(lean ? { planLimit: PLAN_PAGE } : {}) }),
        );
        if (result && (await afterWrite(result))) return { ...status };
        break;
      }

      case 'resolve': {
        const outcome = await creatioStep(() => creatio.resolveCase({ orgId, conversationId, seq: action.seq }));
        if (outcome && (await resolved(action.seq))) return { ...status };
        break;
      }

      case 'close_without_case':
        endedAs = 'closed_without_case';
        status.syncedSeq = action.seq;
        await setState('closed_without_case', null, action.seq);
        break;

      case 'idle': {
        const plannedUpTo = snap.contiguousSeq;
        // Ended conversations finish as soon as nothing more is known; events
        // that arrive later start a new run, which continues from the database.
        if (endedAs && status.knownSeq <= plannedUpTo && !creatioChanged) {
          // Lean: a wait on Creatio after the end (a failed read) is over; finish in the ended state.
          if (lean && status.state !== endedAs) await setState(endedAs, null);
          if (await drainedAndQuiet(plannedUpTo)) return { ...status };
          break;
        }
        if (status.state === 'waiting_for_creatio' || status.state === 'needs_attention') {
          await setState(lean && endedAs ? endedAs : snap.caseId ? 'syncing' : 'pending', null);
        }
        // Histories from before two-way sync (no reads of Creatio) replay on the old path.
        const twoWay = version >= 2 || patched('two-way-sync');
        const polling = twoWay && snap.caseId !== null && !endedAs && timings.backstopMaxMs > 0;
        if (twoWay && creatioChanged && snap.caseId) {
          await pullFromCreatio('webhook');
          break;
        }
        if (polling && Date.now() - lastPullAt >= backstopMs) {
          await pullFromCreatio('backstop');
          break;
        }
        const idleLeft = timings.idleTimeoutMs - (Date.now() - lastActivityAt);
        if (twoWay && idleLeft <= 0) {
          if (await drainedAndQuiet(plannedUpTo)) return { ...status };
          break;
        }
        wake = false;
        let woken: boolean;
        if (lean) {
          // Absolute and unchanged between pulls and writes, so the timer is reused across wake-ups.
          const idleAt = lastActivityAt + timings.idleTimeoutMs;
          const at = polling ? Math.min(idleAt, lastPullAt + backstopMs) : idleAt;
          woken = await waitUntil(at, () => status.knownSeq > plannedUpTo || wake || creatioChanged);
        } else {
          const waitMs = polling ? Math.min(idleLeft, Math.max(0, backstopMs - (Date.now() - lastPullAt))) : twoWay ? idleLeft : timings.idleTimeoutMs;
          woken = await condition(() => status.knownSeq > plannedUpTo || wake || creatioChanged, waitMs);
        }
        if (!woken && !polling) {
          if (await drainedAndQuiet(plannedUpTo)) return { ...status };
          break;
        }
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
