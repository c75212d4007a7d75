import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Customer } from '../../domain/events';
import { getConversation } from '../../store/conversations-repo';
import { EventConflictError, NotConnectedError } from '../../store/events-repo';
import { conversationWorkflowId } from '../../workflows/ids';
import type { ApiDeps } from '../deps';
import { ingestEvents } from '../ingest';
import { EventsBodySchema, fieldIssues, IdSchema } from '../schemas';
import { toConversationEvent } from '../to-event';

const ConversationParams = z.object({ orgId: IdSchema, conversationId: IdSchema });

export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/orgs/:orgId/conversations/:conversationId/events', async (req, reply) => {
    const params = ConversationParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: 'invalid_request', message: 'Invalid path', issues: fieldIssues(params.error) });
    const body = EventsBodySchema.safeParse(req.body);
    if (!body.success) {
      return reply.code(400).send({ error: 'invalid_request', message: 'Invalid events; nothing was stored', issues: fieldIssues(body.error) });
    }
    const { orgId, conversationId } = params.data;

    const receivedAt = new Date().toISOString();
    // The conversation's customer may come with any event; later values win.
    const customer: Customer = Object.assign({}, ...body.data.map((e) => e.customer ?? {}));
    const incoming = body.data.map((e) => ({ event: toConversationEvent(e, receivedAt), seq: e.seq }));
    let result;
    try {
      result = await ingestEvents(deps.pool, deps.signals, orgId, conversationId, incoming, customer);
    } catch (err) {
      if (err instanceof NotConnectedError) {
        return reply.code(409).send({
          error: 'not_connected',
          message: `Organisation ${orgId} has no Creatio connection; connect it with PUT /v1/orgs/${orgId}/connection first. Nothing was stored.`,
        });
      }
      if (err instanceof EventConflictError) return reply.code(409).send({ error: 'conflict', message: `${err.message}; nothing was stored` });
      throw err;
    }
    const payload = {
      workflowId: result.workflowId,
      storedUpTo: result.contiguousSeq,
      events: result.events,
    };
    if (!result.signalled) {
      req.log.warn({ orgId, conversationId, err: String(result.signalError) }, 'Temporal unreachable; events stored, will signal later');
      return reply.code(503).header('retry-after', '5').send({
        error: 'temporal_unavailable',
        message: 'The events are stored and will be synced when Temporal is reachable again; retrying this request is safe.',
        ...payload,
      });
    }
    return reply.code(202).send(payload);
  });

  app.get('/v1/orgs/:orgId/conversations/:conversationId', async (req, reply) => {
    const params = ConversationParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: 'invalid_request', message: 'Invalid path', issues: fieldIssues(params.error) });
    const { orgId, conversationId } = params.data;
    const conv = await getConversation(deps.pool, orgId, conversationId);
    if (!conv) return reply.code(404).send({ error: 'not_found', message: `No events stored for conversation ${conversationId}` });
    return {
      orgId,
      conversationId,
      workflowId: conversationWorkflowId(orgId, conversationId),
      state: conv.syncState,
      reason: conv.syncReason,
      caseId: conv.caseId,
      caseNumber: conv.caseNumber,
      storedUpTo: conv.contiguousSeq,
      lastSeq: conv.lastSeq,
      syncedUpTo: conv.syncedSeq,
      pending: Math.max(0, conv.contiguousSeq - conv.syncedSeq),
      resolvedAt: conv.resolvedAt,
      aiFields: conv.aiFieldsReport,
      updatedAt: conv.updatedAt,
    };
  });
}
