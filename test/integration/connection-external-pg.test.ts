import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startCreatioSimulator } from '../../src/creatio-sim';
import type { CreatioSimulator } from '../../src/creatio-sim/types';
import { freePort } from '../../src/dev/net';
import { SecretBox } from '../../src/security/secret-box';
import { message } from '../support/events';
import { waitFor } from '../support/stack';
import { globalServices } from '../support/global-state';

/**
 * The service (`npm start`'s entry point, as its own process) on an external
 * PostgreSQL given by DATABASE_URL instead of the embedded one: migrations,
 * Test & Save, a synced conversation, audit and disconnect. The server is
 * EXTERNAL_DATABASE_URL when set; otherwise one is started from Debian's
 * packages through scripts/external-postgres.sh. With neither, the test is
 * skipped and says how to run it.
 */
const SCRIPT = path.resolve(__dirname, '../../scripts/external-postgres.sh');
const START_MAIN = path.resolve(__dirname, '../../dist/main/start.js');
const givenUrl = process.env.EXTERNAL_DATABASE_URL;
const debianPg = (() => {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
  } catch {
    return false;
  }
})();
const available = Boolean(givenUrl) || debianPg;
if (!available) {
  process.stderr.write(
    'connection-external-pg: SKIPPED, no external PostgreSQL. Set EXTERNAL_DATABASE_URL, or install Debian\'s server with ' +
      '"scripts/external-postgres.sh install" (as root) so the test can start one.\n',
  );
}
const run = available ? it : it.skip;

let dataDir: string | undefined;
let service: ChildProcess | undefined;
let serviceOutput = '';
let sim: CreatioSimulator | undefined;

afterAll(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service!.once('exit', resolve));
    service.kill('SIGTERM');
    await exited;
  }
  await sim?.close();
  if (dataDir) {
    await promisify(execFile)(SCRIPT, ['stop', dataDir]).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function externalUrl(): Promise<string> {
  if (givenUrl) return givenUrl;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'creatio-sync-extpg-'));
  const { stdout } = await promisify(execFile)(SCRIPT, ['start', dataDir, String(await freePort())]);
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('DATABASE_URL=')) throw new Error(`external-postgres.sh printed no DATABASE_URL: ${stdout}`);
  return line.slice('DATABASE_URL='.length);
}

run(`the service runs against an external PostgreSQL (${givenUrl ? 'EXTERNAL_DATABASE_URL' : "Debian's server started by scripts/external-postgres.sh"})`, async () => {
  if (!existsSync(START_MAIN)) throw new Error(`${START_MAIN} is missing: run "npm run build" first (npm test does).`);
  const url = await externalUrl();
  const version = await withClient(url, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
  process.stdout.write(`external PostgreSQL ${version} at ${url.replace(/:[^:@/]+@/, ':***@')}\n`);

  const g = globalServices();
  const suffix = Math.random().toString(36).slice(2, 8);
  const apiToken = `ext-token-${suffix}-0123456789`;
  const port = await freePort();
  service = spawn(process.execPath, [START_MAIN], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: g.temporalAddress,
      TEMPORAL_TASK_QUEUE: `q-extpg-${suffix}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_TOKEN: apiToken,
      SECRET_KEYS: SecretBox.generateKeySpec('ext-1'),
      DATA_DIR: path.join(g.tmpDir, `extpg-${suffix}`),
      WORKFLOW_BUNDLE_PATH: g.workflowBundlePath,
      WORKER_SHUTDOWN_GRACE_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout?.on('data', (c: Buffer) => (serviceOutput += c.toString()));
  service.stderr?.on('data', (c: Buffer) => (serviceOutput += c.toString()));
  await waitFor(() => serviceOutput.includes('is running') || service!.exitCode !== null, { what: 'service started', timeoutMs: 60_000 });
  expect(serviceOutput).toContain('Database:     DATABASE_URL');

  sim = await startCreatioSimulator();
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const org = `org-ext-${suffix}`;
  const client = sim.clients[0]!;
  const put = await api('PUT', `/v1/orgs/${org}/connection`, { instanceUrl: sim.url, tokenUrl: sim.tokenUrl, clientId: client.clientId, clientSecret: client.clientSecret });
  expect(put.status).toBe(200);
  expect((put.body.checklist as { ok: boolean }).ok).toBe(true);
  expect((await api('POST', `/v1/orgs/${org}/conversations/ext-1/events`, [message('m1', 'customer', 'On an external database'), message('m2', 'ai', 'Indeed')])).status).toBe(202);
  await waitFor(async () => (await api('GET', `/v1/orgs/${org}/conversations/ext-1`)).body.syncedUpTo === 2, { what: 'synced', timeoutMs: 30_000 });
  expect((await api('GET', `/v1/orgs/${org}/connection`)).body).toMatchObject({ status: 'active', hasClientSecret: true });
  expect((await api('DELETE', `/v1/orgs/${org}/connection`)).status).toBe(200);
  expect((await api('POST', `/v1/orgs/${org}/conversations/ext-1/events`, message('m3', 'customer', 'too late'))).status).toBe(409);

  // The data is on that server, seen by a client of its own.
  await withClient(url, async (direct) => {
    const conn = await direct.query<{ status: string; secret_ciphertext: string | null }>('SELECT status, secret_ciphertext FROM connections WHERE org_id = $1', [org]);
    expect(conn.rows).toEqual([{ status: 'disconnected', secret_ciphertext: null }]);
    const audit = await direct.query<{ action: string }>('SELECT action FROM connection_audit WHERE org_id = $1 ORDER BY id', [org]);
    expect(audit.rows.map((r) => r.action)).toEqual(['connected', 'disconnected']);
    const migrations = await direct.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(migrations.rows.map((r) => r.name)).toContain('004-connection-audit');
  });
  expect(sim.records('Activity').filter((a) => String(a.Title).includes('On an external database'))).toHaveLength(1);
}, 120_000);

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
