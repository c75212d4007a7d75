import { CaseStatus } from '../../../src/creatio/stock';
import { parseExample } from '../../../src/demo/examples';
import type { ReadActivity, ReadCase } from '../../../src/demo/read-back';
import { planReplay, type ReplayPlan } from '../../../src/demo/replay';
import type { ConversationView } from '../../../src/demo/service-api';
import { verifyConversation } from '../../../src/demo/verify';
import { activityTitle, plainTextToHtml, speakerLabel } from '../../../src/domain/content';

const CASE_ID = '11111111-2222-4333-8444-555555555555';

function plan(orgMode: 'every-conversation' | 'handoff-only' = 'every-conversation', resolved = true): ReplayPlan {
  const events: unknown[] = [
    { type: 'message', eventId: 'm1', role: 'ai', text: 'Hi! How can I help?' },
    { type: 'message', eventId: 'm2', role: 'customer', text: 'My parcel is late.' },
    { type: 'handoff', eventId: 'h1', summary: 'Late parcel', reason: 'asked for a human', aiFields: { PriorityId: 'High' } },
    { type: 'message', eventId: 'm3', role: 'agent', senderName: 'Kim', text: 'Hello, Kim here.\nLet me check.' },
  ];
  if (resolved) events.push({ type: 'resolve', eventId: 'r1' });
  const ex = parseExample('t.json', {
    title: 't',
    orgMode,
    conversationId: 'conv-v',
    customer: { name: 'Test Customer' },
    expect: { case: true, finalState: resolved ? 'resolved' : 'syncing' },
    events,
  });
  return planReplay(ex, 'org-v', new Date('2026-03-10T12:00:00Z'));
}

/** What a correct sync leaves in Creatio for the plan. */
function goodCase(p: ReplayPlan, statusId: string = CaseStatus.Resolved): ReadCase {
  const activities: ReadActivity[] = [
    { id: 'link', title: `Conversation ${p.example.conversationId}: view in the support platform`, notes: '<p>link</p>', startDate: p.events[0]!.at },
  ];
  for (const e of p.events) {
    if (e.spec.type === 'message') {
      activities.push({
        id: e.spec.eventId,
        title: activityTitle(speakerLabel(e.spec.role, e.spec.senderName), e.spec.text ?? ''),
        notes: plainTextToHtml(e.spec.text ?? ''),
        startDate: e.at,
      });
    } else if (e.spec.type === 'handoff' && p.example.orgMode === 'every-conversation') {
      activities.push({ id: 'note', title: 'Handoff to a human agent: asked for a human', notes: '<p>Summary</p>', startDate: e.at });
    }
  }
  return { id: CASE_ID, number: 'SR00000001', subject: 's', statusId, statusName: 'Resolved', aiFields: { PriorityId: 'High' }, activities };
}

function view(state: string, caseId: string | null = CASE_ID): ConversationView {
  return { workflowId: 'w', state, reason: null, caseId, caseNumber: caseId ? 'SR00000001' : null, storedUpTo: 5, lastSeq: 5, syncedUpTo: 5 };
}

describe('verifyConversation', () => {
  it('accepts a complete case', () => {
    const p = plan();
    const r = verifyConversation(p, view('resolved'), [goodCase(p)]);
    expect(r.problems).toEqual([]);
    expect(r.messagesFound).toBe(3);
    expect(r.kinds).toEqual(['session-link', 'message', 'message', 'handoff-note', 'message']);
  });

  it('names a missing message', () => {
    const p = plan();
    const c = goodCase(p);
    c.activities = c.activities.filter((a) => a.id !== 'm2');
    expect(verifyConversation(p, view('resolved'), [c]).problems).toEqual([expect.stringMatching(/^1 missing: m2 "Customer: My parcel is late\."/)]);
  });

  it('names a message written twice', () => {
    const p = plan();
    const c = goodCase(p);
    c.activities.push({ ...c.activities.find((a) => a.id === 'm3')!, id: 'm3-copy' });
    expect(verifyConversation(p, view('resolved'), [c]).problems).toEqual(['1 more than once: m3 (2 times)']);
  });

  it('notices messages out of order', () => {
    const p = plan();
    const c = goodCase(p);
    const [a, b] = [c.activities[1]!, c.activities[2]!];
    c.activities[1] = b;
    c.activities[2] = a;
    expect(verifyConversation(p, view('resolved'), [c]).problems).toEqual(['out of order: m1 comes after m2']);
  });

  it('notices a changed text, an unexpected activity, a missing resolved status and an AI field not written', () => {
    const p = plan();
    const c = goodCase(p, CaseStatus.New);
    c.statusName = 'New';
    c.aiFields = { PriorityId: 'Medium' };
    c.activities[2] = { ...c.activities[2]!, notes: '<p>something else</p>' };
    c.activities.push({ id: 'x', title: 'Customer: hello?', notes: '', startDate: p.events[0]!.at });
    const problems = verifyConversation(p, view('resolved'), [c]).problems;
    expect(problems).toEqual([
      'case SR00000001 has status New, expected Resolved',
      'AI field PriorityId: Creatio has "Medium", the handoff said "High"',
      expect.stringMatching(/^message m2: the activity's text differs/),
      expect.stringMatching(/^1 unexpected activity: "Customer: hello\?"/),
    ]);
  });

  it('expects no handoff note when the handoff created the case (handoff-only)', () => {
    const p = plan('handoff-only', false);
    const c = goodCase(p, CaseStatus.New);
    expect(verifyConversation(p, view('syncing'), [c]).problems).toEqual([]);
    c.activities.push({ id: 'note', title: 'Handoff to a human agent: x', notes: '', startDate: p.events[2]!.at });
    expect(verifyConversation(p, view('syncing'), [c]).problems).toEqual(['1 handoff-note activities, expected 0']);
  });

  it('requires no case for a conversation closed without handoff, and exactly one otherwise', () => {
    const ex = parseExample('n.json', {
      title: 'n',
      orgMode: 'handoff-only',
      conversationId: 'conv-n',
      customer: { name: 'Test Customer' },
      expect: { case: false, finalState: 'closed_without_case' },
      events: [
        { type: 'message', eventId: 'm1', role: 'customer', text: 'Opening hours?' },
        { type: 'resolve', eventId: 'r1' },
      ],
    });
    const p = planReplay(ex, 'org-n', new Date());
    expect(verifyConversation(p, view('closed_without_case', null), []).problems).toEqual([]);
    expect(verifyConversation(p, view('closed_without_case', null), [goodCase(p)]).problems).toEqual([expect.stringMatching(/^expected no case/)]);

    const q = plan();
    expect(verifyConversation(q, view('resolved'), [goodCase(q), { ...goodCase(q), id: 'other', number: 'SR2' }]).problems).toEqual([
      '2 cases in Creatio for one conversation: SR00000001, SR2',
    ]);
  });
});
