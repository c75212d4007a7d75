import type { Pool } from 'pg';
import { signalCreatioChanged, type SignalTarget } from '../client/conversation-signals';
import { findConversationByCase } from '../store/conversations-repo';
import type { CreatioWebhook } from './parse';

/** States in which a conversation no longer takes Creatio updates. */
const ENDED_STATES = new Set(['resolved', 'closed_without_case', 'disconnected']);

export type WebhookOutcome = 'signalled' | 'unknown_case' | 'conversation_ended' | 'signal_failed';

/** Stores a received webhook; returns its row ID. */
export async function recordWebhook(pool: Pool, orgId: string, hook: CreatioWebhook, body: unknown): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO inbound_webhooks (org_id, kind, case_id, activity_id, outcome, body) VALUES ($1, $2, $3, $4, 'received', $5) RETURNING id`,
    [orgId, hook.kind, hook.caseId, hook.activityId ?? null, JSON.stringify(body ?? {}).slice(0, 10_000)],
  );
  await pool.query('UPDATE connections SET last_webhook_at = now() WHERE org_id = $1', [orgId]);
  return Number(rows[0]!.id);
}

/**
 * Acts on a stored webhook: wakes the conversation's workflow, which reads
 * the case back from Creatio (the body is never trusted). Webhooks for cases
 * we did not create or conversations that ended are recorded, not errors.
 */
export async function processWebhook(pool: Pool, signals: SignalTarget, id: number, orgId: string, hook: CreatioWebhook): Promise<WebhookOutcome> {
  const conv = await findConversationByCase(pool, orgId, hook.caseId);
  let outcome: WebhookOutcome;
  if (!conv) outcome = 'unknown_case';
  else if (ENDED_STATES.has(conv.syncState)) outcome = 'conversation_ended';
  else {
    try {
      await signalCreatioChanged(signals, orgId, conv.conversationId);
      outcome = 'signalled';
    } catch {
      // Temporal unreachable: the workflow's backstop read finds the change anyway.
      outcome = 'signal_failed';
    }
  }
  await pool.query('UPDATE inbound_webhooks SET outcome = $2, conversation_id = $3 WHERE id = $1', [id, outcome, conv?.conversationId ?? null]);
  return outcome;
}
