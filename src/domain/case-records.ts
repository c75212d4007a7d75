import { activityTitle, caseSubject, messageBodyHtml, speakerLabel, splitHtmlForColumn } from './content';
import type { Customer, HandoffEvent, MessageEvent, StoredEvent } from './events';
import { escapeHtml } from './html';
import { eventActivityId, sessionLinkActivityId } from './record-ids';

/**
 * Mapping of our conversation data to Creatio records, as pure functions.
 * The result bodies are exactly what is POSTed to OData.
 */
export type CreatioRow = Record<string, unknown> & { Id: string };

/** Lookup IDs resolved by name on the customer's instance; null = leave the column to Creatio's default. */
export interface SyncLookups {
  originId: string | null;
  activityTypeId: string | null;
  activityCategoryId: string | null;
  activityStatusId: string | null;
}

export interface CaseAssignment {
  ownerId: string | null;
  groupId: string | null;
}

/** Creatio's Title and Subject columns are 500 characters. */
export const TITLE_MAX = 500;
export const SUBJECT_MAX = 500;
/** Column that carries an activity's formatted text. */
export const ACTIVITY_TEXT_COLUMN = 'Notes';

export interface CaseInput {
  caseId: string;
  conversationId: string;
  customer: Customer | null;
  firstCustomerMessage?: MessageEvent;
  handoff?: HandoffEvent;
  registeredOn: string;
  assignment: CaseAssignment;
  lookups: SyncLookups;
}

export function buildCaseRow(input: CaseInput): CreatioRow {
  const { handoff, firstCustomerMessage } = input;
  const channel = firstCustomerMessage?.channel;
  const symptoms: string[] = [];
  if (handoff?.summary) symptoms.push(handoff.summary);
  else if (firstCustomerMessage) symptoms.push(firstCustomerMessage.text);
  const details = [...customerLines(input.customer), ...handoffLines(handoff), `Conversation: ${input.conversationId}`];
  symptoms.push(details.join('\n'));

  const row: CreatioRow = {
    Id: input.caseId,
    Subject: caseSubject(
      { firstCustomerText: firstCustomerMessage?.text, summary: handoff?.summary, channel, conversationId: input.conversationId },
      SUBJECT_MAX,
    ),
    Symptoms: symptoms.filter((s) => s.trim() !== '').join('\n\n'),
    RegisteredOn: input.registeredOn,
  };
  if (input.lookups.originId) row.OriginId = input.lookups.originId;
  if (input.assignment.ownerId) row.OwnerId = input.assignment.ownerId;
  if (input.assignment.groupId) row.GroupId = input.assignment.groupId;
  return row;
}

export interface ActivityContext {
  orgId: string;
  conversationId: string;
  caseId: string;
  lookups: SyncLookups;
  /** Longest text per activity; longer messages are split over several. */
  textMax: number;
}

function activityBase(ctx: ActivityContext, id: string, title: string, html: string, at: string): CreatioRow {
  const row: CreatioRow = {
    Id: id,
    CaseId: ctx.caseId,
    Title: title,
    [ACTIVITY_TEXT_COLUMN]: html,
    StartDate: at,
    DueDate: at,
  };
  if (ctx.lookups.activityTypeId) row.TypeId = ctx.lookups.activityTypeId;
  if (ctx.lookups.activityCategoryId) row.ActivityCategoryId = ctx.lookups.activityCategoryId;
  if (ctx.lookups.activityStatusId) row.StatusId = ctx.lookups.activityStatusId;
  return row;
}

/** The case's first activity: which conversation it is, a link back to it, who the customer is. */
export function buildSessionLinkRow(
  ctx: ActivityContext,
  input: { sessionLink: string; customer: Customer | null; at: string; previousCase?: { number: string; reason: 'deleted' | 'closed' } },
): CreatioRow {
  const lines: string[] = [];
  if (input.previousCase) {
    const n = escapeHtml(input.previousCase.number);
    lines.push(
      input.previousCase.reason === 'deleted'
        ? `<p><b>This case replaces case ${n}, which was deleted in Creatio.</b> The whole conversation follows.</p>`
        : `<p><b>Follow-up to case ${n}, which was closed.</b> The customer wrote again.</p>`,
    );
  }
  lines.push(
    `<p>Conversation <b>${escapeHtml(ctx.conversationId)}</b></p>`,
    `<p><a href="${escapeHtml(input.sessionLink)}">View the conversation in the support platform</a></p>`,
  );
  const customer = customerLines(input.customer);
  if (customer.length > 0) lines.push(`<p>${customer.map(escapeHtml).join('<br>')}</p>`);
  return activityBase(
    ctx,
    sessionLinkActivityId(ctx.caseId),
    `Conversation ${ctx.conversationId}: view in the support platform`.slice(0, TITLE_MAX),
    lines.join(''),
    input.at,
  );
}

/**
 * Activities for one stored event, in order. Messages become one activity,
 * or several when the text is longer than the column allows; a handoff on an
 * existing case becomes a note; a resolve writes nothing.
 */
export function buildEventRows(
  ctx: ActivityContext,
  stored: StoredEvent,
  opts: { handoffCreatedCase: boolean; echo?: boolean },
): CreatioRow[] {
  const event = stored.event;
  // An agent reply that came from Creatio is already on the case.
  if (opts.echo) return [];
  switch (event.type) {
    case 'message':
      return messageRows(ctx, event);
    case 'handoff':
      return opts.handoffCreatedCase ? [] : [handoffRow(ctx, event)];
    case 'resolve':
      return [];
  }
}

function messageRows(ctx: ActivityContext, msg: MessageEvent): CreatioRow[] {
  const speaker = speakerLabel(msg.role, msg.senderName);
  let html = messageBodyHtml({ text: msg.text, html: msg.html });
  if (msg.attachments?.length) html += attachmentsHtml(msg.attachments);
  const titleText = msg.text.trim() !== '' ? msg.text : (msg.attachments ?? []).map((a) => `[attachment: ${a.name}]`).join(' ');
  // Sanitised HTML (ours and messageBodyHtml's) that fits is its own only part: no need to parse it into graphemes.
  const parts = html.length <= ctx.textMax ? [html] : splitHtmlForColumn(html, ctx.textMax);
  return parts.map((part, i) => {
    const suffix = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
    const title = activityTitle(speaker, titleText, TITLE_MAX - suffix.length) + suffix;
    return activityBase(ctx, eventActivityId(ctx.orgId, ctx.conversationId, msg.eventId, i, ctx.caseId), title, part, msg.sentAt);
  });
}

function handoffRow(ctx: ActivityContext, h: HandoffEvent): CreatioRow {
  const items: string[] = [];
  if (h.summary) items.push(`<p><b>Summary:</b> ${escapeHtml(h.summary)}</p>`);
  const facts = handoffLines(h);
  if (facts.length > 0) items.push(`<p>${facts.map(escapeHtml).join('<br>')}</p>`);
  const title = activityTitle('Handoff to a human agent', h.reason ?? h.summary ?? '', TITLE_MAX);
  return activityBase(
    ctx,
    eventActivityId(ctx.orgId, ctx.conversationId, h.eventId, 0, ctx.caseId),
    title,
    items.join('') || '<p>The AI agent handed the conversation to a human.</p>',
    h.occurredAt,
  );
}

function attachmentsHtml(attachments: NonNullable<MessageEvent['attachments']>): string {
  const items = attachments.map((a) => {
    const label = escapeHtml(a.name);
    return a.url && /^https?:\/\//i.test(a.url) ? `<li><a href="${escapeHtml(a.url)}">${label}</a></li>` : `<li>${label}</li>`;
  });
  return `<p>Attachments:</p><ul>${items.join('')}</ul>`;
}

function customerLines(c: Customer | null): string[] {
  if (!c) return [];
  const lines: string[] = [];
  if (c.name) lines.push(`Customer: ${c.name}`);
  if (c.email) lines.push(`Email: ${c.email}`);
  if (c.phone) lines.push(`Phone: ${c.phone}`);
  return lines;
}

function handoffLines(h: HandoffEvent | undefined): string[] {
  if (!h) return [];
  const lines: string[] = [];
  if (h.reason) lines.push(`Handoff reason: ${h.reason}`);
  if (h.language) lines.push(`Language: ${h.language}`);
  if (h.sentiment) lines.push(`Sentiment: ${h.sentiment}`);
  return lines;
}
