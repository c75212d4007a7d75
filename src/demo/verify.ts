import { CaseStatus } from '../creatio/stock';
import { activityTitle, htmlToPlainText, speakerLabel } from '../domain/content';
import { collapseWhitespace } from '../domain/content-text';
import type { ExampleMessage } from './examples';
import type { ReadActivity, ReadCase } from './read-back';
import type { ReplayPlan } from './replay';
import type { ConversationView } from './service-api';

/**
 * Compares what Creatio holds (read back over OData) with what each sample
 * promises: one case (or none), every message exactly once and in order,
 * the resolved status where the conversation was resolved. Pure, so it can be
 * tested without a stack. Messages are matched by content (speaker + text in
 * the title, text in the body) and time, not by record ID: the point is to
 * show the conversation is really there.
 */
export type ActivityKind = 'session-link' | 'handoff-note' | 'message' | 'unexpected';

export interface ConversationReport {
  plan: ReplayPlan;
  view: ConversationView | undefined;
  cases: ReadCase[];
  /** Kind of each activity of the first case, in read order. */
  kinds: ActivityKind[];
  messagesExpected: number;
  messagesFound: number;
  problems: string[];
}

interface ExpectedMessage {
  index: number;
  eventId: string;
  title: string;
  body: string;
  at: number;
  mustNotAppear: string[];
}

/** Stop listing after this many problems of one kind: a hundred "missing" lines help nobody. */
const MAX_LISTED = 8;

export function expectedMessages(plan: ReplayPlan): ExpectedMessage[] {
  const out: ExpectedMessage[] = [];
  for (const e of plan.events) {
    if (e.spec.type !== 'message') continue;
    const m: ExampleMessage = e.spec;
    // Same rule as the API: the text, or the HTML's text when there is none.
    const text = m.text !== undefined && m.text.trim() !== '' ? m.text : htmlToPlainText(m.html ?? '');
    out.push({
      index: out.length,
      eventId: m.eventId,
      title: activityTitle(speakerLabel(m.role, m.senderName), text),
      body: collapseWhitespace(m.html !== undefined ? htmlToPlainText(m.html) : text),
      at: Date.parse(e.at),
      mustNotAppear: m.mustNotAppear ?? [],
    });
  }
  return out;
}

export function classifyActivity(a: ReadActivity, conversationId: string): Exclude<ActivityKind, 'message' | 'unexpected'> | undefined {
  if (a.title.startsWith(`Conversation ${conversationId}:`)) return 'session-link';
  if (a.title.startsWith('Handoff to a human agent')) return 'handoff-note';
  return undefined;
}

export function verifyConversation(
  plan: ReplayPlan,
  view: ConversationView | undefined,
  cases: ReadCase[],
  notDone?: string,
): ConversationReport {
  const ex = plan.example;
  const problems: string[] = [];
  const expected = expectedMessages(plan);
  const report: ConversationReport = { plan, view, cases, kinds: [], messagesExpected: expected.length, messagesFound: 0, problems };
  if (notDone) problems.push(`did not reach its final state: ${notDone}`);
  if (view && view.state !== ex.expect.finalState) problems.push(`the API reports state ${view.state}, expected ${ex.expect.finalState}`);

  if (!ex.expect.case) {
    if (cases.length > 0) problems.push(`expected no case, but Creatio has ${cases.length}: ${cases.map((c) => c.number).join(', ')}`);
    if (view?.caseId) problems.push(`expected no case, but the API reports case ${view.caseNumber ?? view.caseId}`);
    return report;
  }

  if (cases.length === 0) {
    problems.push(`no case in Creatio (the API reports ${view?.caseId ? `case ${view.caseNumber ?? view.caseId}` : 'none'})`);
    problems.push(`all ${expected.length} messages missing`);
    return report;
  }
  if (cases.length > 1) problems.push(`${cases.length} cases in Creatio for one conversation: ${cases.map((c) => c.number).join(', ')}`);
  const kase = cases.find((c) => c.id === view?.caseId) ?? cases[0]!;
  if (view && view.caseId !== kase.id) problems.push(`the API reports case ${view.caseId ?? 'none'}, Creatio has ${kase.id}`);
  if (view && view.caseNumber !== kase.number) problems.push(`the API reports case number ${view.caseNumber ?? 'none'}, Creatio has ${kase.number}`);

  const resolved = ex.expect.finalState === 'resolved';
  if (resolved && kase.statusId !== CaseStatus.Resolved) problems.push(`case ${kase.number} has status ${kase.statusName}, expected Resolved`);
  if (!resolved && kase.statusId === CaseStatus.Resolved) problems.push(`case ${kase.number} is Resolved but the conversation is still open`);

  checkAiFields(plan, kase, problems);
  checkActivities(plan, kase, expected, report);
  return report;
}

/** The handoff's AI-filled columns must be on the case (lookups compared by their Name). */
function checkAiFields(plan: ReplayPlan, kase: ReadCase, problems: string[]): void {
  for (const e of plan.events) {
    if (e.spec.type !== 'handoff') continue;
    for (const [column, value] of Object.entries(e.spec.aiFields ?? {})) {
      const actual = kase.aiFields[column];
      if (actual !== String(value)) problems.push(`AI field ${column}: Creatio has "${actual ?? '(not read)'}", the handoff said "${String(value)}"`);
    }
  }
}

function checkActivities(plan: ReplayPlan, kase: ReadCase, expected: ExpectedMessage[], report: ConversationReport): void {
  const { problems } = report;
  const conversationId = plan.example.conversationId;
  const key = (title: string, at: number) => `${at}|${title}`;
  const byKey = new Map<string, ExpectedMessage>();
  for (const m of expected) byKey.set(key(m.title, m.at), m);

  // Which expected message each message activity is (undefined = unexpected).
  const found: Array<ExpectedMessage | undefined> = [];
  for (const a of kase.activities) {
    const special = classifyActivity(a, conversationId);
    if (special) {
      report.kinds.push(special);
      continue;
    }
    const match = byKey.get(key(a.title, Date.parse(a.startDate)));
    report.kinds.push(match ? 'message' : 'unexpected');
    found.push(match);
    if (match && !collapseWhitespace(htmlToPlainText(a.notes)).includes(match.body)) {
      problems.push(`message ${match.eventId}: the activity's text differs from the message (title "${cut(a.title)}")`);
    }
    for (const bad of match?.mustNotAppear ?? []) {
      if ((a.title + a.notes).toLowerCase().includes(bad.toLowerCase())) problems.push(`message ${match!.eventId}: "${bad}" reached Creatio`);
    }
    if (/<script/i.test(a.notes)) problems.push(`activity "${cut(a.title)}" contains a <script> element`);
  }

  const links = report.kinds.filter((k) => k === 'session-link').length;
  if (links !== 1) problems.push(`${links} session-link activities, expected 1`);
  const handoffNotes = report.kinds.filter((k) => k === 'handoff-note').length;
  // A handoff on an existing case adds a note; a handoff that creates the case (handoff-only) does not.
  const hasHandoff = plan.events.some((e) => e.spec.type === 'handoff');
  const expectedNotes = hasHandoff && plan.example.orgMode === 'every-conversation' ? 1 : 0;
  if (handoffNotes !== expectedNotes) problems.push(`${handoffNotes} handoff-note activities, expected ${expectedNotes}`);

  const counts = new Map<number, number>();
  for (const m of found) if (m) counts.set(m.index, (counts.get(m.index) ?? 0) + 1);
  report.messagesFound = counts.size;
  const missing = expected.filter((m) => !counts.has(m.index));
  const duplicated = expected.filter((m) => (counts.get(m.index) ?? 0) > 1);
  const unexpected = kase.activities.filter((_a, i) => report.kinds[i] === 'unexpected');
  listed(problems, 'missing', missing.map((m) => `${m.eventId} "${cut(m.title)}"`));
  listed(problems, 'more than once', duplicated.map((m) => `${m.eventId} (${counts.get(m.index)} times)`));
  listed(problems, 'unexpected activity', unexpected.map((a) => `"${cut(a.title)}" at ${a.startDate}`));

  // Order: the message activities, read oldest first, must be the messages in sequence.
  const order = found.filter((m): m is ExpectedMessage => m !== undefined).map((m) => m.index);
  const firstOut = order.findIndex((idx, i) => i > 0 && idx < order[i - 1]!);
  if (firstOut > 0) {
    problems.push(`out of order: ${expected[order[firstOut]!]!.eventId} comes after ${expected[order[firstOut - 1]!]!.eventId}`);
  }
}

function listed(problems: string[], what: string, items: string[]): void {
  if (items.length === 0) return;
  const shown = items.slice(0, MAX_LISTED).join(', ');
  problems.push(`${items.length} ${what}: ${shown}${items.length > MAX_LISTED ? `, and ${items.length - MAX_LISTED} more` : ''}`);
}

function cut(s: string, max = 70): string {
  const one = collapseWhitespace(s);
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
