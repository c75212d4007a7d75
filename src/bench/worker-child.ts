import { Context } from '@temporalio/activity';
import { config } from '../config';
import { createLogger } from '../logging/logger';
import { startApp } from '../main/app';
import { loadApiToken, loadSecretBox } from '../main/local-secrets';
import { openDatabase } from '../store/database';
import { CreatioCounter } from './creatio-stats';
import type { ChildMessage, ParentMessage } from './ipc';

/**
 * Our worker for the benchmark: the same assembly as `npm run worker`
 * (src/worker/main.ts: startApp with runWorker, configured from the
 * environment) plus the onCreatioRequest hook, whose counts go to the driver
 * over IPC. A process of its own, so the driver can read its RSS.
 */
function currentActivity(): { activityType: string; workflowId: string } | undefined {
  try {
    const info = Context.current().info;
    return { activityType: info.activityType, workflowId: info.workflowExecution?.workflowId ?? '(none)' };
  } catch {
    // Not inside an activity (cannot happen for sync requests, but the hook must not throw).
    return undefined;
  }
}

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const cfg = config();
  if (!cfg.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required');
  const logger = createLogger({ level: cfg.LOG_LEVEL, name: 'bench-worker' });
  const db = await openDatabase(cfg);
  const counter = new CreatioCounter();
  const app = await startApp({
    cfg,
    pool: db.pool,
    logger,
    secrets: loadSecretBox(cfg),
    apiToken: loadApiToken(cfg),
    temporalAddress: cfg.TEMPORAL_ADDRESS,
    runWorker: true,
    runApi: false,
    // The benchmark's dev server got the search attributes as flags.
    registerSearchAttributes: false,
    onCreatioRequest: (orgId, event) => counter.add(orgId, event, currentActivity()),
  });
  process.on('message', (msg: ParentMessage) => {
    if (msg.type !== 'take-stats') return;
    const status = app.worker?.getStatus();
    send({
      type: 'stats',
      id: msg.id,
      creatio: counter.take(),
      worker: status && {
        numCachedWorkflows: status.numCachedWorkflows,
        numInFlightActivities: status.numInFlightActivities,
        numInFlightWorkflowActivations: status.numInFlightWorkflowActivations,
      },
    });
  });
  const shutdown = async () => {
    await app.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  // Exit with the driver, whatever happens to it.
  process.once('disconnect', () => void shutdown());
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
