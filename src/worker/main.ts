import { config } from '../config';
import { createLogger } from '../logging/logger';
import { startApp } from '../main/app';
import { loadApiToken, loadSecretBox } from '../main/local-secrets';
import { openDatabase } from '../store/database';

/**
 * `npm run worker`: only the worker (workflows + activities), for deployments
 * that scale workers separately. Needs TEMPORAL_ADDRESS. On SIGTERM it stops
 * polling, lets in-flight activities finish (WORKER_SHUTDOWN_GRACE_MS) and exits.
 */
async function main(): Promise<void> {
  const cfg = config();
  if (!cfg.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required for a standalone worker (npm start runs everything locally)');
  const logger = createLogger({ level: cfg.LOG_LEVEL, name: 'creatio-sync-worker' });
  const db = await openDatabase(cfg);
  const app = await startApp({
    cfg,
    pool: db.pool,
    logger,
    secrets: loadSecretBox(cfg),
    apiToken: loadApiToken(cfg),
    temporalAddress: cfg.TEMPORAL_ADDRESS,
    runWorker: true,
    runApi: false,
    registerSearchAttributes: true,
  });
  logger.info({ taskQueue: cfg.TEMPORAL_TASK_QUEUE }, 'worker running');
  const shutdown = async () => {
    await app.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
