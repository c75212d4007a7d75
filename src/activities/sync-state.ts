import type { Pool } from 'pg';
import { recordWriteProgress, setSyncState } from '../store/conversations-repo';
import { readSyncSnapshot } from '../store/sync-snapshot-repo';
import type { ConversationRef, RecordSyncStateInput, SyncSnapshot } from './types';

/** What the workflow plans with: stored and written positions, settings, and the next events' kinds. */
export async function planSync(pool: Pool, input: ConversationRef & { limit: number }): Promise<SyncSnapshot> {
  return readSyncSnapshot(pool, input.orgId, input.conversationId, input.limit);
}

export async function recordSyncState(pool: Pool, input: RecordSyncStateInput): Promise<void> {
  if (input.syncedSeq !== undefined) await recordWriteProgress(pool, input.orgId, input.conversationId, { syncedSeq: input.syncedSeq });
  await setSyncState(pool, input.orgId, input.conversationId, input.state, input.reason);
}
