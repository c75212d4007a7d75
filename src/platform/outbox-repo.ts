import type { Pool } from 'pg';
import { uuidV5 } from '../domain/record-ids';
import type { PlatformEvent, PlatformEventType } from './events';

export interface OutboxRow {
  id: string;
  orgId: string;
  conversationId: string | null;
  type: PlatformEventType;
  payload: PlatformEvent;
  attempts: number;
}

/**
 * Queues an event for the platform. The ID comes from `dedupeKey`, so queueing
 * the same fact twice (a webhook and the backstop both seeing one reply) keeps
 * one event. Returns true when it was new.
 */
export async function enqueuePlatformEvent(
  pool: Pool,
  e: { orgId: string; conversationId?: string; type: PlatformEventType; dedupeKey: string; occurredAt: string; data: Record<string, unknown> },
): Promise<boolean> {
  const id = uuidV5(`platform-event/${e.orgId}/${e.dedupeKey}`);
  const payload: PlatformEvent = {
    id,
    type: e.type,
    occurredAt: e.occurredAt,
    orgId: e.orgId,
    ...(e.conversationId ? { conversationId: e.conversationId } : {}),
    data: e.data,
  };
  const { rowCount } = await pool.query(
    `INSERT INTO outbound_events (id, org_id, conversation_id, type, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [id, e.orgId, e.conversationId ?? null, e.type, JSON.stringify(payload)],
  );
  return (rowCount ?? 0) > 0;
}

/** Undelivered events of one conversation (or of the org itself when conversationId is null), oldest first. */
export async function pendingEvents(pool: Pool, orgId: string, conversationId: string | null, limit = 50): Promise<OutboxRow[]> {
  const { rows } = await pool.query<{ id: string; org_id: string; conversation_id: string | null; type: PlatformEventType; payload: PlatformEvent; attempts: number }>(
    `SELECT id, org_id, conversation_id, type, payload, attempts FROM outbound_events
      WHERE org_id = $1 AND conversation_id IS NOT DISTINCT FROM $2 AND delivered_at IS NULL
      ORDER BY created_at, id LIMIT $3`,
    [orgId, conversationId, limit],
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, conversationId: r.conversation_id, type: r.type, payload: r.payload, attempts: r.attempts }));
}

export async function markDelivered(pool: Pool, id: string): Promise<void> {
  await pool.query('UPDATE outbound_events SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1', [id]);
}

export async function markAttemptFailed(pool: Pool, id: string, error: string): Promise<void> {
  await pool.query('UPDATE outbound_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [id, error.slice(0, 500)]);
}
