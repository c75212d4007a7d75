import type { Pool } from 'pg';
import type { SyncSnapshot } from '../domain/sync-plan';
import { WRITE_IN_FLIGHT_SQL } from './write-in-flight';
import { snapshotIsComplete, snapshotSelectSql, toSnapshot, type SnapshotRow } from './sync-snapshot-repo';
import type { Customer, StoredEvent } from '../domain/events';
import { toStoredEvent, type EventRow } from './events-repo';

export type CreatioCaseStatus = 'open' | 'resolved' | 'final';

export interface ConversationRow {
  orgId: string;
  conversationId: string;
  lastSeq: number;
  contiguousSeq: number;
  signalledSeq: number;
  syncedSeq: number;
  caseId: string | null;
  caseNumber: string | null;
  caseLinkWritten: boolean;
  /** What we last learned of the case's status in Creatio. */
  creatioCaseStatus: CreatioCaseStatus;
  caseGeneration: number;
  /** Seq of the event that made us create the current case. */
  caseTriggerSeq: number | null;
  /** Columns of the last handoff's AI fields that were written or skipped (no values). */
  aiFieldsReport: { applied: string[]; skipped: Array<{ column: string; reason: string }> } | null;
  previousCaseNumber: string | null;
  previousCaseReason: 'deleted' | 'closed' | null;
  syncState: string;
  syncReason: string | null;
  customer: Customer | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  org_id: string;
  conversation_id: string;
  last_seq: number;
  contiguous_seq: number;
  signalled_seq: number;
  synced_seq: number;
  case_id: string | null;
  case_number: string | null;
  case_link_written: boolean;
  creatio_case_status: CreatioCaseStatus;
  case_generation: number;
  case_trigger_seq: number | null;
  ai_fields_report: ConversationRow['aiFieldsReport'];
  previous_case_number: string | null;
  previous_case_reason: 'deleted' | 'closed' | null;
  sync_state: string;
  sync_reason: string | null;
  customer: Customer | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toConversation(r: Row): ConversationRow {
  return {
    orgId: r.org_id,
    conversationId: r.conversation_id,
    lastSeq: r.last_seq,
    contiguousSeq: r.contiguous_seq,
    signalledSeq: r.signalled_seq,
    syncedSeq: r.synced_seq,
    caseId: r.case_id,
    caseNumber: r.case_number,
    caseLinkWritten: r.case_link_written,
    creatioCaseStatus: r.creatio_case_status,
    caseGeneration: r.case_generation,
    caseTriggerSeq: r.case_trigger_seq,
    aiFieldsReport: r.ai_fields_report,
    previousCaseNumber: r.previous_case_number,
    previousCaseReason: r.previous_case_reason,
    syncState: r.sync_state,
    syncReason: r.sync_reason,
    customer: r.customer,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function getConversation(pool: Pool, orgId: string, conversationId: string): Promise<ConversationRow | undefined> {
  const { rows } = await pool.query<Row>('SELECT * FROM conversations WHERE org_id = $1 AND conversation_id = $2', [
    orgId,
    conversationId,
  ]);
  return rows[0] ? toConversation(rows[0]) : undefined;
}

/**
 * Starts a write to the case: notes that a write is under way (the API need
 * not wake the workflow for events stored until the write records its result,
 * which reads what comes next), and returns the conversation and its events in
 * [fromSeq, toSeq] not yet written (after synced_seq), in order, in one round trip.
 */
export async function beginCaseWrite(
  pool: Pool,
  orgId: string,
  conversationId: string,
  fromSeq: number,
  toSeq: number,
): Promise<{ conv: ConversationRow; events: StoredEvent[] } | undefined> {
  const { rows } = await pool.query<Row & { events: EventRow[] }>({
    name: 'begin-case-write',
    text: `WITH c AS (
         UPDATE conversations SET write_started_at = now() WHERE org_id = $1 AND conversation_id = $2 RETURNING *
       )
       SELECT c.*, COALESCE((
              SELECT json_agg(json_build_object('seq', e.seq, 'event_id', e.event_id, 'type', e.type,
                                                'payload', e.payload, 'received_at', e.received_at) ORDER BY e.seq)
                FROM events e
               WHERE e.org_id = c.org_id AND e.conversation_id = c.conversation_id
                 AND e.seq >= GREATEST($3, c.synced_seq + 1) AND e.seq <= $4), '[]'::json) AS events
       FROM c`,
    values: [orgId, conversationId, fromSeq, toSeq],
  });
  const r = rows[0];
  return r ? { conv: toConversation(r), events: r.events.map(toStoredEvent) } : undefined;
}

export async function findConversationByCase(pool: Pool, orgId: string, caseId: string): Promise<ConversationRow | undefined> {
  const { rows } = await pool.query<Row>('SELECT * FROM conversations WHERE org_id = $1 AND case_id = $2', [orgId, caseId]);
  return rows[0] ? toConversation(rows[0]) : undefined;
}

/** What a Creatio step learned, recorded in one statement (each field optional). */
export interface WriteProgress {
  /** The case now exists (a conversation keeps the case it has) and what made us create it. */
  case?: { caseId: string; caseNumber: string | null; triggerSeq: number | null };
  /** The case's first (link) activity is written. */
  linkWritten?: boolean;
  /** Events up to here are written. */
  syncedSeq?: number;
  /** The step's sync state (its reason is cleared). */
  state?: 'syncing' | 'resolved';
  /** What we now know of the case's status in Creatio. */
  creatioCaseStatus?: CreatioCaseStatus;
}

// Every right-hand side reads the row as it was before the update.
const WRITE_PROGRESS_UPDATE = `UPDATE conversations
        SET case_trigger_seq = CASE WHEN $3::uuid IS NOT NULL AND case_id IS NULL THEN $5 ELSE case_trigger_seq END,
            case_id = COALESCE(case_id, $3::uuid),
            case_number = CASE WHEN $3::uuid IS NOT NULL AND (case_id IS NULL OR case_id = $3::uuid) THEN COALESCE($4, case_number)
                               ELSE case_number END,
            case_link_written = case_link_written OR $6,
            synced_seq = GREATEST(synced_seq, COALESCE($7, 0)),
            -- Written means its workflow was told: the signal recovery can leave it alone.
            signalled_seq = GREATEST(signalled_seq, COALESCE($7, 0)),
            sync_state = COALESCE($8, sync_state),
            sync_reason = CASE WHEN $8::text IS NULL THEN sync_reason END,
            resolved_at = CASE WHEN $8 = 'resolved' THEN COALESCE(resolved_at, now()) ELSE resolved_at END,
            creatio_case_status = COALESCE($9, creatio_case_status),
            -- The write has read (or, with the plan, reads now) what came meanwhile: the API signals again.
            write_started_at = NULL,
            updated_at = now()
      WHERE org_id = $1 AND conversation_id = $2`;

function writeProgressValues(orgId: string, conversationId: string, p: WriteProgress): unknown[] {
  return [
    orgId,
    conversationId,
    p.case?.caseId ?? null,
    p.case?.caseNumber ?? null,
    p.case?.triggerSeq ?? null,
    p.linkWritten === true,
    p.syncedSeq ?? null,
    p.state ?? null,
    p.creatioCaseStatus ?? null,
  ];
}

function notStored(orgId: string, conversationId: string): Error {
  return new Error(`conversation ${conversationId} of org ${orgId} is not stored`);
}

/**
 * Records a Creatio step's progress in one statement, so a write that creates
 * the case, its link and its events (and possibly resolves it) costs one
 * round trip. Returns the case the conversation has afterwards, and the
 * events stored by then (`knownSeq`: the API sent no signal for those stored
 * while the write went on).
 */
export async function recordWriteProgress(
  pool: Pool,
  orgId: string,
  conversationId: string,
  p: WriteProgress,
): Promise<{ caseId: string | null; caseNumber: string | null; knownSeq: number }> {
  const { rows } = await pool.query<{ case_id: string | null; case_number: string | null; contiguous_seq: number }>({
    name: 'record-write-progress',
    text: `${WRITE_PROGRESS_UPDATE} RETURNING case_id, case_number, contiguous_seq`,
    values: writeProgressValues(orgId, conversationId, p),
  });
  if (!rows[0]) throw notStored(orgId, conversationId);
  return { caseId: rows[0].case_id, caseNumber: rows[0].case_number, knownSeq: rows[0].contiguous_seq };
}

/**
 * recordWriteProgress and the next plan's snapshot (readSyncSnapshot) in one
 * statement: the snapshot is built from the updated row, so a write and the
 * look at what comes next share a round trip. No snapshot when events arrived
 * during the statement (the caller then reads one on its own).
 */
export async function recordWriteProgressAndPlan(
  pool: Pool,
  orgId: string,
  conversationId: string,
  p: WriteProgress,
  planLimit: number,
): Promise<{ caseId: string | null; caseNumber: string | null; next?: SyncSnapshot }> {
  const { rows } = await pool.query<SnapshotRow>({
    name: 'record-write-progress-and-plan',
    text: `WITH c AS (
       ${WRITE_PROGRESS_UPDATE} RETURNING case_id, case_number, synced_seq, contiguous_seq, sync_state
     ), ${snapshotSelectSql('$10')}`,
    values: [...writeProgressValues(orgId, conversationId, p), planLimit],
  });
  const r = rows[0];
  if (!r || r.contiguous_seq === null) throw notStored(orgId, conversationId);
  return { caseId: r.case_id, caseNumber: r.case_number, ...(snapshotIsComplete(r) ? { next: toSnapshot(r) } : {}) };
}

export async function setCreatioCaseStatus(pool: Pool, orgId: string, conversationId: string, status: CreatioCaseStatus): Promise<void> {
  await pool.query('UPDATE conversations SET creatio_case_status = $3 WHERE org_id = $1 AND conversation_id = $2', [orgId, conversationId, status]);
}

/**
 * Lets go of the conversation's case so the sync creates a new one: after the
 * case was deleted in Creatio (the new case gets the whole transcript again)
 * or when a closed case is followed by a new one (it gets what comes next).
 */
export async function detachCase(pool: Pool, orgId: string, conversationId: string, reason: 'deleted' | 'closed'): Promise<void> {
  await pool.query(
    `UPDATE conversations
        SET previous_case_number = COALESCE(case_number, previous_case_number), previous_case_reason = $3,
            case_id = NULL, case_number = NULL, case_link_written = false, creatio_case_status = 'open',
            case_generation = case_generation + 1, creatio_seen_until = NULL, creatio_resolved_at = NULL,
            synced_seq = CASE WHEN $3 = 'deleted' THEN 0 ELSE synced_seq END, updated_at = now()
      WHERE org_id = $1 AND conversation_id = $2 AND case_id IS NOT NULL`,
    [orgId, conversationId, reason],
  );
}

export async function setSyncState(
  pool: Pool,
  orgId: string,
  conversationId: string,
  state: string,
  reason: string | null,
): Promise<void> {
  await pool.query(
    `UPDATE conversations SET sync_state = $3, sync_reason = $4, updated_at = now(),
            resolved_at = CASE WHEN $3 = 'resolved' THEN COALESCE(resolved_at, now()) ELSE resolved_at END
      WHERE org_id = $1 AND conversation_id = $2`,
    [orgId, conversationId, state, reason],
  );
}

export async function markSignalled(pool: Pool, orgId: string, conversationId: string, seq: number): Promise<void> {
  await pool.query(
    'UPDATE conversations SET signalled_seq = GREATEST(signalled_seq, $3) WHERE org_id = $1 AND conversation_id = $2',
    [orgId, conversationId, seq],
  );
}

/**
 * Conversations holding stored events not marked as signalled whose last
 * change is older than `graceMs`: their signal may never have been sent
 * (Temporal was down, or the API died between commit and signal). Younger
 * ones are left alone: a delivered signal is only marked by the write that
 * follows it, so they are most likely being synced right now.
 */
export async function listUnsignalled(
  pool: Pool,
  limit: number,
  graceMs: number,
): Promise<Array<{ orgId: string; conversationId: string; contiguousSeq: number; syncedSeq: number }>> {
  const { rows } = await pool.query<{ org_id: string; conversation_id: string; contiguous_seq: number; synced_seq: number }>(
    `SELECT org_id, conversation_id, contiguous_seq, synced_seq FROM conversations
      WHERE signalled_seq < contiguous_seq AND updated_at < now() - make_interval(secs => $2::float8 / 1000)
        -- A write under way reads these events as it finishes (src/store/write-in-flight.ts).
        AND NOT ${WRITE_IN_FLIGHT_SQL}
      ORDER BY updated_at LIMIT $1`,
    [limit, graceMs],
  );
  return rows.map((r) => ({ orgId: r.org_id, conversationId: r.conversation_id, contiguousSeq: r.contiguous_seq, syncedSeq: r.synced_seq }));
}

/** Open conversations of an org in the given sync states (to wake them after a settings change). */
export async function listConversationsInStates(
  pool: Pool,
  orgId: string,
  states: string[],
): Promise<Array<{ conversationId: string; contiguousSeq: number; syncedSeq: number }>> {
  const { rows } = await pool.query<{ conversation_id: string; contiguous_seq: number; synced_seq: number }>(
    'SELECT conversation_id, contiguous_seq, synced_seq FROM conversations WHERE org_id = $1 AND sync_state = ANY($2)',
    [orgId, states],
  );
  return rows.map((r) => ({ conversationId: r.conversation_id, contiguousSeq: r.contiguous_seq, syncedSeq: r.synced_seq }));
}

export async function countConversationsByState(pool: Pool, orgId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ sync_state: string; n: string }>(
    'SELECT sync_state, count(*) AS n FROM conversations WHERE org_id = $1 GROUP BY sync_state',
    [orgId],
  );
  return Object.fromEntries(rows.map((r) => [r.sync_state, Number(r.n)]));
}
