import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getConnection } from '../../store/connections-repo';
import { currentToken, rotateToken } from '../../webhooks/tokens-repo';
import type { ApiDeps } from '../deps';
import { fieldIssues, IdSchema } from '../schemas';

const OrgParams = z.object({ orgId: IdSchema });
const RotateBody = z
  .object({ graceSeconds: z.number().int().min(0).max(30 * 24 * 3600).optional() })
  .strict()
  .optional();

/** The URL an admin pastes into Creatio's web-service declaration. */
export function webhookUrl(deps: ApiDeps, token: string): string {
  return `${deps.publicBaseUrl().replace(/\/+$/, '')}/webhooks/creatio/${token}`;
}

/** Admin view of the org's Creatio → us webhook: URL, rotation, recent deliveries. */
export function registerWebhookAdminRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v1/orgs/:orgId/webhook', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: 'invalid_request', message: 'Invalid path', issues: fieldIssues(params.error) });
    const { orgId } = params.data;
    const connection = await getConnection(deps.pool, orgId);
    if (!connection || connection.status === 'disconnected') return reply.code(409).send({ error: 'not_connected', message: 'Connect Creatio first' });
    const token = await currentToken(deps.pool, deps.secrets, orgId);
    const recent = await deps.pool.query<{ id: string; received_at: Date; kind: string; case_id: string; activity_id: string | null; outcome: string }>(
      'SELECT id, received_at, kind, case_id, activity_id, outcome FROM inbound_webhooks WHERE org_id = $1 ORDER BY id DESC LIMIT 20',
      [orgId],
    );
    return {
      url: webhookUrl(deps, token),
      alternative: { url: `${deps.publicBaseUrl().replace(/\/+$/, '')}/webhooks/creatio`, header: 'X-Webhook-Token', token },
      recent: recent.rows.map((r) => ({
        id: Number(r.id),
        receivedAt: r.received_at.toISOString(),
        kind: r.kind,
        caseId: r.case_id,
        activityId: r.activity_id,
        outcome: r.outcome,
      })),
    };
  });

  app.post('/v1/orgs/:orgId/webhook/rotate', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: 'invalid_request', message: 'Invalid path', issues: fieldIssues(params.error) });
    const body = RotateBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'invalid_request', message: 'Invalid body', issues: fieldIssues(body.error) });
    const { orgId } = params.data;
    const connection = await getConnection(deps.pool, orgId);
    if (!connection || connection.status === 'disconnected') return reply.code(409).send({ error: 'not_connected', message: 'Connect Creatio first' });
    const grace = body.data?.graceSeconds ?? deps.webhookTokenGraceSeconds;
    const token = await rotateToken(deps.pool, deps.secrets, orgId, grace);
    req.log.info({ orgId, graceSeconds: grace }, 'webhook token rotated');
    return { url: webhookUrl(deps, token), previousValidForSeconds: grace };
  });
}
