import type { Pool } from 'pg';
import { and, ge, lookupEq, NotFoundError } from '../creatio';
import { htmlToPlainText, sanitizeHtml } from '../domain/content';
import { eventActivityId, sessionLinkActivityId } from '../domain/record-ids';
import { getConversation, setCreatioCaseStatus, type ConversationRow, type CreatioCaseStatus } from '../store/conversations-repo';
import { handleMissingCase } from './case-lifecycle';
import { enqueuePlatformEvent } from '../platform/outbox-repo';
import type { ActivityDeps } from './deps';
import type { ConversationRef, PullResult } from './types';
import { withCreatio } from './with-creatio';

/** Activities created up to this long before the newest one seen are read again (clock skew, late commits). */
const OVERLAP_MS = 2 * 60_000;
const PAGE = 200;
/** A message split into more parts than this would need a 400,000-character text. */
const MAX_PARTS_CHECKED = 20;
/** Email activities with this message type came from the customer, not from an agent. */
const INCOMING_EMAIL_MESSAGE_TYPE = '7f9d1f86-f36b-1410-068c-20cf30b39373';
/** Activity types that count as agent replies (what the business-process filter also uses). */
const REPLY_TYPE_NAMES = new Set(['email', 'task']);

interface CreatioActivityRow {
  Id: string;
  Title?: string | null;
  Notes?: string | null;
  Body?: string | null;
  CreatedOn: string;
  CreatedById?: string;
  MessageTypeId?: string;
  Type?: { Name?: string } | null;
}

interface CreatioCaseRow {
  Id: string;
  Number?: string;
  StatusId?: string;
  ModifiedOn?: string;
  ModifiedById?: string;
  CreatedById?: string;
  Status?: { Name?: string; IsFinal?: boolean; IsResolved?: boolean } | null;
}


/**
 * Reads what changed on the conversation's case in Creatio: new activities
 * (agent replies, relayed to the platform once each) and the case status
 * (resolved or closed by an agent). Used for webhooks, which only say "look",
 * and as the backstop for webhooks that never arrive.
 */
export async function pullFromCreatio(deps: ActivityDeps, input: ConversationRef & { purpose: 'webhook' | 'backstop' }): Promise<PullResult> {
  const { orgId, conversationId } = input;
  const none: PullResult = { replies: 0, resolvedInCreatio: false, caseMissing: false };
  const conv = await getConversation(deps.pool, orgId, conversationId);
  if (!conv?.caseId) return none;
  const caseId = conv.caseId;

  return withCreatio(deps, orgId, async ({ record, client }) => {
    const opts = { purpose: input.purpose };
    let current: CreatioCaseRow;
    try {
      current = await client.get<CreatioCaseRow & Record<string, unknown>>('Case', caseId, {
        ...opts,
        select: ['Id', 'Number', 'StatusId', 'ModifiedOn', 'ModifiedById', 'CreatedById'],
        expand: ['Status($select=Name,IsFinal,IsResolved)'],
      });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await handleMissingCase(deps, conv);
      return { ...none, caseMissing: true };
    }
    const known: CreatioCaseStatus = current.Status?.IsFinal ? 'final' : current.Status?.IsResolved ? 'resolved' : 'open';
    if (known !== conv.creatioCaseStatus) await setCreatioCaseStatus(deps.pool, orgId, conversationId, known);
    // The OAuth app's user created our case: that is how we recognise our own writes.
    // Read with the connection under the write lock; learned (one write) only while unknown.
    const integrationUser = record.integrationUserId ?? (await learnIntegrationUser(deps.pool, orgId, current.CreatedById ?? null));

    const replies = await relayNewActivities(deps.pool, conv, caseId, integrationUser, async (since) =>
      (
        await client.query<CreatioActivityRow & Record<string, unknown>>('Activity', {
          ...opts,
          filter: since ? and(lookupEq('Case', caseId), ge('CreatedOn', since)) : lookupEq('Case', caseId),
          select: ['Id', 'Title', 'Notes', 'Body', 'CreatedOn', 'CreatedById', 'MessageTypeId'],
          expand: ['Type($select=Name)'],
          orderby: ['CreatedOn', 'Id'],
          top: PAGE,
        })
      ).value,
    );

    const resolvedInCreatio = await noteCaseResolution(deps.pool, conv, current, integrationUser);
    return { replies, resolvedInCreatio, caseMissing: false };
  });
}

/** Stores the case creator as the integration user unless another pull got there first; returns the stored one. */
async function learnIntegrationUser(pool: Pool, orgId: string, caseCreator: string | null): Promise<string | null> {
  const { rows } = await pool.query<{ integration_user_id: string | null }>(
    `UPDATE connections SET integration_user_id = COALESCE(integration_user_id, $2::uuid) WHERE org_id = $1
     RETURNING integration_user_id`,
    [orgId, caseCreator],
  );
  return rows[0]?.integration_user_id ?? caseCreator;
}

async function relayNewActivities(
  pool: Pool,
  conv: ConversationRow,
  caseId: string,
  integrationUser: string | null,
  read: (since: Date | null) => Promise<CreatioActivityRow[]>,
): Promise<number> {
  const { orgId, conversationId } = conv;
  const cursor = await pool.query<{ creatio_seen_until: Date | null }>(
    'SELECT creatio_seen_until FROM conversations WHERE org_id = $1 AND conversation_id = $2',
    [orgId, conversationId],
  );
  const seenUntil = cursor.rows[0]?.creatio_seen_until ?? null;
  const rows = await read(seenUntil ? new Date(seenUntil.getTime() - OVERLAP_MS) : null);
  if (rows.length === 0) return 0;

  const seen = await pool.query<{ activity_id: string }>(
    'SELECT activity_id FROM creatio_activities_seen WHERE org_id = $1 AND activity_id = ANY($2::uuid[])',
    [orgId, rows.map((r) => r.Id)],
  );
  const already = new Set(seen.rows.map((r) => r.activity_id.toLowerCase()));
  let relayed = 0;
  let ownIds: Set<string> | undefined;
  for (const row of rows) {
    if (already.has(row.Id.toLowerCase())) continue;
    let outcome = classify(row, integrationUser);
    if (outcome === 'relayed') {
      // Second line of defence against echoes (e.g. the OAuth app was replaced): IDs we derive ourselves.
      ownIds ??= await ourActivityIds(pool, conv, caseId);
      if (ownIds.has(row.Id.toLowerCase())) outcome = 'own';
    }
    if (outcome === 'relayed') {
      const html = sanitizeHtml(row.Body || row.Notes || '');
      const text = htmlToPlainText(html).trim() || (row.Title ?? '').trim();
      await enqueuePlatformEvent(pool, {
        orgId,
        conversationId,
        type: 'agent_reply',
        dedupeKey: `agent_reply/${row.Id.toLowerCase()}`,
        occurredAt: row.CreatedOn,
        data: { caseId, caseNumber: conv.caseNumber, activityId: row.Id.toLowerCase(), text, html, authorContactId: row.CreatedById ?? null },
      });
      relayed++;
    }
    await pool.query(
      `INSERT INTO creatio_activities_seen (org_id, activity_id, conversation_id, outcome) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id, activity_id) DO NOTHING`,
      [orgId, row.Id, conversationId, outcome],
    );
  }
  const newest = rows.reduce((max, r) => (Date.parse(r.CreatedOn) > max ? Date.parse(r.CreatedOn) : max), seenUntil?.getTime() ?? 0);
  await pool.query(
    'UPDATE conversations SET creatio_seen_until = GREATEST(COALESCE(creatio_seen_until, $3), $3) WHERE org_id = $1 AND conversation_id = $2',
    [orgId, conversationId, new Date(newest)],
  );
  return relayed;
}

/** Every activity ID this conversation's sync can have written to the case. */
async function ourActivityIds(pool: Pool, conv: ConversationRow, caseId: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ event_id: string }>('SELECT event_id FROM events WHERE org_id = $1 AND conversation_id = $2', [
    conv.orgId,
    conv.conversationId,
  ]);
  const ids = new Set<string>([sessionLinkActivityId(caseId)]);
  for (const { event_id } of rows) {
    for (let part = 0; part < MAX_PARTS_CHECKED; part++) ids.add(eventActivityId(conv.orgId, conv.conversationId, event_id, part, caseId));
  }
  return ids;
}

function classify(row: CreatioActivityRow, integrationUser: string | null): 'relayed' | 'own' | 'not_a_reply' {
  if (integrationUser && row.CreatedById?.toLowerCase() === integrationUser.toLowerCase()) return 'own';
  const type = row.Type?.Name?.toLowerCase();
  if (type && !REPLY_TYPE_NAMES.has(type)) return 'not_a_reply';
  if (row.MessageTypeId?.toLowerCase() === INCOMING_EMAIL_MESSAGE_TYPE) return 'not_a_reply';
  return 'relayed';
}

/** Records (once) that an agent resolved or closed the case in Creatio; our own status change does not count. */
async function noteCaseResolution(pool: Pool, conv: ConversationRow, c: CreatioCaseRow, integrationUser: string | null): Promise<boolean> {
  if (!c.Status?.IsResolved && !c.Status?.IsFinal) return false;
  if (conv.syncState === 'resolved') return false; // we resolved it (or already relayed it)
  if (integrationUser && c.ModifiedById?.toLowerCase() === integrationUser.toLowerCase()) return false;
  const { rowCount } = await pool.query(
    `UPDATE conversations SET creatio_resolved_at = $3 WHERE org_id = $1 AND conversation_id = $2 AND creatio_resolved_at IS NULL`,
    [conv.orgId, conv.conversationId, c.ModifiedOn ? new Date(c.ModifiedOn) : new Date()],
  );
  if ((rowCount ?? 0) > 0) {
    await enqueuePlatformEvent(pool, {
      orgId: conv.orgId,
      conversationId: conv.conversationId,
      type: 'conversation_resolved',
      dedupeKey: `conversation_resolved/${conv.conversationId}/${c.Id.toLowerCase()}`,
      occurredAt: c.ModifiedOn ?? new Date().toISOString(),
      data: { caseId: c.Id.toLowerCase(), caseNumber: c.Number ?? conv.caseNumber, statusId: c.StatusId ?? null, statusName: c.Status?.Name ?? null, final: !!c.Status?.IsFinal },
    });
  }
  return true;
}
