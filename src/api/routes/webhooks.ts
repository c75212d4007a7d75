import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseFormBody, parseMultipartBody, parseWebhookBody } from '../../webhooks/parse';
import { processWebhook, recordWebhook } from '../../webhooks/receive';
import { orgForToken } from '../../webhooks/tokens-repo';
import type { ApiDeps } from '../deps';

/**
 * Creatio → us. Business processes cannot sign requests, so the URL token (or
 * an X-Webhook-Token header) is the credential: unknown tokens get a bare 404.
 * We store, acknowledge at once (the process waits on us), then act.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.register(async (scope) => {
    // Parse ourselves: JSON, form fields or multipart text fields, whatever the process sends.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.webhookBodyLimit }, (_req, body, done) => done(null, body));

    const handle = async (token: string | undefined, req: FastifyRequest, reply: FastifyReply) => {
      const orgId = token ? await orgForToken(deps.pool, token) : undefined;
      if (!orgId) return reply.code(404).send();
      const fields = decodeBody(String(req.body ?? ''), req.headers['content-type'] ?? '');
      if (!fields) return reply.code(400).send({ error: 'invalid_webhook', message: 'Send JSON or form fields' });
      const parsed = parseWebhookBody(fields);
      if (!parsed.ok) return reply.code(400).send({ error: 'invalid_webhook', message: parsed.reason });
      const id = await recordWebhook(deps.pool, orgId, parsed.value, fields);
      void processWebhook(deps.pool, deps.signals, id, orgId, parsed.value).catch((err: unknown) =>
        req.log.warn({ orgId, err: String(err) }, 'webhook processing failed; the backstop read will catch up'),
      );
      return reply.code(202).send({ received: true });
    };

    scope.post<{ Params: { token: string } }>('/webhooks/creatio/:token', (req, reply) => handle(req.params.token, req, reply));
    scope.post('/webhooks/creatio', (req, reply) => {
      const header = req.headers['x-webhook-token'];
      return handle(typeof header === 'string' ? header : undefined, req, reply);
    });
  });
}

function decodeBody(raw: string, contentType: string): Record<string, unknown> | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseFormBody(raw);
  if (type === 'multipart/form-data') return parseMultipartBody(raw, contentType);
  // JSON, or JSON sent as text/plain (some web-service declarations do that).
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
