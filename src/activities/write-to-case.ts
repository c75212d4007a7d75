import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EntityRow } from '../creatio';
import { buildCaseRow, buildEventRows, buildSessionLinkRow, type ActivityContext } from '../domain/case-records';
import type { Pool } from 'pg';
import type { HandoffEvent, MessageEvent, StoredEvent } from '../domain/events';
import { caseRecordId } from '../domain/record-ids';
import { advanceSyncedSeq, getConversation, markCaseLinkWritten, setConversationCase } from '../store/conversations-repo';
import { findFirstEvent, readEvents } from '../store/events-repo';
import { lookupsFor } from '../sync/lookups';
import type { ActivityDeps } from './deps';
import type { WriteToCaseInput, WriteToCaseResult } from './types';
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
    const conv = await getConversation(deps.pool, orgId, conversationId);
    if (!conv) throw ApplicationFailure.nonRetryable(`conversation ${conversationId} is not stored`, 'not_found');
    const fromSeq = Math.max(input.fromSeq, conv.syncedSeq + 1);
    const events = fromSeq <= input.toSeq ? await readEvents(deps.pool, orgId, conversationId, fromSeq, input.toSeq) : [];
    const lookups = await lookupsFor(deps.pool, orgId, record.credentialsVersion, record.lookups, client);

    let caseId = conv.caseId;
    let caseNumber = conv.caseNumber;
    const rows: EntityRow[] = [];
    const createsCase = caseId === null;
    if (createsCase) {
      if (!input.createCase) throw ApplicationFailure.nonRetryable('the conversation has no case yet', 'validation');
      caseId = caseRecordId(orgId, conversationId);
      const [firstCustomer, triggerEvent] = await Promise.all([
        findFirstEvent(deps.pool, orgId, conversationId, { type: 'message', role: 'customer' }),
        readEvents(deps.pool, orgId, conversationId, input.createCase.triggerSeq, input.createCase.triggerSeq),
      ]);
      const trigger = triggerEvent[0]?.event;
      const handoff = trigger?.type === 'handoff' ? (trigger as HandoffEvent) : undefined;
      const registeredOn = (firstCustomer?.event as MessageEvent | undefined)?.sentAt ?? handoff?.occurredAt ?? new Date().toISOString();
      rows.push({
        entity: 'Case',
        verifySelect: ['Id', 'Number'],
        body: buildCaseRow({
          caseId,
          conversationId,
          customer: conv.customer,
          firstCustomerMessage: firstCustomer?.event as MessageEvent | undefined,
          handoff,
          registeredOn,
          assignment: { ownerId: record.ownerId, groupId: record.groupId },
          lookups,
        }),
      });
    }
    const ctx: ActivityContext = { orgId, conversationId, caseId: caseId!, lookups, textMax: deps.activityTextMax };
    const writesLink = createsCase || !conv.caseLinkWritten;
    if (writesLink) {
      const at = (events[0]?.event as MessageEvent | undefined)?.sentAt ?? new Date().toISOString();
      const sessionLink = deps.sessionLinkTemplate.replace('{conversationId}', encodeURIComponent(conversationId)).replace('{orgId}', encodeURIComponent(orgId));
      rows.push({ entity: 'Activity', body: buildSessionLinkRow(ctx, { sessionLink, customer: conv.customer, at }) });
    }
    // After which row count each event is completely written.
    const checkpoints: Array<{ rows: number; seq: number }> = [];
    const handoffCreatedCase = createsCase && input.createCase?.trigger === 'handoff' ? input.createCase.triggerSeq : null;
    const echoes = await findEchoes(deps.pool, orgId, conversationId, events);
    for (const stored of events) {
      const echo = echoes.has(stored.seq);
      for (const body of buildEventRows(ctx, stored, { handoffCreatedCase: stored.seq === handoffCreatedCase, echo })) {
        rows.push({ entity: 'Activity', body });
      }
      checkpoints.push({ rows: rows.length, seq: stored.seq });
    }

    let caseRecorded = !createsCase;
    let linkRecorded = !writesLink;
    const linkRows = createsCase ? 2 : 1;
    const isRetry = Context.current().info.attempt > 1;
    const result = await client.createMany(rows, {
      verifyExisting: isRetry,
      onProgress: async (confirmed, bodies) => {
        if (!caseRecorded && confirmed >= 1) {
          const saved = await setConversationCase(deps.pool, orgId, conversationId, caseId!, numberOf(bodies[0]));
          caseNumber = saved.caseNumber;
          caseRecorded = true;
        }
        if (!linkRecorded && confirmed >= linkRows) {
          await markCaseLinkWritten(deps.pool, orgId, conversationId);
          linkRecorded = true;
        }
        const done = checkpoints.filter((c) => c.rows <= confirmed).pop();
        if (done) await advanceSyncedSeq(deps.pool, orgId, conversationId, done.seq);
      },
    });
    await advanceSyncedSeq(deps.pool, orgId, conversationId, input.toSeq);
    return {
      caseId: caseId!,
      caseNumber,
      syncedSeq: input.toSeq,
      caseCreated: createsCase,
      recordsWritten: result.confirmed - result.alreadyExisted,
    };
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
