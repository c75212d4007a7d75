import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../src/dev/dev-server';
import { freePort } from '../../src/dev/net';
import { ensureEmbeddedPostgres } from '../../src/store/embedded-postgres';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/data-converter';
import { setGlobalServices, type GlobalServices } from './global-state';

/**
 * One real Temporal dev server, one embedded PostgreSQL and one workflow
 * bundle for the whole integration run; each test file then gets its own
 * database and task queue (test/support/stack.ts).
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'creatio-sync-it-'));
  // PostgreSQL runs as its own user when we are root: it must be able to enter the folder.
  chmodSync(dir, 0o755);
  const [temporal, pg, bundle] = await Promise.all([
    startDevServer({ uiPort: false, log: (l) => process.stderr.write(`[global-setup] ${l}\n`) }),
    freePort().then((port) => ensureEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port, database: 'postgres', fast: true })),
    // The failure converter goes into the bundle: failures raised in workflow code are encrypted too.
    bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const services: GlobalServices = {
    temporalAddress: temporal.address,
    pgAdminUrl: pg.url,
    workflowBundlePath: bundlePath,
    tmpDir: dir,
  };
  setGlobalServices(services);
  (globalThis as { __stopIntegrationServices?: () => Promise<void> }).__stopIntegrationServices = async () => {
    await temporal.stop();
    await pg.stop();
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
};
