import { DatabaseError, type Pool, type PoolClient } from 'pg';
import type { ConversationEvent, Customer, StoredEvent } from '../domain/events';
import { sameEventContent } from '../domain/event-identity';
import { WRITE_IN_FLIGHT_SQL } from './write-in-flight';

export interface IncomingEvent {
  event: ConversationEvent;
  /** Caller-assigned sequence; absent = next after the highest stored. */
  seq?: number;
}

export interface AppendedEvent {
  eventId: string;
  seq: number;
  duplicate: boolean;
}

export interface AppendResult {
  events: AppendedEvent[];
  /** Highest seq with no gap below it: what the workflow may sync up to. */
  contiguousSeq: number;
  lastSeq: number;
  /**
   * Highest seq marked as told to the workflow before this call. A delivered
   * signal is marked by the write that follows it (or by the recovery loop),
   * so this can lag behind what was signalled; a lag only costs an extra signal.
   */
  signalledSeq: number;
  /**
   * Every event between the last signalled seq and contiguousSeq is a message
   * stored by this call: nothing that can create, hand off or resolve a case
   * in handoff-only mode (the API need not wake a workflow for them).
   */
  messagesOnly: boolean;
  /** The conversation has a Creatio case (as of this call). */
  hasCase: boolean;
  /** Written to Creatio up to here (as of this call). */
  syncedSeq: number;
  /** The org's connection creates cases only on handoff. */
  handoffOnly: boolean;
  /**
   * A write to the case started recently and has not recorded its result yet:
   * it reads what comes next as it finishes, after this call's commit (its
   * statement waits for the conversation row this call locks), so it sees
   * these events without a signal.
   */
  writeInFlight: boolean;
}

/** Two different events claim one sequence number, or one event ID comes back with other content. */
export class EventConflictError extends Error {}

/** The org has no Creatio connection (never connected, or disconnected): nothing is stored. */
export class NotConnectedError extends Error {}

/**
 * Stores events idempotently (unique per org + conversation + event ID) and
 * gives each the next per-conversation sequence number, with the
 * conversation row locked, so concurrent first messages of a new
 * conversation get distinct, gap-free numbers. Refused with NotConnectedError
 * when the org has no connection.
 */
export async function appendEvents(
  pool: Pool,
  orgId: string,
  conversationId: string,
  incoming: IncomingEvent[],
  customer?: Customer,
): Promise<AppendResult> {
  const req: AppendRequest = { orgId, conversationId, incoming, customer };
  return (await appendNewEvents(pool, req)) ?? appendInTransaction(pool, req);
}

interface AppendRequest {
  orgId: string;
  conversationId: string;
  incoming: IncomingEvent[];
  customer?: Customer;
}

/** The conversation row as the locking insert-or-update returns it (after its update). */
interface ConversationPositions {
  last_seq: number;
  contiguous_seq: number;
  signalled_seq: number;
  case_id: string | null;
  synced_seq: number;
  handoff_only: boolean;
  write_in_flight: boolean;
}

/**
 * The conversation row's insert-or-update that locks it. It inserts nothing
 * (and returns no row) when the org has no connection, merges the customer
 * ($3) and reads the connection's mode; without appends it touches updated_at
 * only when the customer changed. `appendsN`: the statement also moves
 * the positions over $4 events appended after the last seq.
 */
/** The stored customer with the request's details ($3) merged over it. */
const MERGED_CUSTOMER = `COALESCE(c.customer, '{}'::jsonb) || $3::jsonb`;

function upsertConversationSql(appendsN: boolean): string {
  const positions = appendsN
    ? `last_seq = c.last_seq + $4,
                     contiguous_seq = CASE WHEN c.contiguous_seq = c.last_seq THEN c.last_seq + $4 ELSE c.contiguous_seq END,`
    : '';
  return `INSERT INTO conversations AS c (org_id, conversation_id, customer${appendsN ? ', last_seq, contiguous_seq' : ''})
       SELECT $1, $2, $3${appendsN ? ', $4, $4' : ''}
        WHERE EXISTS (SELECT 1 FROM connections WHERE org_id = $1 AND status <> 'disconnected')
       ON CONFLICT (org_id, conversation_id)
       DO UPDATE SET customer = CASE WHEN $3::jsonb IS NULL THEN c.customer ELSE ${MERGED_CUSTOMER} END,
                     ${positions}
                     updated_at = ${appendsN ? 'now()' : `CASE WHEN $3::jsonb IS NOT NULL AND c.customer IS DISTINCT FROM ${MERGED_CUSTOMER} THEN now() ELSE c.updated_at END`}
       RETURNING last_seq, contiguous_seq, signalled_seq, case_id, synced_seq,
                 (SELECT handoff_only FROM connections WHERE org_id = $1) AS handoff_only,
                 ${WRITE_IN_FLIGHT_SQL} AS write_in_flight`;
}

function customerJson(customer: Customer | undefined): string | null {
  return customer && Object.keys(customer).length > 0 ? JSON.stringify(customer) : null;
}

function notConnected(orgId: string): NotConnectedError {
  return new NotConnectedError(`Organisation ${orgId} has no Creatio connection`);
}

/**
 * The result, from the row before (`was`) and the positions after: the
 * workflow need not be woken when everything since the last signal is a
 * message this call stored (`newMessage`).
 */
function appendResult(
  was: { contiguousSeq: number },
  row: ConversationPositions,
  positions: { lastSeq: number; contiguousSeq: number },
  events: AppendedEvent[],
  newMessage: (seq: number) => boolean,
): AppendResult {
  const signalledSeq = row.signalled_seq;
  let messagesOnly = signalledSeq === was.contiguousSeq;
  for (let s = signalledSeq + 1; messagesOnly && s <= positions.contiguousSeq; s++) messagesOnly = newMessage(s);
  return {
    events,
    ...positions,
    signalledSeq,
    messagesOnly,
    hasCase: row.case_id !== null,
    syncedSeq: row.synced_seq,
    handoffOnly: row.handoff_only,
    writeInFlight: row.write_in_flight,
  };
}

/**
 * The common case in one statement (one round trip instead of five): events
 * that are all new, numbered by us, appended after the conversation's last
 * seq. The statement locks the conversation row first (its insert-or-update),
 * so concurrent requests still get distinct, gap-free numbers; if any event
 * turns out to be stored already (a re-sent request, or a race on the same
 * event ID) the statement fails as a whole, nothing is kept, and undefined
 * sends the request the transaction way.
 */
async function appendNewEvents(pool: Pool, { orgId, conversationId, incoming, customer }: AppendRequest): Promise<AppendResult | undefined> {
  const n = incoming.length;
  if (n === 0 || incoming.some((i) => i.seq !== undefined) || new Set(incoming.map((i) => i.event.eventId)).size !== n) return undefined;
  const split = incoming.map(({ event }) => {
    const { eventId, type, ...payload } = event;
    return { eventId, type, payload: JSON.stringify(payload) };
  });
  let result;
  try {
    // Named: the hottest statement of the API is parsed and planned once per connection, not per request.
    result = await pool.query<ConversationPositions>({
      name: 'ingest-new-events',
      text: `WITH conv AS (
         ${upsertConversationSql(true)}
       ), ins AS (
         INSERT INTO events (org_id, conversation_id, seq, event_id, type, payload)
         SELECT $1, $2, conv.last_seq - $4 + r.ord::int, r.event_id, r.type, r.payload::jsonb
           FROM conv, unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS r(event_id, type, payload, ord)
         ON CONFLICT DO NOTHING
         RETURNING 1
       )
       SELECT conv.*, CASE WHEN (SELECT count(*) FROM ins) = $4 THEN true ELSE ingest_events_already_stored() END AS all_new
         FROM conv`,
      values: [orgId, conversationId, customerJson(customer), n, split.map((e) => e.eventId), split.map((e) => e.type), split.map((e) => e.payload)],
    });
  } catch (err) {
    if (err instanceof DatabaseError && err.code === 'EVDUP') return undefined;
    throw err;
  }
  const row = result.rows[0];
  if (!row) throw notConnected(orgId);
  const firstSeq = row.last_seq - n + 1;
  // Our events went after the last seq: the contiguous prefix grew over them only if it reached the last seq before.
  const was = { contiguousSeq: row.contiguous_seq === row.last_seq ? firstSeq - 1 : row.contiguous_seq };
  return appendResult(
    was,
    row,
    { lastSeq: row.last_seq, contiguousSeq: row.contiguous_seq },
    split.map((e, i) => ({ eventId: e.eventId, seq: firstSeq + i, duplicate: false })),
    (seq) => split[seq - firstSeq]?.type === 'message',
  );
}

/** Says how a re-sent event ID differs from what was received under it. */
function conflictMessage(eventId: string, stored: { seq: number; type: string }, sent: { type: string; seq?: number }, twiceInRequest: boolean): string {
  if (twiceInRequest) return `event ${eventId} comes twice in this request with different content`;
  if (stored.type !== sent.type) return `event ${eventId} was already received as a ${stored.type} event, not a ${sent.type} (seq ${stored.seq})`;
  if (sent.seq !== undefined && sent.seq !== stored.seq) return `event ${eventId} was already received with seq ${stored.seq}, not ${sent.seq}`;
  return `event ${eventId} was already received with different content (seq ${stored.seq})`;
}

/** Any request (duplicates, caller-assigned seqs, gaps) in one transaction with the conversation row locked. */
async function appendInTransaction(pool: Pool, { orgId, conversationId, incoming, customer }: AppendRequest): Promise<AppendResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<ConversationPositions>(upsertConversationSql(false), [orgId, conversationId, customerJson(customer)]);
    const conv = rows[0];
    if (!conv) throw notConnected(orgId);
    let lastSeq = conv.last_seq;
    const results: AppendedEvent[] = [];
    const newMessageSeqs = new Set<number>();
    const seen = new Set<number>();
    // Events already stored (or earlier in this request) under the same IDs: one read for the whole request.
    const known = new Map<string, { seq: number; type: string; payload: Record<string, unknown> }>();
    const existing = await client.query<{ event_id: string; seq: number; type: string; payload: Record<string, unknown> }>(
      'SELECT event_id, seq, type, payload FROM events WHERE org_id = $1 AND conversation_id = $2 AND event_id = ANY($3)',
      [orgId, conversationId, incoming.map((i) => i.event.eventId)],
    );
    for (const r of existing.rows) known.set(r.event_id, { seq: r.seq, type: r.type, payload: r.payload });
    const rowsToInsert: Array<{ seq: number; eventId: string; type: string; payload: string }> = [];
    for (const { event, seq } of incoming) {
      const { eventId, type, ...payload } = event;
      const stored = known.get(eventId);
      if (stored) {
        if (stored.type !== type || (seq !== undefined && seq !== stored.seq) || !sameEventContent(stored.payload, payload)) {
          const twiceInRequest = seen.has(stored.seq) && !existing.rows.some((r) => r.event_id === eventId);
          throw new EventConflictError(conflictMessage(eventId, stored, { type, seq }, twiceInRequest));
        }
        results.push({ eventId, seq: stored.seq, duplicate: true });
        continue;
      }
      const assigned = seq ?? lastSeq + 1;
      if (seen.has(assigned)) throw new EventConflictError(`seq ${assigned} is claimed by two events of this request`);
      rowsToInsert.push({ seq: assigned, eventId, type, payload: JSON.stringify(payload) });
      known.set(eventId, { seq: assigned, type, payload: payload as Record<string, unknown> });
      lastSeq = Math.max(lastSeq, assigned);
      seen.add(assigned);
      if (type === 'message') newMessageSeqs.add(assigned);
      results.push({ eventId, seq: assigned, duplicate: false });
    }
    if (rowsToInsert.length > 0) {
      // One statement for the request; event IDs cannot clash (read above, conversation row locked), so
      // a row that does not go in lost its seq to an event stored before.
      const inserted = await client.query(
        `INSERT INTO events (org_id, conversation_id, seq, event_id, type, payload)
         SELECT $1, $2, r.seq, r.event_id, r.type, r.payload::jsonb
           FROM unnest($3::int[], $4::text[], $5::text[], $6::text[]) AS r(seq, event_id, type, payload)
         ON CONFLICT DO NOTHING`,
        [
          orgId,
          conversationId,
          rowsToInsert.map((r) => r.seq),
          rowsToInsert.map((r) => r.eventId),
          rowsToInsert.map((r) => r.type),
          rowsToInsert.map((r) => r.payload),
        ],
      );
      if (inserted.rowCount !== rowsToInsert.length) {
        const taken = await client.query<{ seq: number }>(
          'SELECT seq FROM events WHERE org_id = $1 AND conversation_id = $2 AND seq = ANY($3) AND NOT (event_id = ANY($4))',
          [orgId, conversationId, rowsToInsert.map((r) => r.seq), rowsToInsert.map((r) => r.eventId)],
        );
        throw new EventConflictError(`seq ${taken.rows[0]?.seq ?? rowsToInsert[0]!.seq} is already taken by another event in this conversation`);
      }
    }
    // Walk over what this call stored first; the table is read only when earlier gaps may have filled.
    let contiguousSeq = conv.contiguous_seq;
    while (seen.has(contiguousSeq + 1)) contiguousSeq++;
    if (contiguousSeq < lastSeq) contiguousSeq = await advanceContiguous(client, orgId, conversationId, contiguousSeq);
    // A request of duplicates only changes nothing (not even updated_at: the conversation did not change).
    if (rowsToInsert.length > 0) {
      await client.query('UPDATE conversations SET last_seq = $3, contiguous_seq = $4, updated_at = now() WHERE org_id = $1 AND conversation_id = $2', [
        orgId,
        conversationId,
        lastSeq,
        contiguousSeq,
      ]);
    }
    await client.query('COMMIT');
    return appendResult({ contiguousSeq: conv.contiguous_seq }, conv, { lastSeq, contiguousSeq }, results, (seq) => newMessageSeqs.has(seq));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Walks forward from `from` while the next seq exists. */
async function advanceContiguous(client: PoolClient, orgId: string, conversationId: string, from: number): Promise<number> {
  const { rows } = await client.query<{ seq: number }>(
    'SELECT seq FROM events WHERE org_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq',
    [orgId, conversationId, from],
  );
  let contiguous = from;
  for (const { seq } of rows) {
    if (seq !== contiguous + 1) break;
    contiguous = seq;
  }
  return contiguous;
}

/** Full events in [fromSeq, toSeq], in order. */
export async function readEvents(
  pool: Pool,
  orgId: string,
  conversationId: string,
  fromSeq: number,
  toSeq: number,
): Promise<StoredEvent[]> {
  const { rows } = await pool.query<EventRow>(
    `SELECT seq, event_id, type, payload, received_at FROM events
     WHERE org_id = $1 AND conversation_id = $2 AND seq >= $3 AND seq <= $4 ORDER BY seq`,
    [orgId, conversationId, fromSeq, toSeq],
  );
  return rows.map(toStoredEvent);
}

/** An events row as read (or as JSON with received_at as text). */
export interface EventRow {
  seq: number;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  received_at: Date | string;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    event: { ...r.payload, eventId: r.event_id, type: r.type } as unknown as ConversationEvent,
    receivedAt: new Date(r.received_at).toISOString(),
  };
}

/** The first event of a type in the conversation, if any (e.g. the first customer message). */
export async function findFirstEvent(
  pool: Pool,
  orgId: string,
  conversationId: string,
  filter: { type: ConversationEvent['type']; role?: string },
): Promise<StoredEvent | undefined> {
  const { rows } = await pool.query<{ seq: number }>(
    `SELECT seq FROM events WHERE org_id = $1 AND conversation_id = $2 AND type = $3
       AND ($4::text IS NULL OR payload->>'role' = $4) ORDER BY seq LIMIT 1`,
    [orgId, conversationId, filter.type, filter.role ?? null],
  );
  if (!rows[0]) return undefined;
  return (await readEvents(pool, orgId, conversationId, rows[0].seq, rows[0].seq))[0];
}

/** The latest handoff at or before a seq. */
export async function findLatestHandoff(pool: Pool, orgId: string, conversationId: string, uptoSeq: number): Promise<StoredEvent | undefined> {
  const { rows } = await pool.query<{ seq: number }>(
    `SELECT seq FROM events WHERE org_id = $1 AND conversation_id = $2 AND type = 'handoff' AND seq <= $3
     ORDER BY seq DESC LIMIT 1`,
    [orgId, conversationId, uptoSeq],
  );
  if (!rows[0]) return undefined;
  return (await readEvents(pool, orgId, conversationId, rows[0].seq, rows[0].seq))[0];
}
