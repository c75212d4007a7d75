import { CaseStatus } from '../../../src/creatio/stock';
import type { RecordRow } from '../../../src/creatio-sim';
import type { ConversationOutcome, FinalView } from '../../../src/chaos/drive';
import type { ConversationPlan, PlannedEvent } from '../../../src/chaos/plan';
import { checkConversation, type ConversationRowLite, type StoredEventRow } from '../../../src/chaos/verify';
import { caseRecordId, eventActivityId, sessionLinkActivityId } from '../../../src/domain/record-ids';

/** The chaos run's comparison on hand-made database rows and Creatio records. */
const ORG = 'org-v';
const CONV = 'conv-v';

function msg(n: number, role: 'customer' | 'ai' | 'agent' = n % 2 ? 'customer' : 'ai'): PlannedEvent {
  return { type: 'message', eventId: `m-${n}`, role, text: `text ${n}`, sentAt: '2026-12-01T09:00:00Z' };
}
function planOf(events: PlannedEvent[], mode: ConversationPlan['mode'] = 'every_message'): ConversationPlan {
  return { orgId: ORG, mode, conversationId: CONV, events, posts: [] };
}
function storedOf(plan: ConversationPlan): StoredEventRow[] {
  return plan.events.map((e, i) => ({ orgId: ORG, conversationId: CONV, seq: i + 1, eventId: e.eventId, type: e.type }));
}
function rowOf(over: Partial<ConversationRowLite> = {}): ConversationRowLite {
  return {
    orgId: ORG,
    conversationId: CONV,
    caseId: caseRecordId(ORG, CONV, 1),
    caseNumber: 'SR1',
    caseGeneration: 1,
    previousCaseReason: null,
    syncState: 'syncing',
    syncReason: null,
    syncedSeq: 0,
    contiguousSeq: 0,
    ...over,
  };
}
const synced: FinalView = { view: undefined, category: 'synced', detail: '' };
const policies = { deletedCase: 'replace', closedCase: 'reopen' } as const;

function caseRow(generation: number, status: string = CaseStatus.New): RecordRow {
  return { Id: caseRecordId(ORG, CONV, generation), Number: `SR${generation}`, StatusId: status, Symptoms: `text 1\n\nConversation: ${CONV}` };
}
function link(generation: number, notes = '<p>Conversation</p>'): RecordRow {
  const caseId = caseRecordId(ORG, CONV, generation);
  return { Id: sessionLinkActivityId(caseId), CaseId: caseId, Title: `Conversation ${CONV}: view`, Notes: notes };
}
function act(generation: number, eventId: string, title = eventId): RecordRow {
  const caseId = caseRecordId(ORG, CONV, generation);
  return { Id: eventActivityId(ORG, CONV, eventId, 0, caseId), CaseId: caseId, Title: title, Notes: `<p>${title}</p>` };
}

it('a conversation written exactly once and in order has no problems', () => {
  const plan = planOf([msg(1), msg(2), msg(3), { type: 'resolve', eventId: 'r-4' }]);
  const c = checkConversation(plan, undefined, synced, storedOf(plan), rowOf({ syncedSeq: 4 }), {
    cases: [caseRow(1)],
    activities: [link(1), act(1, 'm-1'), act(1, 'm-2'), act(1, 'm-3')],
  }, policies);
  expect(c.problems).toEqual([]);
  expect(c).toMatchObject({ messages: 3, expectedActivities: 3, activities: 4, cases: 1, duplicates: 0, missing: 0, outOfOrder: 0 });
});

it('counts a message written twice under another ID as a duplicate, and a foreign activity as unexpected', () => {
  const plan = planOf([msg(1), msg(2)]);
  const copy = { ...act(1, 'm-2'), Id: '11111111-1111-4111-8111-111111111111' };
  const c = checkConversation(plan, undefined, synced, storedOf(plan), rowOf({ syncedSeq: 2 }), {
    cases: [caseRow(1)],
    activities: [link(1), act(1, 'm-1'), act(1, 'm-2'), copy],
  }, policies);
  expect(c.duplicates).toBe(1);
  expect(c.unexpected).toBe(1);
});

it('counts what a synced conversation lacks as missing, and what a waiting one has not written yet apart', () => {
  const plan = planOf([msg(1), msg(2), msg(3)]);
  const records = { cases: [caseRow(1)], activities: [link(1), act(1, 'm-1')] };
  expect(checkConversation(plan, undefined, synced, storedOf(plan), rowOf({ syncedSeq: 3 }), records, policies).missing).toBe(2);
  const waiting: FinalView = { view: undefined, category: 'waiting', detail: 'waiting_for_creatio (transient)' };
  const w = checkConversation(plan, undefined, waiting, storedOf(plan), rowOf({ syncedSeq: 1 }), records, policies);
  expect({ missing: w.missing, notYetSynced: w.notYetSynced }).toEqual({ missing: 0, notYetSynced: 2 });
});

it('counts activities against the sequence: one written after a later one is out of order, so is a late session link', () => {
  const plan = planOf([msg(1), msg(2), msg(3)]);
  const c = checkConversation(plan, undefined, synced, storedOf(plan), rowOf({ syncedSeq: 3 }), {
    cases: [caseRow(1)],
    activities: [act(1, 'm-1'), link(1), act(1, 'm-3'), act(1, 'm-2')],
  }, policies);
  expect(c.outOfOrder).toBe(2);
});

it('expects no note for the handoff that created the case in a handoff-only org, and a note for a later one', () => {
  const plan = planOf([msg(1), msg(2), { type: 'handoff', eventId: 'h-3', summary: 's', language: 'en', sentiment: 'neutral', reason: 'r' }, msg(4, 'agent'), { type: 'handoff', eventId: 'h-5', summary: 's', language: 'en', sentiment: 'neutral', reason: 'r' }], 'handoff_only');
  const c = checkConversation(plan, undefined, synced, storedOf(plan), rowOf({ syncedSeq: 5 }), {
    cases: [caseRow(1)],
    activities: [link(1), act(1, 'm-1'), act(1, 'm-2'), act(1, 'm-4'), act(1, 'h-5')],
  }, policies);
  expect(c.problems).toEqual([]);
  expect(c.expectedActivities).toBe(4);
});

it('a case deleted in Creatio: the replacement must hold the whole transcript and say what it replaces', () => {
  const plan = planOf([msg(1), msg(2), msg(3)]);
  const outcome = { lifecycle: { kind: 'delete_case', performed: true, caseId: caseRecordId(ORG, CONV, 1), caseNumber: 'SR1', note: '' } } as ConversationOutcome;
  const row = rowOf({ caseId: caseRecordId(ORG, CONV, 2), caseGeneration: 2, previousCaseReason: 'deleted', syncedSeq: 3 });
  const good = { cases: [caseRow(2)], activities: [link(2, 'This case replaces case SR1'), act(2, 'm-1'), act(2, 'm-2'), act(2, 'm-3')] };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), row, good, policies).problems).toEqual([]);
  const silent = { cases: [caseRow(2)], activities: [link(2), act(2, 'm-1'), act(2, 'm-2'), act(2, 'm-3')] };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), row, silent, policies).caseProblems).toBe(1);
  const resurrected = { cases: [caseRow(1), caseRow(2)], activities: [...good.activities] };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), row, resurrected, policies).caseProblems).toBe(1);
});

it('a closed case followed by a new one: each event once across both, the follow-up continuing where the first stopped', () => {
  const plan = planOf([msg(1), msg(2), msg(3), msg(4)]);
  const outcome = { lifecycle: { kind: 'close_case', performed: true, noticed: true, caseId: caseRecordId(ORG, CONV, 1), caseNumber: 'SR1', note: '' } } as ConversationOutcome;
  const row = rowOf({ caseId: caseRecordId(ORG, CONV, 2), caseGeneration: 2, previousCaseReason: 'closed', syncedSeq: 4 });
  const newCase = { deletedCase: 'replace', closedCase: 'new_case' } as const;
  const split = {
    cases: [caseRow(1, CaseStatus.Closed), caseRow(2)],
    activities: [link(1), act(1, 'm-1'), act(1, 'm-2'), link(2, 'Follow-up to case SR1'), act(2, 'm-3'), act(2, 'm-4')],
  };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), row, split, newCase).problems).toEqual([]);
  const overlap = { ...split, activities: [...split.activities, act(2, 'm-2', 'm-2 again')] };
  const c = checkConversation(plan, outcome, synced, storedOf(plan), row, overlap, newCase);
  expect(c.duplicates).toBe(1);
  expect(c.outOfOrder).toBeGreaterThan(0);
});

it('a closed case that the reopen policy did not reopen is a case problem', () => {
  const plan = planOf([msg(1), msg(2), msg(3)]);
  const outcome = { lifecycle: { kind: 'close_case', performed: true, noticed: true, caseId: caseRecordId(ORG, CONV, 1), caseNumber: 'SR1', note: '' } } as ConversationOutcome;
  const records = { cases: [caseRow(1, CaseStatus.Closed)], activities: [link(1), act(1, 'm-1'), act(1, 'm-2'), act(1, 'm-3')] };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), rowOf({ syncedSeq: 3 }), records, policies).caseProblems).toBe(1);
  const reopened = { ...records, cases: [caseRow(1, CaseStatus.Reopened)] };
  expect(checkConversation(plan, outcome, synced, storedOf(plan), rowOf({ syncedSeq: 3 }), reopened, policies).caseProblems).toBe(0);
});

it('an event the API never stored is missing', () => {
  const plan = planOf([msg(1), msg(2)]);
  const c = checkConversation(plan, undefined, synced, storedOf(plan).slice(0, 1), rowOf({ syncedSeq: 1 }), {
    cases: [caseRow(1)],
    activities: [link(1), act(1, 'm-1')],
  }, policies);
  expect(c.missing).toBe(1);
  expect(c.problems).toContain('event m-2 was never stored');
});
