import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConnectionHealthListener } from '../../activities/deps';
import { signalConnectionChanged, signalEventsAvailable } from '../../client/conversation-signals';
import { normaliseActor } from '../../connections/audit-diff';
import type { ChecklistRun } from '../../connections/checklist';
import { describeConnection } from '../../connections/describe';
import {
  ConcurrentChangeError,
  disconnect,
  saveTested,
  type DisconnectResult,
  StoredSecretUnreadableError,
  testCandidate,
  type ConnectionServiceDeps,
} from '../../connections/service';
import { createConnectionTester, type ConnectionTester } from '../../connections/tester';
import type { WebhookUrlFor } from '../../connections/webhook-url';
import { OrgLockTimeoutError } from '../../connections/write-guard';
import { platformHealthNotifier } from '../../platform/health-notifier';
import { listAudit } from '../../store/connection-audit-repo';
import { getConnection } from '../../store/connections-repo';
import { listConversationsInStates } from '../../store/conversations-repo';
import { currentToken } from '../../webhooks/tokens-repo';
import type { ApiDeps } from '../deps';
import { ConnectionBodySchema, fieldIssues, IdSchema } from '../schemas';
import { webhookUrl } from './webhook-admin';

const OrgParams = z.object({ orgId: IdSchema });
const AuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.string().regex(/^\d{1,18}$/, 'an entry id from a previous page').optional(),
  })
  .strict();

/** States of conversations whose workflow may still be running. */
export const OPEN_STATES = ['pending', 'syncing', 'waiting_for_creatio', 'needs_attention'];

/** Optional parts the assembly may provide; defaults otherwise. */
export interface ConnectionRouteOptions {
  /** Told when a save puts a connection that needed attention back to work. Default: the platform callback. */
  connectionHealth?: ConnectionHealthListener;
  connectionTester?: ConnectionTester;
  /** Default: the org's current webhook token URL (src/webhooks), created on first use like GET /webhook does. */
  webhookUrlFor?: WebhookUrlFor;
  /** How long a save or disconnect waits for Creatio calls in flight. Default 60 s. */
  connectionLockTimeoutMs?: number;
}

/**
 * The connection admin API:
 *   PUT    /v1/orgs/:orgId/connection        Test & Save: 200 saved | 400 invalid | 422 checks failed, nothing saved
 *   POST   /v1/orgs/:orgId/connection/test   the same checks, nothing saved: 200 { checklist }
 *   GET    /v1/orgs/:orgId/connection        settings (never the secret), status, webhook URL, waiting conversations
 *   DELETE /v1/orgs/:orgId/connection        disconnect: once it returns, no Creatio call of the org starts
 *   GET    /v1/orgs/:orgId/connection/audit  every change, newest first
 * `x-actor` (who is acting, e.g. the admin's e-mail) is recorded in the audit trail.
 */
export function registerConnectionRoutes(app: FastifyInstance, deps: ApiDeps & ConnectionRouteOptions): void {
  const service: ConnectionServiceDeps = {
    pool: deps.pool,
    secrets: deps.secrets,
    tester: deps.connectionTester ?? createConnectionTester(),
    lockTimeoutMs: deps.connectionLockTimeoutMs ?? 60_000,
  };
  const health = deps.connectionHealth ?? platformHealthNotifier(deps.pool, deps.signals.client, deps.signals.taskQueue);
  const webhookUrlFor: WebhookUrlFor = deps.webhookUrlFor ?? (async (orgId) => webhookUrl(deps, await currentToken(deps.pool, deps.secrets, orgId)));

  app.put('/v1/orgs/:orgId/connection', async (req, reply) => {
    const parsed = parseRequest(req, reply);
    if (!parsed) return reply;
    const { orgId, input } = parsed;
    const tested = await runTest(service, orgId, input, reply);
    if (!tested) return reply;
    if (!tested.run.ok) {
      req.log.info({ orgId, failed: failedIds(tested.run) }, 'Creatio connection test failed; nothing saved');
      return reply.code(422).send({
        error: 'connection_test_failed',
        message: 'The connection test failed; nothing was saved and the previous settings stay in use. See the checklist.',
        checklist: checklistView(tested.run),
      });
    }
    try {
      const saved = await saveTested(service, orgId, tested, actorOf(req));
      req.log.info({ orgId, credentialsVersion: saved.record.credentialsVersion, action: saved.action }, 'Creatio connection saved');
      await wakeConversations(deps, orgId);
      if (saved.restored) {
        // The workflows will not flip it back themselves: it is active already.
        await health.restored(orgId).catch((err: unknown) => req.log.warn({ orgId, err: String(err) }, 'could not tell the platform the connection works again'));
      }
      return reply.code(200).send({ ...(await describeConnection(deps.pool, saved.record, webhookUrlFor)), checklist: checklistView(tested.run) });
    } catch (err) {
      if (err instanceof ConcurrentChangeError) {
        return reply.code(409).send({ error: 'concurrent_change', message: 'The connection changed while these settings were being tested; nothing was saved. Try again.' });
      }
      if (err instanceof OrgLockTimeoutError) return busy(reply);
      throw err;
    }
  });

  app.post('/v1/orgs/:orgId/connection/test', async (req, reply) => {
    const parsed = parseRequest(req, reply);
    if (!parsed) return reply;
    const tested = await runTest(service, parsed.orgId, parsed.input, reply);
    if (!tested) return reply;
    return reply.code(200).send({ checklist: checklistView(tested.run) });
  });

  app.get('/v1/orgs/:orgId/connection', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const record = await getConnection(deps.pool, params.data.orgId);
    if (!record) return notFound(reply);
    return describeConnection(deps.pool, record, webhookUrlFor);
  });

  app.delete('/v1/orgs/:orgId/connection', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const { orgId } = params.data;
    let result: DisconnectResult;
    try {
      result = await disconnect(service, orgId, actorOf(req));
    } catch (err) {
      if (err instanceof OrgLockTimeoutError) return busy(reply);
      throw err;
    }
    if (result.kind === 'never_connected') return notFound(reply);
    if (result.kind === 'disconnected') {
      req.log.info({ orgId }, 'Creatio connection disconnected');
      // Running workflows see "not connected" at once and finish as disconnected.
      await wakeConversations(deps, orgId);
    }
    return describeConnection(deps.pool, result.record, webhookUrlFor);
  });

  app.get('/v1/orgs/:orgId/connection/audit', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const query = AuditQuery.safeParse(req.query);
    if (!query.success) return badRequest(reply, 'Invalid query', fieldIssues(query.error));
    const entries = await listAudit(deps.pool, params.data.orgId, { limit: query.data.limit, beforeId: query.data.before });
    const last = entries[entries.length - 1];
    return {
      entries: entries.map(({ orgId: _orgId, ...e }) => e),
      nextBefore: entries.length === query.data.limit && last ? last.id : null,
    };
  });
}

function parseRequest(req: FastifyRequest, reply: FastifyReply) {
  const params = OrgParams.safeParse(req.params);
  if (!params.success) {
    badRequest(reply, 'Invalid path', fieldIssues(params.error));
    return undefined;
  }
  const body = ConnectionBodySchema.safeParse(req.body);
  if (!body.success) {
    badRequest(reply, 'Invalid connection settings; nothing was saved', fieldIssues(body.error));
    return undefined;
  }
  return { orgId: params.data.orgId, input: body.data };
}

/** Runs the checklist; on invalid input answers 400 itself and returns undefined. */
async function runTest(service: ConnectionServiceDeps, orgId: string, input: Parameters<typeof testCandidate>[2], reply: FastifyReply) {
  try {
    const outcome = await testCandidate(service, orgId, input);
    if (outcome.kind === 'invalid') {
      badRequest(reply, 'Invalid connection settings; nothing was saved', outcome.issues);
      return undefined;
    }
    return outcome;
  } catch (err) {
    if (err instanceof StoredSecretUnreadableError) {
      badRequest(reply, 'Invalid connection settings; nothing was saved', [
        { path: 'clientSecret', message: 'The stored client secret can no longer be decrypted (its key is not configured); enter it again' },
      ]);
      return undefined;
    }
    throw err;
  }
}

function checklistView(run: ChecklistRun) {
  return { ok: run.ok, checkedAt: run.checkedAt, items: run.items };
}

function failedIds(run: ChecklistRun): string[] {
  return run.items.filter((i) => i.status === 'failed').map((i) => i.id);
}

function actorOf(req: FastifyRequest): string | null {
  return normaliseActor(req.headers['x-actor']);
}

/**
 * Running workflows of the org re-read the settings now instead of after their
 * backoff. Open conversations with unwritten events and no workflow (handoff-only
 * ones waiting for a handoff are not woken per message) get one started, in case
 * the new settings make them due.
 */
async function wakeConversations(deps: ApiDeps, orgId: string): Promise<void> {
  const open = await listConversationsInStates(deps.pool, orgId, OPEN_STATES);
  await Promise.all(
    open.map(async (c) => {
      try {
        const woken = await signalConnectionChanged(deps.signals, orgId, c.conversationId);
        if (!woken && c.contiguousSeq > c.syncedSeq) await signalEventsAvailable(deps.signals, orgId, c.conversationId, c.contiguousSeq);
      } catch (err) {
        // Temporal down: the workflow's own periodic re-check picks the change up.
        deps.logger.warn({ orgId, conversationId: c.conversationId, err: String(err) }, 'could not wake conversation workflow');
      }
    }),
  );
}

function notFound(reply: FastifyReply) {
  return reply.code(404).send({ error: 'not_found', message: 'This organisation has never connected Creatio' });
}

function busy(reply: FastifyReply) {
  return reply
    .code(503)
    .header('retry-after', '10')
    .send({ error: 'connection_busy', message: 'Creatio calls of this organisation are still in flight; nothing was changed. Try again shortly.' });
}

function badRequest(reply: FastifyReply, message: string, issues: Array<{ path: string; message: string }>) {
  return reply.code(400).send({ error: 'invalid_request', message, issues });
}
