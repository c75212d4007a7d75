import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { requireServiceToken } from './auth';
import type { ApiDeps } from './deps';
import { registerConnectionRoutes } from './routes/connection';
import { registerEventRoutes } from './routes/events';
import { registerHealthRoutes } from './routes/health';
import { registerWebhookAdminRoutes } from './routes/webhook-admin';
import { registerWebhookRoutes } from './routes/webhooks';

/** The HTTP API, without listening. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  // The per-request child only adds reqId, which ties a request's own info-level logs together; with
  // those off, every request would pay for a child (its bindings go through redaction) for nothing.
  const childPerRequest = deps.logger.isLevelEnabled('info');
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    childLoggerFactory: (logger, bindings, opts) => (childPerRequest ? logger.child(bindings, opts) : logger),
  });

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: 'payload_too_large', message: `Request body is larger than ${deps.bodyLimit} bytes` });
    if (status === 415) return reply.code(415).send({ error: 'unsupported_media_type', message: 'Send JSON (Content-Type: application/json)' });
    if (status >= 400 && status < 500) return reply.code(status).send({ error: 'invalid_request', message: err.message });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'Internal error; the request may be retried' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', message: 'No such endpoint' }));

  registerHealthRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  app.register(async (v1) => {
    v1.addHook('onRequest', requireServiceToken(deps.apiToken));
    // The service API takes JSON only: a text/plain body is refused as such (415), not parsed into a string that fails validation.
    v1.removeContentTypeParser('text/plain');
    registerEventRoutes(v1, deps);
    registerConnectionRoutes(v1, deps);
    registerWebhookAdminRoutes(v1, deps);
  });
  return app;
}
