import type { Pool } from 'pg';
import type { CreatioSimulator, RecordRow } from '../creatio-sim';
import { CaseStatus } from '../creatio/stock';
import { caseRecordId, eventActivityId, sessionLinkActivityId } from '../domain/record-ids';
import type { ConversationOutcome, FinalCategory, FinalView } from './drive';
import type { ConversationPlan } from './plan';

/**
 * Compares our database (the events each conversation holds, in sequence
 * order) with what the simulated Creatio instances hold. Every record the
 * sync writes has an ID derived from our IDs, so each activity maps back to
 * one event (or to a case's session link); anything else on our cases is
 * unexpected. The comparison itself is pure (checkConversation) so it can be
 * unit tested on hand-made data.
 */
export interface StoredEventRow {
  orgId: string;
  conversationId: string;
  seq: number;
  eventId: string;
  type: string;
}

export interface ConversationRowLite {
  orgId: string;
  conversationId: string;
  caseId: string | null;
  caseNumber: string | null;
  caseGeneration: number;
  previousCaseReason: string | null;
  syncState: string;
  syncReason: string | null;
  syncedSeq: number;
  contiguousSeq: number;
}

/** What one simulated Creatio holds, in insertion order. */
export interface CreatioSnapshot {
  cases: ReadonlyArray<RecordRow>;
  activities: ReadonlyArray<RecordRow>;
}

export interface Policies {
  deletedCase: 'replace' | 'stop';
  closedCase: 'reopen' | 'new_case';
}

export interface ConversationCheck {
  orgId: string;
  conversationId: string;
  /** Message events stored. */
  messages: number;
  eventsStored: number;
  /** Activities the stored events call for (session links not included). */
  expectedActivities: number;
  /** All activities on the conversation's cases in Creatio (session links included). */
  activities: number;
  cases: number;
  duplicates: number;
  missing: number;
  outOfOrder: number;
  /** Activities on our cases that no event of ours accounts for. */
  unexpected: number;
  /** Expected activities not written yet by a conversation that is waiting with a reason. */
  notYetSynced: number;
  /** Case status or replacement-case expectations not met. */
  caseProblems: number;
  final: FinalView;
  problems: string[];
}

/** Most parts a message can be split into (same bound the sync uses when it recognises its own records). */
const MAX_PARTS = 20;

interface Mapped {
  seq: number;
  part: number;
  eventId: string;
}

export function checkConversation(
  plan: ConversationPlan,
  outcome: ConversationOutcome | undefined,
  final: FinalView,
  stored: readonly StoredEventRow[],
  row: ConversationRowLite | undefined,
  creatio: CreatioSnapshot,
  policies: Policies,
): ConversationCheck {
  const { orgId, conversationId } = plan;
  const problems: string[] = [];
  const check: ConversationCheck = {
    orgId,
    conversationId,
    messages: stored.filter((e) => e.type === 'message').length,
    eventsStored: stored.length,
    expectedActivities: 0,
    activities: 0,
    cases: 0,
    duplicates: 0,
    missing: 0,
    outOfOrder: 0,
    unexpected: 0,
    notYetSynced: 0,
    caseProblems: 0,
    final,
    problems,
  };

  // 1. Every planned event stored exactly once (the database refuses a second copy of an event ID).
  const storedIds = new Set(stored.map((e) => e.eventId));
  for (const e of plan.events) {
    if (!storedIds.has(e.eventId)) {
      check.missing += 1;
      problems.push(`event ${e.eventId} was never stored`);
    }
  }
  for (const r of outcome?.rejected ?? []) problems.push(`request not accepted: ${r}`);
  const plannedIds = new Set(plan.events.map((e) => e.eventId));
  for (const e of stored) if (!plannedIds.has(e.eventId)) problems.push(`stored event ${e.eventId} was never sent`);

  // 2. The conversation's cases: one per generation (replacements after a deletion, follow-ups after a closure).
  const generations = Math.max(1, row?.caseGeneration ?? 1);
  const caseIds = Array.from({ length: generations }, (_, g) => caseRecordId(orgId, conversationId, g + 1));
  const byId = new Map(creatio.cases.map((c) => [String(c.Id), c]));
  const cases = caseIds.map((id) => byId.get(id)).filter((c): c is RecordRow => c !== undefined);
  check.cases = cases.length;
  const ownLine = `Conversation: ${conversationId}`;
  for (const c of creatio.cases) {
    const mentions = String(c.Symptoms ?? '').split('\n').some((l) => l.trim() === ownLine);
    if (mentions && !caseIds.includes(String(c.Id))) {
      check.duplicates += 1;
      problems.push(`extra case ${String(c.Number)} (${String(c.Id)}) names this conversation`);
    }
  }
  if (row?.caseId && !byId.has(row.caseId) && !(policies.deletedCase === 'stop' && outcome?.lifecycle?.kind === 'delete_case')) {
    check.caseProblems += 1;
    problems.push(`our case ${row.caseNumber ?? row.caseId} does not exist in Creatio`);
  }

  // 3. Which activities each event calls for.
  const firstOf = (pred: (e: StoredEventRow) => boolean) => stored.find(pred)?.seq ?? null;
  const roleOf = new Map(plan.events.map((e) => [e.eventId, e.type === 'message' ? e.role : undefined]));
  const firstCustomer = firstOf((e) => e.type === 'message' && roleOf.get(e.eventId) === 'customer');
  const firstHandoff = firstOf((e) => e.type === 'handoff');
  const firstResolve = firstOf((e) => e.type === 'resolve');
  // The planner's rule: the event that made us create the case; a handoff that did gets no note of its own.
  const trigger = plan.mode === 'handoff_only' ? firstHandoff : minSeq(firstCustomer, firstHandoff);
  const caseExpected = trigger !== null && (firstResolve === null || trigger < firstResolve);
  const expected = caseExpected
    ? stored.filter((e) => e.type === 'message' || (e.type === 'handoff' && !(e.seq === trigger && trigger === firstHandoff)))
    : [];
  check.expectedActivities = expected.length;

  // 4. Map every activity on our cases back to an event, and check order within each case.
  const occurrences = new Map<string, string[]>();
  const caseRanges: Array<{ number: string; min: number; max: number }> = [];
  for (const c of cases) {
    const caseId = String(c.Id);
    const number = String(c.Number ?? caseId);
    const ids = new Map<string, Mapped | 'link'>([[sessionLinkActivityId(caseId), 'link']]);
    for (const e of stored) {
      for (let part = 0; part < MAX_PARTS; part++) ids.set(eventActivityId(orgId, conversationId, e.eventId, part, caseId), { seq: e.seq, part, eventId: e.eventId });
    }
    const acts = creatio.activities.filter((a) => a.CaseId === caseId);
    check.activities += acts.length;
    let maxKey = -1;
    let min = Infinity;
    let sawLink = false;
    const contents = new Map<string, number>();
    for (const [i, a] of acts.entries()) {
      const m = ids.get(String(a.Id));
      const content = `${String(a.Title)}\u0000${String(a.Notes)}`;
      contents.set(content, (contents.get(content) ?? 0) + 1);
      if (m === undefined) {
        check.unexpected += 1;
        problems.push(`case ${number}: activity "${String(a.Title).slice(0, 80)}" (${String(a.Id)}) is not ours`);
        continue;
      }
      if (m === 'link') {
        sawLink = true;
        if (i !== 0) {
          check.outOfOrder += 1;
          problems.push(`case ${number}: the session link is activity #${i + 1}, not the first`);
        }
        continue;
      }
      const key = m.seq * 100 + m.part;
      const where = occurrences.get(key.toString()) ?? [];
      where.push(number);
      occurrences.set(key.toString(), where);
      if (key < maxKey) {
        check.outOfOrder += 1;
        problems.push(`case ${number}: ${m.eventId} (seq ${m.seq}) written after seq ${Math.floor(maxKey / 100)}`);
      }
      maxKey = Math.max(maxKey, key);
      min = Math.min(min, key);
    }
    for (const [content, n] of contents) {
      if (n > 1) {
        check.duplicates += n - 1;
        problems.push(`case ${number}: ${n} activities with the same title and text "${content.split('\u0000')[0]!.slice(0, 80)}"`);
      }
    }
    if (!sawLink && acts.length > 0) {
      check.missing += 1;
      problems.push(`case ${number} has no session-link activity`);
    }
    if (maxKey >= 0) caseRanges.push({ number, min, max: maxKey });
  }
  // A follow-up case continues where the closed one stopped: ranges must not interleave.
  for (let i = 1; i < caseRanges.length; i++) {
    if (caseRanges[i]!.min < caseRanges[i - 1]!.max) {
      check.outOfOrder += 1;
      problems.push(`case ${caseRanges[i]!.number} holds events from before the end of case ${caseRanges[i - 1]!.number}`);
    }
  }

  // 5. Every expected activity exactly once.
  const waiting = final.category === 'waiting' || final.category === 'stuck';
  const deletedAndStopped = policies.deletedCase === 'stop' && outcome?.lifecycle?.kind === 'delete_case' && outcome.lifecycle.performed;
  for (const e of expected) {
    const where = occurrences.get((e.seq * 100).toString()) ?? [];
    if (where.length === 0) {
      const claimedSynced = (row?.syncedSeq ?? 0) >= e.seq;
      if (deletedAndStopped || (waiting && !claimedSynced)) check.notYetSynced += 1;
      else {
        check.missing += 1;
        problems.push(`${e.eventId} (seq ${e.seq}, ${e.type}) is not in Creatio${claimedSynced ? ' although the conversation counts it as synced' : ''}`);
      }
    }
  }
  for (const [key, where] of occurrences) {
    if (where.length > 1) {
      check.duplicates += where.length - 1;
      const seq = Math.floor(Number(key) / 100);
      problems.push(`seq ${seq} part ${Number(key) % 100} written ${where.length} times (cases ${where.join(', ')})`);
    }
  }

  // 6. What the case lifecycle policies promise.
  const life = outcome?.lifecycle;
  const current = row?.caseId ? byId.get(row.caseId) : undefined;
  const linkNotes = (c: RecordRow | undefined) => String(creatio.activities.find((a) => c && a.Id === sessionLinkActivityId(String(c.Id)))?.Notes ?? '');
  if (life?.performed && life.kind === 'delete_case') {
    if (life.caseId && byId.has(life.caseId)) {
      check.caseProblems += 1;
      problems.push(`the deleted case ${life.caseNumber ?? life.caseId} exists again in Creatio`);
    }
    if (policies.deletedCase === 'replace' && final.category === 'synced' && !linkNotes(current).includes('replaces case')) {
      check.caseProblems += 1;
      problems.push(`no replacement case saying it replaces ${life.caseNumber ?? life.caseId}`);
    }
  }
  if (life?.performed && life.kind === 'close_case' && life.noticed && final.category === 'synced') {
    if (policies.closedCase === 'reopen' && current && current.StatusId !== CaseStatus.Reopened) {
      check.caseProblems += 1;
      problems.push(`closed case ${life.caseNumber ?? life.caseId} was not reopened (status ${String(current.StatusId)})`);
    }
    if (policies.closedCase === 'new_case') {
      const old = life.caseId ? byId.get(life.caseId) : undefined;
      if (!current || current.Id === life.caseId || !linkNotes(current).includes('Follow-up to case')) {
        check.caseProblems += 1;
        problems.push(`no follow-up case after ${life.caseNumber ?? life.caseId} was closed`);
      }
      if (old && old.StatusId !== CaseStatus.Closed) {
        check.caseProblems += 1;
        problems.push(`closed case ${life.caseNumber ?? life.caseId} changed status to ${String(old.StatusId)}`);
      }
    }
  }
  if (final.category === 'resolved' && current && current.StatusId !== CaseStatus.Resolved) {
    check.caseProblems += 1;
    problems.push(`resolved conversation, but case ${String(current.Number)} has status ${String(current.StatusId)}`);
  }
  if (final.category === 'stuck') problems.push(`not settled: ${final.detail}`);
  return check;
}

function minSeq(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

export interface Totals {
  conversations: number;
  eventsPlanned: number;
  eventsStored: number;
  messages: number;
  cases: number;
  activities: number;
  expectedActivities: number;
  duplicates: number;
  missing: number;
  outOfOrder: number;
  unexpected: number;
  notYetSynced: number;
  caseProblems: number;
  /** Final category → count; waiting and stuck broken down by their detail's state and reason. */
  finals: Map<string, number>;
  withProblems: ConversationCheck[];
}

export function totalsOf(checks: readonly ConversationCheck[], plans: readonly ConversationPlan[]): Totals {
  const sum = (f: (c: ConversationCheck) => number) => checks.reduce((a, c) => a + f(c), 0);
  const finals = new Map<string, number>();
  for (const c of checks) {
    const v = c.final.view;
    const key = finalKey(c.final.category, v?.state, v?.reason ?? null);
    finals.set(key, (finals.get(key) ?? 0) + 1);
  }
  return {
    conversations: checks.length,
    eventsPlanned: plans.reduce((a, p) => a + p.events.length, 0),
    eventsStored: sum((c) => c.eventsStored),
    messages: sum((c) => c.messages),
    cases: sum((c) => c.cases),
    activities: sum((c) => c.activities),
    expectedActivities: sum((c) => c.expectedActivities),
    duplicates: sum((c) => c.duplicates),
    missing: sum((c) => c.missing),
    outOfOrder: sum((c) => c.outOfOrder),
    unexpected: sum((c) => c.unexpected),
    notYetSynced: sum((c) => c.notYetSynced),
    caseProblems: sum((c) => c.caseProblems),
    finals,
    withProblems: checks.filter((c) => c.problems.length > 0),
  };
}

function finalKey(category: FinalCategory, state: string | undefined, reason: string | null): string {
  if (category === 'waiting') return `waiting: ${state} (${reason})`;
  if (category === 'stuck') return `NOT SETTLED: ${state ?? 'unknown'}${reason ? ` (${reason})` : ' (no reason)'}`;
  return category;
}

/** Reads what the comparison needs from our database. */
export async function readDatabase(pool: Pool): Promise<{ events: StoredEventRow[]; conversations: ConversationRowLite[] }> {
  const events = await pool.query<{ org_id: string; conversation_id: string; seq: number; event_id: string; type: string }>(
    'SELECT org_id, conversation_id, seq, event_id, type FROM events ORDER BY org_id, conversation_id, seq',
  );
  const convs = await pool.query<{
    org_id: string;
    conversation_id: string;
    case_id: string | null;
    case_number: string | null;
    case_generation: number;
    previous_case_reason: string | null;
    sync_state: string;
    sync_reason: string | null;
    synced_seq: number;
    contiguous_seq: number;
  }>(
    `SELECT org_id, conversation_id, case_id, case_number, case_generation, previous_case_reason,
            sync_state, sync_reason, synced_seq, contiguous_seq FROM conversations`,
  );
  return {
    events: events.rows.map((r) => ({ orgId: r.org_id, conversationId: r.conversation_id, seq: r.seq, eventId: r.event_id, type: r.type })),
    conversations: convs.rows.map((r) => ({
      orgId: r.org_id,
      conversationId: r.conversation_id,
      caseId: r.case_id,
      caseNumber: r.case_number,
      caseGeneration: r.case_generation,
      previousCaseReason: r.previous_case_reason,
      syncState: r.sync_state,
      syncReason: r.sync_reason,
      syncedSeq: r.synced_seq,
      contiguousSeq: r.contiguous_seq,
    })),
  };
}

/** The whole comparison: database rows and simulator records in, one check per planned conversation out. */
export async function verifyRun(
  pool: Pool,
  plans: readonly ConversationPlan[],
  outcomes: ReadonlyMap<string, ConversationOutcome>,
  finals: ReadonlyMap<string, FinalView>,
  sims: ReadonlyMap<string, CreatioSimulator>,
  policies: Policies,
): Promise<ConversationCheck[]> {
  const db = await readDatabase(pool);
  const key = (o: string, c: string) => `${o}\u0000${c}`;
  const eventsBy = new Map<string, StoredEventRow[]>();
  for (const e of db.events) {
    const k = key(e.orgId, e.conversationId);
    eventsBy.set(k, [...(eventsBy.get(k) ?? []), e]);
  }
  const rows = new Map(db.conversations.map((r) => [key(r.orgId, r.conversationId), r]));
  const snapshots = new Map<string, CreatioSnapshot>();
  for (const [orgId, sim] of sims) snapshots.set(orgId, { cases: sim.records('Case'), activities: sim.records('Activity') });
  return plans.map((p) =>
    checkConversation(
      p,
      outcomes.get(p.conversationId),
      finals.get(p.conversationId) ?? { view: undefined, category: 'stuck', detail: 'never polled' },
      eventsBy.get(key(p.orgId, p.conversationId)) ?? [],
      rows.get(key(p.orgId, p.conversationId)),
      snapshots.get(p.orgId) ?? { cases: [], activities: [] },
      policies,
    ),
  );
}
