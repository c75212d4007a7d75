import type { Pool } from 'pg';
import { advanceSyncedSeq, getConversation, setSyncState } from '../store/conversations-repo';
import { getConnection } from '../store/connections-repo';
import { readEventHeaders } from '../store/events-repo';
import type { ConversationRef, RecordSyncStateInput, SyncSnapshot } from './types';

/** What the workflow plans with: stored and written positions, settings, and the next events' kinds. */
export async function planSync(pool: Pool, input: ConversationRef & { limit: number }): Promise<SyncSnapshot> {
  const { orgId, conversationId } = input;
  const [conv, connection] = await Promise.all([getConversation(pool, orgId, conversationId), getConnection(pool, orgId)]);
  const connected = !!connection && connection.status !== 'disconnected' && connection.secret !== null;
  const syncedSeq = conv?.syncedSeq ?? 0;
  const contiguousSeq = conv?.contiguousSeq ?? 0;
  const [pending, triggers] = await Promise.all([
    readEventHeaders(pool, orgId, conversationId, syncedSeq, contiguousSeq, input.limit),
    pool.query<{ customer: number | null; handoff: number | null; resolve: number | null }>(
      `SELECT min(seq) FILTER (WHERE type = 'message' AND payload->>'role' = 'customer') AS customer,
              min(seq) FILTER (WHERE type = 'handoff') AS handoff,
              min(seq) FILTER (WHERE type = 'resolve') AS resolve
         FROM events WHERE org_id = $1 AND conversation_id = $2 AND seq > $3 AND seq <= $4`,
      [orgId, conversationId, syncedSeq, contiguousSeq],
    ),
  ]);
  const t = triggers.rows[0];
  return {
    connected,
    handoffOnly: connection?.handoffOnly ?? false,
    caseId: conv?.caseId ?? null,
    caseNumber: conv?.caseNumber ?? null,
    syncedSeq,
    contiguousSeq,
    pending,
    triggers: {
      firstCustomerMessageSeq: t?.customer ?? null,
      firstHandoffSeq: t?.handoff ?? null,
      firstResolveSeq: t?.resolve ?? null,
    },
    endedAs: conv?.syncState === 'resolved' || conv?.syncState === 'closed_without_case' ? conv.syncState : null,
  };
}

export async function recordSyncState(pool: Pool, input: RecordSyncStateInput): Promise<void> {
  if (input.syncedSeq !== undefined) await advanceSyncedSeq(pool, input.orgId, input.conversationId, input.syncedSeq);
  await setSyncState(pool, input.orgId, input.conversationId, input.state, input.reason);
}
