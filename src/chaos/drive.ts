import { setTimeout as sleep } from 'node:timers/promises';
import type { CreatioSimulator } from '../creatio-sim';
import { CaseStatus } from '../creatio/stock';
import { describe, type ChaosApi, type ConversationView } from './api';
import type { FaultLedger } from './faults';
import type { ConversationPlan, LifecycleKind, PlannedEvent } from './plan';

/**
 * Sends every conversation's events through the public API at their planned
 * times, the way a support platform would: a request that gets no answer, or
 * an error other than "stored, Temporal unavailable", is sent again until it is
 * accepted. Cases are deleted or closed in Creatio (as an agent would) where
 * the plan says so.
 */
/**
 * How long a lifecycle action waits for the case (and for a closure to be
 * noticed): longer than two start-to-close timeouts in a row (3 minutes at most), which
 * is what holds up a conversation whose Creatio activity attempt was lost in
 * transit when Temporal restarts or is overloaded (one lost with a killed
 * worker is retried after its 90-second start-to-close timeout).
 */
const LIFECYCLE_WAIT_MS = 360_000;

export interface LifecycleOutcome {
  kind: LifecycleKind;
  performed: boolean;
  caseId?: string;
  caseNumber?: string | null;
  /** Closure: whether the service had noticed it (state resolved) before the customer wrote again. */
  noticed?: boolean;
  note: string;
}

export interface ConversationOutcome {
  plan: ConversationPlan;
  requests: number;
  /** Requests sent again after no answer or a retryable error. */
  retries: number;
  /** 503 temporal_unavailable answers: stored, to be signalled later. */
  storedWhileTemporalDown: number;
  /** Accepted requests sent once more on purpose, and events the API reported back as duplicates. */
  resends: number;
  duplicatesReported: number;
  /** Events the API accepted (202 or 503 temporal_unavailable). */
  accepted: number;
  /** 4xx answers or requests given up on: never expected. */
  rejected: string[];
  lifecycle?: LifecycleOutcome;
}

export interface DriveContext {
  api: ChaosApi;
  /** Simulated Creatio of each org. */
  sims: ReadonlyMap<string, CreatioSimulator>;
  ledger: FaultLedger;
  startedAt: number;
  log: (line: string) => void;
  signal: AbortSignal;
  /** No request is retried after this (epoch ms). */
  giveUpAt: number;
}

export class Driver {
  readonly outcomes = new Map<string, ConversationOutcome>();
  /** While set, no new request starts (a quiet moment for a kill); requests due meanwhile go out together after. */
  private paused: Promise<void> | undefined;
  private resumePaused: (() => void) | undefined;

  constructor(private readonly ctx: DriveContext) {}

  pause(): void {
    this.paused ??= new Promise((resolve) => (this.resumePaused = resolve));
  }

  resume(): void {
    this.resumePaused?.();
    this.paused = undefined;
    this.resumePaused = undefined;
  }

  /** Drives all conversations concurrently; resolves when every planned request was sent and accepted (or given up). */
  async run(plans: readonly ConversationPlan[]): Promise<void> {
    await Promise.all(plans.map((p) => this.driveConversation(p)));
  }

  private async driveConversation(plan: ConversationPlan): Promise<void> {
    const out: ConversationOutcome = {
      plan,
      requests: 0,
      retries: 0,
      storedWhileTemporalDown: 0,
      resends: 0,
      duplicatesReported: 0,
      accepted: 0,
      rejected: [],
    };
    this.outcomes.set(plan.conversationId, out);
    for (const [i, post] of plan.posts.entries()) {
      const wait = this.ctx.startedAt + post.atMs - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.ctx.signal }).catch(() => undefined);
      if (this.ctx.signal.aborted) return;
      while (this.paused) await this.paused;
      if (plan.lifecycle?.beforePost === i) out.lifecycle = await this.lifecycle(plan, plan.lifecycle.kind, out);
      const events = plan.events.slice(post.from, post.to);
      if (post.style === 'concurrent') {
        await Promise.all(events.map((e) => this.postUntilAccepted(plan, [e], out)));
      } else {
        await this.postUntilAccepted(plan, events, out);
        if (post.resend) {
          out.resends += 1;
          await this.postUntilAccepted(plan, events, out, true);
        }
      }
    }
  }

  private async postUntilAccepted(plan: ConversationPlan, events: PlannedEvent[], out: ConversationOutcome, resend = false): Promise<void> {
    const route = `/v1/orgs/${plan.orgId}/conversations/${plan.conversationId}/events`;
    const body = events.length === 1 ? toApiEvent(events[0]!) : events.map(toApiEvent);
    for (let attempt = 1; ; attempt++) {
      out.requests += 1;
      const res = await this.ctx.api.call('POST', route, body);
      const stored = res.status === 202 || (res.status === 503 && errorCode(res.body) === 'temporal_unavailable');
      if (stored) {
        if (res.status === 503) out.storedWhileTemporalDown += 1;
        const dup = duplicates(res.body);
        out.duplicatesReported += dup;
        if (!resend) out.accepted += events.length;
        else if (dup !== events.length) out.rejected.push(`re-sent ${events.map((e) => e.eventId).join(',')}: only ${dup} of ${events.length} reported as duplicates`);
        return;
      }
      // 4xx other than throttling means the request itself is wrong: sending it again would not help.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        out.rejected.push(`${events.map((e) => e.eventId).join(',')}: ${describe(res)}`);
        return;
      }
      if (Date.now() > this.ctx.giveUpAt || this.ctx.signal.aborted) {
        out.rejected.push(`${events.map((e) => e.eventId).join(',')}: gave up after ${attempt} attempts, last ${describe(res)}`);
        return;
      }
      out.retries += 1;
      await sleep(Math.min(3_000, 200 * 2 ** Math.min(attempt - 1, 4)));
    }
  }

  /** Waits for the case and for what was sent to be synced, then deletes or closes the case as an agent. */
  private async lifecycle(plan: ConversationPlan, kind: LifecycleKind, out: ConversationOutcome): Promise<LifecycleOutcome> {
    const { api, ledger } = this.ctx;
    const synced = await this.waitForView(plan, (v) => v.caseId !== null && v.storedUpTo >= out.accepted && v.syncedUpTo >= v.storedUpTo, LIFECYCLE_WAIT_MS);
    const view = synced ?? (await api.conversation(plan.orgId, plan.conversationId));
    if (!view?.caseId) return { kind, performed: false, note: `skipped: no case after ${LIFECYCLE_WAIT_MS / 1000} s (state ${view?.state ?? 'unknown'})` };
    const sim = this.ctx.sims.get(plan.orgId)!;
    const caseId = view.caseId;
    const base = { kind, performed: true, caseId, caseNumber: view.caseNumber };
    const partly = synced ? '' : ` (not all synced yet: ${view.syncedUpTo}/${view.storedUpTo})`;
    if (kind === 'delete_case') {
      sim.deleteRecord('Case', caseId);
      ledger.record('case_deleted', `${plan.conversationId}: case ${view.caseNumber ?? caseId} deleted${partly}`);
      return { ...base, note: `deleted case ${view.caseNumber ?? caseId}${partly}` };
    }
    sim.updateRecord('Case', caseId, { StatusId: CaseStatus.Closed });
    const noticed = await this.waitForView(plan, (v) => v.state === 'resolved', LIFECYCLE_WAIT_MS);
    ledger.record('case_closed', `${plan.conversationId}: case ${view.caseNumber ?? caseId} closed${partly}, ${noticed ? 'noticed' : `NOT noticed within ${LIFECYCLE_WAIT_MS / 1000} s`}`);
    return { ...base, noticed: noticed !== undefined, note: `closed case ${view.caseNumber ?? caseId}${partly}; ${noticed ? 'closure noticed' : `closure not noticed in ${LIFECYCLE_WAIT_MS / 1000} s`} before the customer wrote again` };
  }

  private async waitForView(plan: ConversationPlan, ok: (v: ConversationView) => boolean, timeoutMs: number): Promise<ConversationView | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.ctx.signal.aborted) {
      const v = await this.ctx.api.conversation(plan.orgId, plan.conversationId);
      if (v && ok(v)) return v;
      await sleep(500);
    }
    return undefined;
  }

  /** Bounded wait until every conversation has synced what it was sent so far (before killing a process in tests). */
  async waitAllSynced(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.ctx.signal.aborted) {
      let all = true;
      for (const out of this.outcomes.values()) {
        if (out.accepted === 0) continue;
        const v = await this.ctx.api.conversation(out.plan.orgId, out.plan.conversationId);
        if (!v || v.storedUpTo < out.accepted || !settledView(v, out)) {
          all = false;
          break;
        }
      }
      if (all) return true;
      await sleep(300);
    }
    return false;
  }
}

/**
 * Nothing left to write and no error: synced, resolved, closed without a
 * case, or pending because nothing sent so far calls for a case (a
 * handoff-only org before the handoff).
 */
function settledView(v: ConversationView, out: ConversationOutcome): boolean {
  const sent = out.plan.events.slice(0, out.accepted);
  const trigger = sent.some((e) => e.type === 'handoff' || (out.plan.mode === 'every_message' && e.type === 'message' && e.role === 'customer'));
  if (v.state === 'pending' && !trigger) return true;
  return v.syncedUpTo >= v.storedUpTo && ['syncing', 'resolved', 'closed_without_case'].includes(v.state);
}

export type FinalCategory = 'synced' | 'resolved' | 'closed_without_case' | 'waiting' | 'stuck';

export interface FinalView {
  view: ConversationView | undefined;
  category: FinalCategory;
  /** For waiting and stuck: what the API says. */
  detail: string;
}

/** Where a conversation stands once nothing more is sent. */
export function classifyFinal(v: ConversationView | undefined, expectedEvents: number): FinalView {
  if (!v) return { view: v, category: 'stuck', detail: 'the API does not know the conversation' };
  const all = v.storedUpTo === expectedEvents && v.syncedUpTo === v.storedUpTo;
  if (all && v.state === 'syncing') return { view: v, category: 'synced', detail: '' };
  if (all && (v.state === 'resolved' || v.state === 'closed_without_case')) return { view: v, category: v.state, detail: '' };
  const progress = `synced ${v.syncedUpTo}/${v.storedUpTo} of ${expectedEvents}`;
  if ((v.state === 'waiting_for_creatio' || v.state === 'needs_attention') && v.reason) {
    return { view: v, category: 'waiting', detail: `${v.state} (${v.reason}), ${progress}` };
  }
  return { view: v, category: 'stuck', detail: `${v.state}${v.reason ? ` (${v.reason})` : ', no reason'}, ${progress}` };
}

/**
 * Polls every conversation until all are final (synced, resolved, closed
 * without a case) and unchanged since the previous round, or the time is up;
 * returns the last view of each. Unchanged matters: a conversation reads
 * "resolved" and fully synced for a moment between writing a customer's
 * message to a reopened case and recording that it is syncing again.
 */
export async function waitUntilSettled(
  api: ChaosApi,
  outcomes: readonly ConversationOutcome[],
  timeoutMs: number,
  log: (line: string) => void,
): Promise<Map<string, FinalView>> {
  const deadline = Date.now() + timeoutMs;
  let previous = new Map<string, string>();
  let lastReport = Date.now();
  let needsPeopleSince: number | undefined;
  for (;;) {
    const final = new Map<string, FinalView>();
    for (let i = 0; i < outcomes.length; i += 25) {
      await Promise.all(
        outcomes.slice(i, i + 25).map(async (o) => {
          const v = await api.conversation(o.plan.orgId, o.plan.conversationId);
          final.set(o.plan.conversationId, classifyFinal(v, o.plan.events.length));
        }),
      );
    }
    const current = new Map([...final].map(([id, f]) => [id, JSON.stringify([f.category, f.view?.state, f.view?.reason, f.view?.syncedUpTo, f.view?.storedUpTo, f.view?.caseId])]));
    const open = [...final].filter(([id, f]) => f.category === 'waiting' || f.category === 'stuck' || previous.get(id) !== current.get(id));
    if (open.length === 0 || Date.now() > deadline) return final;
    // Only a person can move needs_attention on: once nothing else is open and nothing changed for a minute, stop.
    const onlyPeople = open.every(([id, f]) => f.view?.state === 'needs_attention' && f.category === 'waiting' && previous.get(id) === current.get(id));
    if (!onlyPeople) needsPeopleSince = undefined;
    else if ((needsPeopleSince ??= Date.now()) < Date.now() - 60_000) return final;
    previous = current;
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const states = new Map<string, number>();
      for (const [, f] of open) {
        const key = f.view ? `${f.view.state}${f.view.reason ? `(${f.view.reason})` : ''}` : 'unknown';
        states.set(key, (states.get(key) ?? 0) + 1);
      }
      log(`  ${open.length} not settled yet: ${[...states].map(([k, n]) => `${n} ${k}`).join(', ')}`);
    }
    await sleep(2_000);
  }
}

function toApiEvent(e: PlannedEvent): Record<string, unknown> {
  return { ...e };
}

function errorCode(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : undefined;
}

function duplicates(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('events' in body)) return 0;
  const events = (body as { events: unknown }).events;
  return Array.isArray(events) ? events.filter((e) => typeof e === 'object' && e !== null && (e as { duplicate?: unknown }).duplicate === true).length : 0;
}
