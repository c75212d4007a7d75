import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { CreatioClient, EntityRow } from '../creatio';
import { buildCaseRow, buildEventRows, buildSessionLinkRow, type ActivityContext, type SyncLookups } from '../domain/case-records';
import type { HandoffEvent, MessageEvent, StoredEvent } from '../domain/events';
import { caseRecordId } from '../domain/record-ids';
import type { ConnectionRecord } from '../store/connections-repo';
import {
  beginCaseWrite,
  getConversation,
  recordWriteProgress,
  recordWriteProgressAndPlan,
  type ConversationRow,
  type WriteProgress,
} from '../store/conversations-repo';
import { findFirstEvent, readEvents } from '../store/events-repo';
import { lookupsFor } from '../sync/lookups';
import { applyAiFields } from './ai-fields';
import { handleMissingCase, isMissingCase, prepareCaseForNewMessages } from './case-lifecycle';
import type { ActivityDeps } from './deps';
import type { ResolveOutcome, SyncSnapshot, WriteToCaseInput, WriteToCaseResult } from './types';
import { withCreatio } from './with-creatio';

/**
 * Writes events [fromSeq, toSeq] to the conversation's case as activities, in
 * sequence order, creating the case first when asked. Everything goes through
 * the client's ordered, idempotent createMany, so a retry after any failure
 * (even one that committed half a batch) neither duplicates nor reorders. The
 * cursor in the database moves after every confirmed prefix.
 */
export async function writeToCase(deps: ActivityDeps, input: WriteToCaseInput): Promise<WriteToCaseResult> {
  const { orgId, conversationId } = input;
  return withCreatio(deps, orgId, async ({ record, client }) => {
    // The events not yet written (after the stored cursor) come with the conversation.
    const loaded = await beginCaseWrite(deps.pool, orgId, conversationId, input.fromSeq, input.toSeq);
    if (!loaded) throw notStored(conversationId);
    let conv = loaded.conv;
    const events = loaded.events;
    let trigger = input.createCase;
    if (conv.caseId && events.some((e) => e.event.type === 'message' && e.event.role === 'customer')) {
      if ((await prepareCaseForNewMessages(deps, client, conv)) === 'detached') {
        conv = await loadConversation(deps.pool, orgId, conversationId);
        trigger = { trigger: 'customer_message', triggerSeq: events.find((e) => e.event.type === 'message')!.seq };
      }
    }
    if (!conv.caseId && !trigger) throw ApplicationFailure.nonRetryable('the conversation has no case yet', 'validation');

    const lookups = await lookupsFor(deps.pool, orgId, record.credentialsVersion, record.lookups, client);
    try {
      return await writeRows(deps, client, record, conv, events, lookups, input, trigger);
    } catch (err) {
      if (!conv.caseId || !isMissingCase(err)) throw err;
      await handleMissingCase(deps, conv);
      return { caseId: null, caseNumber: null, syncedSeq: 0, caseCreated: false, caseReplaced: true, recordsWritten: 0 };
    }
  });
}

function notStored(conversationId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`conversation ${conversationId} is not stored`, 'not_found');
}

async function loadConversation(pool: Pool, orgId: string, conversationId: string): Promise<ConversationRow> {
  const conv = await getConversation(pool, orgId, conversationId);
  if (!conv) throw notStored(conversationId);
  return conv;
}

async function writeRows(
  deps: ActivityDeps,
  client: CreatioClient,
  record: ConnectionRecord,
  conv: ConversationRow,
  events: StoredEvent[],
  lookups: SyncLookups,
  input: WriteToCaseInput,
  trigger: WriteToCaseInput['createCase'],
): Promise<WriteToCaseResult> {
  const toSeq = input.toSeq;
  const { orgId, conversationId } = conv;
  const createsCase = conv.caseId === null;
  const caseId = conv.caseId ?? caseRecordId(orgId, conversationId, conv.caseGeneration);
  let caseNumber = conv.caseNumber;
  const rows: EntityRow[] = [];
  if (createsCase) rows.push({ entity: 'Case', verifySelect: ['Id', 'Number'], body: await caseRow(deps.pool, record, conv, caseId, trigger!, lookups, events) });

  const ctx: ActivityContext = { orgId, conversationId, caseId, lookups, textMax: deps.activityTextMax };
  const writesLink = createsCase || !conv.caseLinkWritten;
  if (writesLink) {
    const at = (events[0]?.event as MessageEvent | undefined)?.sentAt ?? new Date().toISOString();
    const sessionLink = deps.sessionLinkTemplate
      .replace('{conversationId}', encodeURIComponent(conversationId))
      .replace('{orgId}', encodeURIComponent(orgId));
    const previousCase = conv.previousCaseNumber && conv.previousCaseReason ? { number: conv.previousCaseNumber, reason: conv.previousCaseReason } : undefined;
    rows.push({ entity: 'Activity', body: buildSessionLinkRow(ctx, { sessionLink, customer: conv.customer, at, previousCase }) });
  }
  // After which row count each event is completely written.
  const checkpoints: Array<{ rows: number; seq: number }> = [];
  const handoffCreatedCase = createsCase ? (trigger?.trigger === 'handoff' ? trigger.triggerSeq : null) : conv.caseTriggerSeq;
  const echoes = await findEchoes(deps.pool, orgId, conversationId, events);
  for (const stored of events) {
    const opts = { handoffCreatedCase: stored.seq === handoffCreatedCase, echo: echoes.has(stored.seq) };
    for (const body of buildEventRows(ctx, stored, opts)) rows.push({ entity: 'Activity', body });
    checkpoints.push({ rows: rows.length, seq: stored.seq });
  }

  // A resolve right after a write that creates the case goes in the same request
  // (unless AI fields are to be written first: they follow the rows).
  const resolveSeq = createsCase && input.resolveSeq !== undefined && !events.some(hasAiFields) ? input.resolveSeq : undefined;
  const statusId = record.resolvedStatusId;

  let caseRecorded = !createsCase;
  let linkRecorded = !writesLink;
  const linkRows = createsCase ? 2 : 1;
  /** What the rows confirmed so far add to the stored state (recorded at once, or with the end of the write). */
  const progress = (confirmed: number, bodies: ReadonlyArray<unknown>): WriteProgress => {
    const p: WriteProgress = {};
    if (!caseRecorded && confirmed >= 1) p.case = { caseId, caseNumber: numberOf(bodies[0]), triggerSeq: trigger?.triggerSeq ?? null };
    if (!linkRecorded && confirmed >= linkRows) p.linkWritten = true;
    const done = checkpoints.filter((c) => c.rows <= confirmed).pop();
    if (done) p.syncedSeq = done.seq;
    caseRecorded ||= confirmed >= 1;
    linkRecorded ||= confirmed >= linkRows;
    return p;
  };
  let last: WriteProgress = {};
  const result = await client.createMany(rows, {
    verifyExisting: Context.current().info.attempt > 1,
    ...(resolveSeq !== undefined && statusId ? { finalUpdate: { entity: 'Case', id: caseId, body: { StatusId: statusId } } } : {}),
    onProgress: async (confirmed, bodies) => {
      // A partial prefix is recorded now; the whole write's is recorded once below, with the state.
      if (confirmed < rows.length) {
        const p = progress(confirmed, bodies);
        if (p.case || p.linkWritten || p.syncedSeq !== undefined) caseNumber = (await recordWriteProgress(deps.pool, orgId, conversationId, p)).caseNumber ?? caseNumber;
      } else {
        last = progress(confirmed, bodies);
      }
    },
  });
  for (const { event } of events) {
    if (event.type === 'handoff') await applyAiFields(deps.pool, client, { orgId, conversationId, caseId }, event.aiFields);
  }
  // Resolved with the write: in the same request, or nothing to set (as resolveCase does without a status).
  let resolved: ResolveOutcome | undefined;
  if (resolveSeq !== undefined) resolved = !statusId ? 'no_status_configured' : result.finalUpdateApplied === true ? 'resolved' : undefined;
  // The state is recorded here too, so the workflow does not spend a step on it; and unless
  // resolved (the workflow then finishes), the next plan's snapshot comes back with it.
  const final: WriteProgress = {
    ...last,
    ...(resolved
      ? { syncedSeq: resolveSeq, state: 'resolved', ...(resolved === 'resolved' ? { creatioCaseStatus: 'resolved' as const } : {}) }
      : { syncedSeq: toSeq, state: 'syncing' }),
  };
  const recorded: { caseNumber: string | null; next?: SyncSnapshot; knownSeq?: number } =
    input.planLimit && !resolved
      ? await recordWriteProgressAndPlan(deps.pool, orgId, conversationId, final, input.planLimit)
      : await recordWriteProgress(deps.pool, orgId, conversationId, final);
  return {
    caseId,
    caseNumber: recorded.caseNumber ?? caseNumber,
    syncedSeq: resolved ? resolveSeq! : toSeq,
    caseCreated: createsCase,
    caseReplaced: false,
    recordsWritten: result.confirmed - result.alreadyExisted,
    ...(resolved ? { resolved } : {}),
    ...(recorded.next ? { next: recorded.next } : {}),
    ...(recorded.knownSeq !== undefined ? { knownSeq: recorded.knownSeq } : {}),
  };
}

function hasAiFields({ event }: StoredEvent): boolean {
  return event.type === 'handoff' && Object.keys(event.aiFields ?? {}).length > 0;
}

async function caseRow(
  pool: Pool,
  record: ConnectionRecord,
  conv: ConversationRow,
  caseId: string,
  trigger: NonNullable<WriteToCaseInput['createCase']>,
  lookups: SyncLookups,
  events: StoredEvent[],
): Promise<Record<string, unknown> & { Id: string }> {
  // Usually both are among the events being written: read them only when not.
  const isCustomerMessage = ({ event }: StoredEvent) => event.type === 'message' && event.role === 'customer';
  const [firstCustomer, triggerEvent] = await Promise.all([
    events[0]?.seq === 1 && events.some(isCustomerMessage)
      ? events.find(isCustomerMessage)
      : findFirstEvent(pool, conv.orgId, conv.conversationId, { type: 'message', role: 'customer' }),
    events.find((e) => e.seq === trigger.triggerSeq) ??
      readEvents(pool, conv.orgId, conv.conversationId, trigger.triggerSeq, trigger.triggerSeq).then((r) => r[0]),
  ]);
  const t = triggerEvent?.event;
  const handoff = t?.type === 'handoff' ? (t as HandoffEvent) : undefined;
  const firstCustomerMessage = firstCustomer?.event as MessageEvent | undefined;
  return buildCaseRow({
    caseId,
    conversationId: conv.conversationId,
    customer: conv.customer,
    firstCustomerMessage,
    handoff,
    registeredOn: firstCustomerMessage?.sentAt ?? handoff?.occurredAt ?? new Date().toISOString(),
    assignment: { ownerId: record.ownerId, groupId: record.groupId },
    lookups,
  });
}

/**
 * Agent messages that are our own relayed Creatio replies coming back from
 * the platform: marked with creatioActivityId, or (for platforms that do not
 * pass it on) an agent message with exactly the text of a reply we relayed.
 */
async function findEchoes(pool: Pool, orgId: string, conversationId: string, events: StoredEvent[]): Promise<Set<number>> {
  const echoes = new Set<number>();
  const agentTexts = new Map<string, number[]>();
  for (const { seq, event } of events) {
    if (event.type !== 'message' || event.role !== 'agent') continue;
    if (event.creatioActivityId) echoes.add(seq);
    else agentTexts.set(normalise(event.text), [...(agentTexts.get(normalise(event.text)) ?? []), seq]);
  }
  if (agentTexts.size === 0) return echoes;
  const { rows } = await pool.query<{ text: string }>(
    `SELECT payload->'data'->>'text' AS text FROM outbound_events
      WHERE org_id = $1 AND conversation_id = $2 AND type = 'agent_reply'`,
    [orgId, conversationId],
  );
  for (const { text } of rows) for (const seq of agentTexts.get(normalise(text ?? '')) ?? []) echoes.add(seq);
  return echoes;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function numberOf(body: unknown): string | null {
  const n = (body as { Number?: unknown } | undefined)?.Number;
  return typeof n === 'string' && n !== '' ? n : null;
}
