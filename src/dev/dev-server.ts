import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { findOrBuildTemporalCli } from './temporal-cli';
import { freePort, isListening, waitForPort } from './net';

/**
 * Runs the real Temporal dev server (`temporal server start-dev`: the Temporal
 * server with SQLite persistence and the Web UI) for the embedded stack and
 * the tests, with our search attributes registered.
 */
export interface DevServerOptions {
  /** gRPC port; 0 = any free port. */
  port?: number;
  /** Web UI port, or false for headless. */
  uiPort?: number | false;
  /** Persist history to this SQLite file (survives restarts); absent = in memory. */
  dbFile?: string;
  namespace?: string;
  /** Codec server the bundled UI should use to decode payloads. */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** Where the binary came from, or 'already-running' when we attached to one. */
  source: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? (() => undefined);
  const namespace = opts.namespace ?? 'default';
  const port = opts.port || (await freePort());
  const uiPort = opts.uiPort === false ? undefined : opts.uiPort || (await freePort());

  if (opts.port && (await isListening(HOST, opts.port))) {
    // Another process of ours (or a user's own server) already runs it: share it.
    return { address: `${HOST}:${port}`, uiUrl: uiPort ? `http://${HOST}:${uiPort}` : undefined, source: 'already-running', stop: async () => undefined };
  }

  const cli = await findOrBuildTemporalCli(log);
  if (!cli) return startWithSdkDownload(port, uiPort, opts);
  log(`Temporal CLI: ${cli.path} (from ${cli.source})`);

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  args.push(...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']));
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  // Diagnostics: a fixed port for the server's Prometheus metrics (otherwise the CLI picks a random one).
  if (process.env.TEMPORAL_DEV_METRICS_PORT) args.push('--metrics-port', process.env.TEMPORAL_DEV_METRICS_PORT);
  if (opts.uiCodecEndpoint && uiPort) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  // All ours are keywords; the CLI spells the type "Keyword".
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=Keyword`);
  // No forced search-attribute cache refresh: the CLI registers ours with the namespace before it
  // serves, and a refresh on every read costs a metadata query per signal and visibility write.

  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const up = await Promise.race([waitForPort(HOST, port, 60_000), exited.then(() => false)]);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start on ${HOST}:${port}: ${stderr.trim() || 'no output'}`);
  }
  return {
    address: `${HOST}:${port}`,
    uiUrl: uiPort ? `http://${HOST}:${uiPort}` : undefined,
    source: cli.source,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Last resort on machines with internet and no Go: the SDK downloads the same dev server. */
async function startWithSdkDownload(port: number, uiPort: number | undefined, opts: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  opts.log?.('No Temporal CLI and no Go found: downloading the dev server through the Temporal SDK');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: HOST,
      port,
      namespace: opts.namespace ?? 'default',
      ui: uiPort !== undefined,
      uiPort,
      dbFilename: opts.dbFile,
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: opts.uiCodecEndpoint && uiPort ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [],
    },
  });
  return { address: env.address, uiUrl: uiPort ? `http://${HOST}:${uiPort}` : undefined, source: 'sdk-download', stop: () => env.teardown() };
}
