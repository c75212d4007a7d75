import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Pool } from 'pg';
import { createTemporalClient } from '../client/temporal-client';
import { startCreatioSimulator, type CreatioSimulator } from '../creatio-sim';
import { startDevServer } from '../dev/dev-server';
import { freePort } from '../dev/net';
import { SecretBox } from '../security/secret-box';
import type * as EmbeddedPg from '../store/embedded-postgres';
import { migrate } from '../store/migrate';
import { ApiClient } from './api-sink';
import { BenchChild } from './child';
import { childByName, pidFromFile, type CpuGroups } from './cpu';
import type { BenchOptions } from './options';
import { distScript } from './paths';

/**
 * The embedded stack the benchmark measures: a Temporal dev server (in
 * memory, headless), a fresh embedded PostgreSQL under the run's data
 * directory, the Creatio simulator in the driver, our worker and the real API
 * as child processes, and the floor's worker as a third child.
 */
export interface BenchStack {
  temporalAddress: string;
  temporalSource: string;
  temporal: Client;
  sim: CreatioSimulator;
  api: ApiClient;
  worker: BenchChild;
  apiChild: BenchChild;
  floorWorker: BenchChild;
  ourTaskQueue: string;
  floorTaskQueue: string;
  /** Processes whose CPU time is measured per phase. */
  cpuGroups: CpuGroups;
  /** Settings worth stating next to the figures. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

const SYNC_QUEUE = 'bench-sync';
const FLOOR_QUEUE = 'bench-floor';

export async function startBenchStack(o: BenchOptions, root: string, log: (line: string) => void): Promise<BenchStack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`  stop failed: ${String(err)}`));
  };
  try {
    rmSync(o.dataDir, { recursive: true, force: true });
    mkdirSync(o.dataDir, { recursive: true, mode: 0o755 });
    const scripts = {
      worker: distScript(root, 'bench/worker-child.js'),
      floor: distScript(root, 'bench/floor-worker.js'),
      api: distScript(root, 'bench/api-child.js'),
    };

    const [temporal, pg, sim] = await Promise.all([
      o.temporalAddress
        ? Promise.resolve({ address: o.temporalAddress, source: 'given', stop: async () => undefined })
        : startDevServer({ uiPort: false, log: (l) => log(`  ${l}`) }),
      startPostgres(o),
      startCreatioSimulator({ clients: [] }),
    ]);
    stops.push(() => temporal.stop(), () => pg.stop(), () => sim.close());
    const pool = new Pool({ connectionString: pg.url, max: 2 });
    await migrate(pool);
    await pool.end();

    const apiToken = randomBytes(24).toString('base64url');
    const apiPort = await freePort();
    const base: NodeJS.ProcessEnv = {
      // Only what a process needs: service settings from the caller's shell must not leak into the figures.
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(o.dataDir, 'service'),
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: SYNC_QUEUE,
      API_TOKEN: apiToken,
      SECRET_KEYS: SecretBox.generateKeySpec('bench-1'),
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      WORKER_MAX_CACHED_WORKFLOWS: String(o.workerCache),
      CREATIO_MAX_CONCURRENCY: String(o.creatioConcurrency),
      ...(o.workflowBundlePath ? { WORKFLOW_BUNDLE_PATH: o.workflowBundlePath } : {}),
      // Reproduces backstop load in minutes instead of the default 5 (a diagnostic, not a scenario setting).
      ...(process.env.BENCH_BACKSTOP_MIN_MS ? { BACKSTOP_MIN_MS: process.env.BENCH_BACKSTOP_MIN_MS } : {}),
    };
    const worker = new BenchChild('our worker', scripts.worker, base);
    stops.push(() => worker.stop());
    const floorWorker = new BenchChild('floor worker', scripts.floor, { ...base, TEMPORAL_TASK_QUEUE: FLOOR_QUEUE });
    stops.push(() => floorWorker.stop());
    // Both bundle their workflows at start: a minute is plenty even on a loaded machine.
    await Promise.all([worker.ready(180_000), floorWorker.ready(180_000)]);
    const apiChild = new BenchChild('API', scripts.api, base);
    stops.push(() => apiChild.stop());
    const api = new ApiClient(`http://127.0.0.1:${apiPort}`, apiToken, Math.max(16, o.concurrency * 2));
    stops.push(() => api.close());
    await waitForApi(api, apiChild, 60_000);

    const { client, connection } = createTemporalClient({ address: temporal.address, namespace: 'default' });
    stops.push(() => connection.close());

    const temporalPid = o.temporalAddress ? undefined : childByName('temporal');
    const pgPid = o.pgAdminUrl ? undefined : pidFromFile(path.join(o.dataDir, 'postgres', 'pg', 'postmaster.pid'));
    return {
      cpuGroups: {
        'our worker': () => worker.pid,
        API: () => apiChild.pid,
        'floor worker': () => floorWorker.pid,
        'Temporal server': () => temporalPid,
        PostgreSQL: () => pgPid,
        'driver + simulator': () => process.pid,
      },
      temporalAddress: temporal.address,
      temporalSource: temporal.source,
      temporal: client,
      sim,
      api,
      worker,
      apiChild,
      floorWorker,
      ourTaskQueue: SYNC_QUEUE,
      floorTaskQueue: FLOOR_QUEUE,
      settings: {
        'Temporal': o.temporalAddress ? `given server ${o.temporalAddress}` : `dev server (${temporal.source}), in-memory SQLite, headless`,
        'PostgreSQL': o.pgAdminUrl
          ? 'a fresh database on the given server'
          : `embedded, fresh in ${path.relative(root, o.dataDir) || o.dataDir}/postgres${o.pgFast ? ', fsync off' : ', durable defaults (fsync on)'}`,
        'worker': `child process (src/bench/worker-child.ts = startApp as npm run worker + request hook), WORKER_MAX_CACHED_WORKFLOWS=${o.workerCache}, CREATIO_MAX_CONCURRENCY=${o.creatioConcurrency}, other settings default`,
        'API': 'child process (src/api/main.ts, the npm run api entry point)',
        'simulator': 'in the driver process, token lifetime 3600 s, business-process webhooks off',
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function waitForApi(api: ApiClient, child: BenchChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`the API exited with ${child.child.exitCode}:\n${child.output()}`);
    const ok = await api.call('GET', '/healthz').then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the API did not answer within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The embedded PostgreSQL in the run's data directory, or a fresh database on a given server (dropped at the end). */
async function startPostgres(o: BenchOptions): Promise<{ url: string; stop(): Promise<void> }> {
  if (!o.pgAdminUrl) {
    // Loaded only when used: the package is ESM-only, which the test runner's module system cannot load.
    const { ensureEmbeddedPostgres } = require('../store/embedded-postgres') as typeof EmbeddedPg;
    return ensureEmbeddedPostgres({ dataDir: path.join(o.dataDir, 'postgres'), port: await freePort(), fast: o.pgFast });
  }
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: o.pgAdminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(o.pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const pool = new Pool({ connectionString: o.pgAdminUrl, max: 1 });
      await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => pool.end());
    },
  };
}
