import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { signalConnectionChanged } from '../../client/conversation-signals';
import { isCreatioCloudHost, normaliseInstanceUrl, normaliseTokenUrl } from '../../domain/connection-url';
import type { ConnectionSettings } from '../../domain/connection';
import { disconnectConnection, getConnection, saveConnection, type ConnectionRecord } from '../../store/connections-repo';
import { countConversationsByState, listConversationsInStates } from '../../store/conversations-repo';
import type { ApiDeps } from '../deps';
import { ConnectionBodySchema, fieldIssues, IdSchema } from '../schemas';

const OrgParams = z.object({ orgId: IdSchema });

/** States of conversations whose workflow may still be running. */
export const OPEN_STATES = ['pending', 'syncing', 'waiting_for_creatio', 'needs_attention'];

export function registerConnectionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.put('/v1/orgs/:orgId/connection', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const body = ConnectionBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'Invalid connection settings; nothing was saved', fieldIssues(body.error));
    const { orgId } = params.data;
    const input = body.data;

    const issues: Array<{ path: string; message: string }> = [];
    const instance = normaliseInstanceUrl(input.instanceUrl);
    if (!instance.ok) issues.push({ path: 'instanceUrl', message: instance.message });
    let tokenUrl: string | null = null;
    if (input.tokenUrl) {
      const t = normaliseTokenUrl(input.tokenUrl);
      if (t.ok) tokenUrl = t.url;
      else issues.push({ path: 'tokenUrl', message: t.message });
    } else if (instance.ok && !isCreatioCloudHost(instance.url)) {
      issues.push({
        path: 'tokenUrl',
        message: 'Not a *.creatio.com instance: give the Identity Service token URL (e.g. https://identity.example.com/connect/token).',
      });
    }
    const existing = await getConnection(deps.pool, orgId);
    if (!input.clientSecret && !existing?.secret) issues.push({ path: 'clientSecret', message: 'Required for a new connection' });
    if (issues.length > 0 || !instance.ok) return badRequest(reply, 'Invalid connection settings; nothing was saved', issues);

    const settings: ConnectionSettings = {
      instanceUrl: instance.url,
      tokenUrl,
      odataBasePath: input.odataBasePath ?? existing?.odataBasePath ?? '/0/odata',
      clientId: input.clientId,
      ownerId: input.ownerId ?? null,
      groupId: input.groupId ?? null,
      resolvedStatusId: input.resolvedStatusId ?? null,
      handoffOnly: input.handoffOnly ?? false,
    };
    const secret = input.clientSecret ? deps.secrets.seal(input.clientSecret, orgId) : undefined;
    const saved = await saveConnection(deps.pool, orgId, { ...settings, secret });
    req.log.info({ orgId, credentialsVersion: saved.credentialsVersion }, 'Creatio connection saved');
    await wakeConversations(deps, orgId);
    return reply.code(200).send(await describe(deps, saved));
  });

  app.get('/v1/orgs/:orgId/connection', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const record = await getConnection(deps.pool, params.data.orgId);
    if (!record) return reply.code(404).send({ error: 'not_found', message: 'This organisation has never connected Creatio' });
    return describe(deps, record);
  });

  app.delete('/v1/orgs/:orgId/connection', async (req, reply) => {
    const params = OrgParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'Invalid path', fieldIssues(params.error));
    const { orgId } = params.data;
    const record = await getConnection(deps.pool, orgId);
    if (!record) return reply.code(404).send({ error: 'not_found', message: 'This organisation has never connected Creatio' });
    await disconnectConnection(deps.pool, orgId);
    req.log.info({ orgId }, 'Creatio connection disconnected');
    await wakeConversations(deps, orgId);
    return describe(deps, (await getConnection(deps.pool, orgId))!);
  });
}

/** Running workflows of the org re-read the settings now instead of after their backoff. */
async function wakeConversations(deps: ApiDeps, orgId: string): Promise<void> {
  const open = await listConversationsInStates(deps.pool, orgId, OPEN_STATES);
  await Promise.all(
    open.map((c) =>
      signalConnectionChanged(deps.signals, orgId, c.conversationId).catch((err: unknown) => {
        // Temporal down: the workflow's own periodic re-check picks the change up.
        deps.logger.warn({ orgId, conversationId: c.conversationId, err: String(err) }, 'could not wake conversation workflow');
      }),
    ),
  );
}

async function describe(deps: ApiDeps, r: ConnectionRecord) {
  const byState = await countConversationsByState(deps.pool, r.orgId);
  return {
    orgId: r.orgId,
    status: r.status,
    statusReason: r.statusReason,
    statusChangedAt: r.statusChangedAt,
    instanceUrl: r.instanceUrl,
    tokenUrl: r.tokenUrl,
    odataBasePath: r.odataBasePath,
    clientId: r.clientId,
    hasClientSecret: r.secret !== null,
    ownerId: r.ownerId,
    groupId: r.groupId,
    resolvedStatusId: r.resolvedStatusId,
    handoffOnly: r.handoffOnly,
    credentialsVersion: r.credentialsVersion,
    lastVerifiedAt: r.lastVerifiedAt,
    lastError: r.lastError,
    conversations: byState,
    waitingConversations: (byState.waiting_for_creatio ?? 0) + (byState.needs_attention ?? 0),
    updatedAt: r.updatedAt,
  };
}

function badRequest(reply: FastifyReply, message: string, issues: Array<{ path: string; message: string }>) {
  return reply.code(400).send({ error: 'invalid_request', message, issues });
}
