import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { ConnectionHealthListener } from '../activities/deps';
import { buildApi } from '../api/server';
import { startSignalRecovery } from '../api/signal-recovery';
import { createTemporalClient } from '../client/temporal-client';
import type { Config } from '../config';
import type { RequestEvent } from '../creatio';
import type { SecretBox } from '../security/secret-box';
import { CreatioConnections } from '../sync/creatio-connections';
import { createDataConverter } from '../temporal/data-converter';
import { installTemporalRuntime } from '../temporal/runtime';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { platformHealthNotifier } from '../platform/health-notifier';
import { createSyncWorker } from '../worker/create-worker';
import type { SyncTimings } from '../workflows/definitions';
import { loadPayloadCodec } from './local-secrets';
import { timingsFromConfig } from './timings';

/**
 * Assembles the service from its parts: the worker (workflows + activities)
 * and/or the HTTP API, on a given database and Temporal server. `npm start`,
 * the separate worker/API processes, the demo, benchmarks and the
 * integration tests all run this same assembly.
 */
export interface AppOptions {
  cfg: Config;
  pool: Pool;
  logger: Logger;
  secrets: SecretBox;
  apiToken: string;
  temporalAddress: string;
  runWorker: boolean;
  runApi: boolean;
  /** Register search attributes through the operator API (servers we did not start). */
  registerSearchAttributes?: boolean;
  workflowBundle?: WorkerOptions['workflowBundle'];
  timings?: Partial<SyncTimings>;
  health?: ConnectionHealthListener;
  onCreatioRequest?: (orgId: string, event: RequestEvent) => void;
  /** Encrypts every payload this process writes to Temporal; default: the PAYLOAD_KEYS codec. */
  dataConverter?: DataConverter;
}

export interface RunningApp {
  apiUrl?: string;
  worker?: Worker;
  connections?: CreatioConnections;
  stop(): Promise<void>;
}

export async function startApp(o: AppOptions): Promise<RunningApp> {
  const { cfg, logger } = o;
  installTemporalRuntime(logger);
  const stops: Array<() => Promise<void>> = [];
  // Each step is bounded: with Temporal or the database already gone a step
  // could otherwise wait forever and keep the process (and its children) alive.
  const stepLimitMs = cfg.WORKER_SHUTDOWN_GRACE_MS + 5_000;
  const running: RunningApp = {
    stop: async () => {
      for (const stop of stops.reverse()) {
        await Promise.race([
          stop().catch((err: unknown) => logger.error({ err }, 'shutdown step failed')),
          new Promise<void>((resolve) => setTimeout(() => {
            logger.warn('shutdown step timed out; continuing');
            resolve();
          }, stepLimitMs).unref()),
        ]);
      }
    },
  };

  const timings = { ...timingsFromConfig(cfg), ...o.timings };
  // One converter for the worker and both clients: each reads what the others wrote.
  const dataConverter = o.dataConverter ?? createDataConverter(loadPayloadCodec(cfg));
  try {
    if (o.runWorker) {
      const connection = await NativeConnection.connect({ address: o.temporalAddress });
      stops.push(() => connection.close());
      // The worker's own client: org-level notifications are started from activities.
      const { client: workerClient, connection: clientConnection } = createTemporalClient({
        address: o.temporalAddress,
        namespace: cfg.TEMPORAL_NAMESPACE,
        dataConverter,
      });
      stops.push(() => clientConnection.close());
      if (o.registerSearchAttributes) await ensureSearchAttributes(clientConnection, cfg.TEMPORAL_NAMESPACE);
      const connections = new CreatioConnections(o.pool, o.secrets, {
        timeoutMs: cfg.CREATIO_REQUEST_TIMEOUT_MS,
        maxConcurrency: cfg.CREATIO_MAX_CONCURRENCY,
        onRequest: o.onCreatioRequest,
      });
      // Closed after the worker has stopped (stops run in reverse): its write-lock sessions.
      stops.push(() => connections.close());
      const worker = await createSyncWorker({
        connection,
        namespace: cfg.TEMPORAL_NAMESPACE,
        taskQueue: cfg.TEMPORAL_TASK_QUEUE,
        deps: {
          pool: o.pool,
          connections,
          sessionLinkTemplate: cfg.SESSION_LINK_TEMPLATE,
          activityTextMax: cfg.ACTIVITY_TEXT_MAX,
          casePolicies: { deletedCase: cfg.DELETED_CASE_POLICY, closedCase: cfg.CLOSED_CASE_POLICY },
          health: o.health ?? platformHealthNotifier(o.pool, workerClient, cfg.TEMPORAL_TASK_QUEUE),
          callback:
            cfg.PLATFORM_CALLBACK_URL && cfg.PLATFORM_CALLBACK_SECRET
              ? { url: cfg.PLATFORM_CALLBACK_URL, secret: cfg.PLATFORM_CALLBACK_SECRET, timeoutMs: cfg.PLATFORM_CALLBACK_TIMEOUT_MS }
              : undefined,
        },
        workflowBundle: o.workflowBundle ?? (cfg.WORKFLOW_BUNDLE_PATH ? { codePath: cfg.WORKFLOW_BUNDLE_PATH } : undefined),
        maxCachedWorkflows: cfg.WORKER_MAX_CACHED_WORKFLOWS,
        shutdownGraceTimeMs: cfg.WORKER_SHUTDOWN_GRACE_MS,
        dataConverter,
      });
      const runPromise = worker.run();
      runPromise.catch((err: unknown) => logger.fatal({ err }, 'worker stopped with an error'));
      stops.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await runPromise.catch(() => undefined);
      });
      running.worker = worker;
      running.connections = connections;
    }

    if (o.runApi) {
      const { client, connection } = createTemporalClient({ address: o.temporalAddress, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter });
      stops.push(() => connection.close());
      const signals = { client, taskQueue: cfg.TEMPORAL_TASK_QUEUE, timings };
      const app = buildApi({
        pool: o.pool,
        signals,
        secrets: o.secrets,
        logger: logger.child({ component: 'api' }),
        apiToken: o.apiToken,
        bodyLimit: cfg.API_BODY_LIMIT,
        webhookBodyLimit: cfg.WEBHOOK_BODY_LIMIT,
        publicBaseUrl: () => cfg.PUBLIC_BASE_URL ?? running.apiUrl ?? `http://${cfg.API_HOST}:${cfg.API_PORT}`,
        webhookTokenGraceSeconds: cfg.WEBHOOK_TOKEN_GRACE_SECONDS,
        temporalReachable: async () => {
          await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
          return true;
        },
      });
      running.apiUrl = await app.listen({ host: cfg.API_HOST, port: cfg.API_PORT });
      stops.push(() => app.close());
      stops.push(startSignalRecovery(o.pool, signals, logger, { intervalMs: cfg.SIGNAL_RECOVERY_INTERVAL_MS, graceMs: cfg.SIGNAL_RECOVERY_GRACE_MS }));
    }
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}
