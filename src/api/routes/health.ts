import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps';

export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Liveness: the process answers.
  app.get('/healthz', async () => ({ ok: true }));

  // Readiness: the database answers. Temporal being down does not make us
  // unready: events are still stored and signalled later.
  app.get('/readyz', async (_req, reply) => {
    const [db, temporal] = await Promise.all([
      deps.pool.query('SELECT 1').then(() => true, () => false),
      deps.temporalReachable().catch(() => false),
    ]);
    return reply.code(db ? 200 : 503).send({ ok: db, database: db, temporal });
  });
}
