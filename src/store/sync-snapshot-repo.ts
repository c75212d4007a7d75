import type { Pool } from 'pg';
import type { EventHeader } from '../domain/events';
import type { SyncSnapshot } from '../domain/sync-plan';

export interface SnapshotRow {
  case_id: string | null;
  case_number: string | null;
  synced_seq: number | null;
  contiguous_seq: number | null;
  sync_state: string | null;
  conn_status: string | null;
  handoff_only: boolean | null;
  has_secret: boolean | null;
  pending: Array<[number, EventHeader['type'], EventHeader['role'] | null]>;
  customer: number | null;
  handoff: number | null;
  resolve: number | null;
  /** The newest pending event this statement could see (see snapshotIsComplete). */
  newest: number | null;
}

/**
 * The snapshot's select, given a CTE named `c` holding the conversation's row
 * (case_id, case_number, synced_seq, contiguous_seq, sync_state) or nothing:
 * $1 is the org, $2 the conversation, and `limitParam` the page size.
 */
export function snapshotSelectSql(limitParam: string): string {
  return `pend AS (
       SELECT e.seq, e.type, e.payload->>'role' AS role
         FROM events e, c
        WHERE e.org_id = $1 AND e.conversation_id = $2 AND e.seq > c.synced_seq AND e.seq <= c.contiguous_seq
     )
     SELECT c.case_id, c.case_number, c.synced_seq, c.contiguous_seq, c.sync_state,
            conn.status AS conn_status, conn.handoff_only, (conn.secret_ciphertext IS NOT NULL AND conn.secret_key_id IS NOT NULL) AS has_secret,
            COALESCE((SELECT json_agg(json_build_array(p.seq, p.type, p.role) ORDER BY p.seq)
                        FROM (SELECT * FROM pend ORDER BY seq LIMIT ${limitParam}) p), '[]'::json) AS pending,
            (SELECT min(seq) FROM pend WHERE type = 'message' AND role = 'customer') AS customer,
            (SELECT min(seq) FROM pend WHERE type = 'handoff') AS handoff,
            (SELECT min(seq) FROM pend WHERE type = 'resolve') AS resolve,
            (SELECT max(seq) FROM pend) AS newest
       FROM (SELECT 1) AS one
       LEFT JOIN c ON true
       LEFT JOIN connections conn ON conn.org_id = $1`;
}

/**
 * The conversation's cursors, its org's connection settings and the pending
 * events' kinds in one round trip: the workflow plans after every step, so
 * this is the hottest read of the sync.
 */
export async function readSyncSnapshot(pool: Pool, orgId: string, conversationId: string, limit: number): Promise<SyncSnapshot> {
  const { rows } = await pool.query<SnapshotRow>({
    name: 'sync-snapshot',
    text: `WITH c AS (
       SELECT case_id, case_number, synced_seq, contiguous_seq, sync_state
         FROM conversations WHERE org_id = $1 AND conversation_id = $2
     ), ${snapshotSelectSql('$3')}`,
    values: [orgId, conversationId, limit],
  });
  return toSnapshot(rows[0]!);
}

/**
 * Whether the row's pending events reach its contiguous cursor. A statement
 * that updates the conversation row may wait for an ingest's row lock and then
 * return the ingest's newer cursor, while its reads of events keep the older
 * snapshot: such a row is missing the newest events and must be read again.
 */
export function snapshotIsComplete(r: SnapshotRow): boolean {
  return (r.contiguous_seq ?? 0) <= (r.synced_seq ?? 0) || r.newest === r.contiguous_seq;
}

export function toSnapshot(r: SnapshotRow): SyncSnapshot {
  return {
    connected: r.conn_status !== null && r.conn_status !== 'disconnected' && r.has_secret === true,
    handoffOnly: r.handoff_only ?? false,
    caseId: r.case_id,
    caseNumber: r.case_number,
    syncedSeq: r.synced_seq ?? 0,
    contiguousSeq: r.contiguous_seq ?? 0,
    pending: r.pending.map(([seq, type, role]) => (role ? { seq, type, role } : { seq, type })),
    triggers: { firstCustomerMessageSeq: r.customer, firstHandoffSeq: r.handoff, firstResolveSeq: r.resolve },
    endedAs: r.sync_state === 'resolved' || r.sync_state === 'closed_without_case' ? r.sync_state : null,
  };
}
