import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Pool } from 'pg';
import pino from 'pino';
import { createTemporalClient } from '../../src/client/temporal-client';
import { parseConfig, type Config } from '../../src/config';
import { startCreatioSimulator } from '../../src/creatio-sim';
import type { CreatioSimulator, SimulatorOptions } from '../../src/creatio-sim/types';
import { startApp, type AppOptions, type RunningApp } from '../../src/main/app';
import { loadPayloadCodec } from '../../src/main/local-secrets';
import { SecretBox } from '../../src/security/secret-box';
import { migrate } from '../../src/store/migrate';
import { EncryptionCodec } from '../../src/temporal/codec';
import { createDataConverter } from '../../src/temporal/data-converter';
import type { SyncTimings } from '../../src/workflows/definitions';
import { globalServices } from './global-state';

/**
 * A complete service for one integration test file: its own database on the
 * shared embedded PostgreSQL, its own task queue on the shared Temporal dev
 * server, a Creatio simulator, and the real worker and API assembled by
 * startApp (the code npm start runs).
 */
export interface TestStack {
  cfg: Config;
  pool: Pool;
  sim: CreatioSimulator;
  app: RunningApp;
  apiUrl: string;
  apiToken: string;
  temporal: Client;
  secrets: SecretBox;
  /** Calls the API with the service token; returns status and parsed JSON. */
  api<T = Json>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** PUT the org's connection pointing at the simulator (first client unless given). */
  connect(orgId: string, settings?: Record<string, unknown>): Promise<ApiResponse<Json>>;
  postEvents(orgId: string, conversationId: string, events: unknown): Promise<ApiResponse<Json>>;
  /** Restarts worker + API (same database and queue), e.g. after a simulated crash. */
  restartApp(overrides?: Partial<AppOptions>): Promise<void>;
  stop(): Promise<void>;
}

/** Parsed JSON as tests read it. */
export type Json = Record<string, unknown>;
export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface TestStackOptions {
  sim?: SimulatorOptions;
  timings?: Partial<SyncTimings>;
  env?: Record<string, string>;
  runWorker?: boolean;
  app?: Partial<AppOptions>;
}

export const FAST_TIMINGS: SyncTimings = { idleTimeoutMs: 60_000, recheckMs: 3_000, maxRetryWaitMs: 2_000, backstopMinMs: 1_000, backstopMaxMs: 4_000, maxHistoryEvents: 10_000 };

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const g = globalServices();
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: g.pgAdminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = g.pgAdminUrl.replace(/\/[^/]+$/, `/${dbName}`);
  const pool = new Pool({ connectionString: dbUrl, max: 20 });
  pool.on('error', () => undefined);
  await migrate(pool);

  const apiToken = `test-token-${randomBytes(12).toString('hex')}`;
  const cfg = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: path.join(g.tmpDir, dbName),
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: g.temporalAddress,
    TEMPORAL_TASK_QUEUE: `q-${dbName}`,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_TOKEN: apiToken,
    SECRET_KEYS: SecretBox.generateKeySpec('test-1'),
    PAYLOAD_KEYS: EncryptionCodec.generateKeySpec('test-payload-1'),
    SIGNAL_RECOVERY_INTERVAL_MS: '500',
    SIGNAL_RECOVERY_GRACE_MS: '1000',
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    ...opts.env,
  });
  const secrets = SecretBox.fromSpec(cfg.SECRET_KEYS!);
  const logger = pino({ level: cfg.LOG_LEVEL });
  const sim = await startCreatioSimulator(opts.sim ?? {});
  // Same payload keys as the app (from cfg), so tests read what the worker wrote.
  const { client: temporal, connection } = createTemporalClient({
    address: g.temporalAddress,
    namespace: cfg.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(loadPayloadCodec(cfg)),
  });

  const appOptions = (): AppOptions => ({
    cfg,
    pool,
    logger,
    secrets,
    apiToken,
    temporalAddress: g.temporalAddress,
    runWorker: opts.runWorker ?? true,
    runApi: true,
    workflowBundle: { codePath: g.workflowBundlePath },
    timings: { ...FAST_TIMINGS, ...opts.timings },
    ...opts.app,
  });
  let app = await startApp(appOptions());

  const stack: TestStack = {
    cfg,
    pool,
    sim,
    app,
    apiUrl: app.apiUrl!,
    apiToken,
    temporal,
    secrets,
    async api<T>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
      const res = await fetch(`${stack.apiUrl}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${apiToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as T };
    },
    connect(orgId, settings = {}) {
      const client = sim.clients[0]!;
      return stack.api('PUT', `/v1/orgs/${orgId}/connection`, {
        instanceUrl: sim.url,
        tokenUrl: sim.tokenUrl,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        ...settings,
      });
    },
    postEvents(orgId, conversationId, events) {
      return stack.api('POST', `/v1/orgs/${orgId}/conversations/${conversationId}/events`, events);
    },
    async restartApp(overrides = {}) {
      await app.stop();
      app = await startApp({ ...appOptions(), ...overrides });
      stack.app = app;
      stack.apiUrl = app.apiUrl!;
    },
    async stop() {
      await app.stop();
      await connection.close();
      await sim.close();
      await pool.end();
    },
  };
  return stack;
}

/** Polls until `check` returns a truthy value (or throws the last failure after the timeout). */
export async function waitFor<T>(check: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
