import path from 'node:path';
import { config } from '../config';
import { startDevServer, type DevServer } from '../dev/dev-server';
import { createLogger } from '../logging/logger';
import { openDatabase } from '../store/database';
import { startApp } from './app';
import { codecTokenSource, startConfiguredCodecServer } from './codec-server';
import { loadApiToken, loadSecretBox } from './local-secrets';

/**
 * `npm start`: the whole service in one command. With nothing configured it
 * runs on the embedded defaults: an embedded PostgreSQL and a Temporal dev
 * server (history persisted under DATA_DIR, Web UI on), plus the worker and
 * the API. DATABASE_URL and TEMPORAL_ADDRESS switch to real servers.
 */
export async function main(): Promise<void> {
  const cfg = config();
  const logger = createLogger({ level: cfg.LOG_LEVEL, name: 'creatio-sync' });
  const say = (line: string) => process.stdout.write(line + '\n');

  const db = await openDatabase(cfg);
  // Before the dev server, whose Web UI is pointed at it to show decrypted payloads.
  const codecServer = await startConfiguredCodecServer(cfg, logger.child({ component: 'codec-server' }), { anyPortIfTaken: true });
  let devServer: DevServer | undefined;
  let temporalAddress = cfg.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    devServer = await startDevServer({
      port: cfg.TEMPORAL_DEV_PORT,
      uiPort: cfg.START_DEV_SERVER_UI ? cfg.TEMPORAL_UI_PORT : false,
      dbFile: path.join(cfg.dataDir, 'temporal', 'dev.db'),
      namespace: cfg.TEMPORAL_NAMESPACE,
      uiCodecEndpoint: codecServer.url,
      log: say,
    });
    temporalAddress = devServer.address;
  }
  const apiToken = loadApiToken(cfg);
  const app = await startApp({
    cfg,
    pool: db.pool,
    logger,
    secrets: loadSecretBox(cfg),
    apiToken,
    temporalAddress,
    runWorker: true,
    runApi: true,
    registerSearchAttributes: !devServer,
  });

  say('');
  say('Creatio conversation sync is running.');
  say(`  API:          ${app.apiUrl}  (Authorization: Bearer <token>; token in ${cfg.API_TOKEN ? 'API_TOKEN' : path.join(cfg.dataDir, 'api-token')})`);
  say(`  Temporal:     ${temporalAddress}${devServer ? ` (dev server, ${devServer.source})` : ''}`);
  if (devServer?.uiUrl) say(`  Temporal UI:  ${devServer.uiUrl}/namespaces/${cfg.TEMPORAL_NAMESPACE}/workflows`);
  say(`  Codec server: ${codecServer.url}  (decrypts payloads for the Web UI; CLI: --codec-endpoint ${codecServer.url} --codec-auth "Bearer <token in ${codecTokenSource(cfg)}>")`);
  if (codecServer.portTaken) say(`                (port ${codecServer.portTaken} was taken: CODEC_SERVER_PORT picks another)`);
  if (devServer?.source === 'already-running') say('                (the dev server was already running: its Web UI keeps its own codec setting)');
  say(`  Database:     ${db.kind === 'embedded' ? `embedded PostgreSQL in ${path.join(cfg.dataDir, 'postgres')}` : 'DATABASE_URL'}`);
  say('Press Ctrl+C to stop.');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping (in-flight activities get ${cfg.WORKER_SHUTDOWN_GRACE_MS / 1000} s)...`);
    await app.stop();
    await devServer?.stop();
    await codecServer.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
