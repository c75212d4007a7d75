import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isListening, waitForPort } from '../dev/net';
import { findOrBuildTemporalCli } from '../dev/temporal-cli';
import { FAILURE_CONVERTER_PATH } from '../temporal/data-converter';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';

/**
 * The parts of the stack the chaos run kills and restarts, each a real OS
 * process: the Temporal dev server (history in a SQLite file, so a restart
 * keeps every workflow), the worker (dist/worker/main.js) and the API
 * (dist/api/main.js). Output goes to one log file per part, for repros.
 */
const HOST = '127.0.0.1';
// The built service, whether this module runs from dist/chaos or (under jest) from src/chaos.
const DIST = path.resolve(__dirname, '..', '..', 'dist');

export interface ProcessExit {
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines of output before it ended. */
  tail: string;
}

/** A child process we start, kill and start again; exits we did not cause are recorded. */
abstract class Restartable {
  protected child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private tail = '';
  private log: WriteStream;
  private stopped = false;
  /** Exits nobody asked for (crashes). */
  readonly crashes: ProcessExit[] = [];
  /** Fatal log lines (a part that gave up but kept running). */
  readonly fatalLines: string[] = [];
  starts = 0;

  constructor(
    readonly name: string,
    logFile: string,
    /** Called after an exit we did not cause, once the part was started again. */
    private readonly onCrash: (exit: ProcessExit) => void = () => undefined,
  ) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  protected abstract spawnChild(): ChildProcess;
  protected abstract waitReady(child: ChildProcess): Promise<void>;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running()) return;
    this.starts += 1;
    this.expectingExit = false;
    this.log.write(`\n===== ${new Date().toISOString()} start #${this.starts} of ${this.name} =====\n`);
    const child = this.spawnChild();
    this.child = child;
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      this.log.write(text);
      this.tail = (this.tail + text).slice(-6_000);
      for (const line of text.split('\n')) if (line.includes('"level":60')) this.fatalLines.push(line.slice(0, 2_000));
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.log.write(`\n===== ${new Date().toISOString()} ${this.name} exited (code ${code}, signal ${signal}) =====\n`);
        if (!this.expectingExit && !this.stopped) {
          const exit: ProcessExit = { at: Date.now(), code, signal, tail: this.tail.slice(-3_000) };
          this.crashes.push(exit);
          // A supervisor (systemd, Kubernetes) would start it again: so do we.
          void sleep(1_000).then(async () => {
            if (this.stopped || this.running()) return;
            await this.start().catch(() => undefined);
            this.onCrash(exit);
          });
        }
        resolve();
      });
    });
    try {
      await this.waitReady(child);
    } catch (err) {
      await this.kill('SIGKILL');
      throw err;
    }
  }

  /** Sends the signal and waits for the exit (SIGKILL after 15 s if it does not go). */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    this.expectingExit = true;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stops for good: no restart after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.kill('SIGTERM');
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  output(): string {
    return this.tail;
  }
}

export interface ServiceProcessOptions {
  name: 'worker' | 'api';
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** The API's URL (readiness is its /healthz answering); absent for the worker. */
  healthUrl?: string;
  onCrash?: (exit: ProcessExit) => void;
}

/** dist/worker/main.js or dist/api/main.js as a child process. */
export class ServiceProcess extends Restartable {
  private readonly script: string;

  constructor(private readonly o: ServiceProcessOptions) {
    super(o.name, o.logFile, o.onCrash);
    this.script = path.join(DIST, o.name, 'main.js');
    if (!existsSync(this.script)) throw new Error(`${this.script} is missing: run "npm run build" first`);
  }

  protected spawnChild(): ChildProcess {
    return spawn(process.execPath, [this.script], { env: this.o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  protected async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited while starting:\n${this.output().slice(-2_000)}`);
      if (this.o.healthUrl) {
        const ok = await fetch(this.o.healthUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
        if (ok) return;
      } else if (this.output().includes('"msg":"worker running"')) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not become ready in 90 s:\n${this.output().slice(-2_000)}`);
  }
}

export interface TemporalServerOptions {
  port: number;
  dbFile: string;
  namespace: string;
  logFile: string;
  onCrash?: (exit: ProcessExit) => void;
}

/**
 * `temporal server start-dev` on a fixed port and SQLite file, started here
 * (not through src/dev/dev-server.ts) because the run needs its PID to kill
 * it with SIGKILL and start it again on the same file and port.
 */
export class TemporalServer extends Restartable {
  private cliPath: string | undefined;

  constructor(private readonly o: TemporalServerOptions) {
    super('temporal', o.logFile, o.onCrash);
  }

  get address(): string {
    return `${HOST}:${this.o.port}`;
  }

  async resolveCli(log: (line: string) => void): Promise<string> {
    const cli = await findOrBuildTemporalCli(log);
    if (!cli) throw new Error('The chaos run needs the Temporal CLI to restart the dev server: run "npm run temporal-cli" (needs Go) or set TEMPORAL_CLI');
    this.cliPath = cli.path;
    return cli.path;
  }

  protected spawnChild(): ChildProcess {
    if (!this.cliPath) throw new Error('resolveCli() first');
    mkdirSync(path.dirname(this.o.dbFile), { recursive: true });
    const args = ['server', 'start-dev', '--ip', HOST, '--port', String(this.o.port), '--namespace', this.o.namespace];
    args.push('--headless', '--log-level', 'warn', '--db-filename', this.o.dbFile);
    for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=Keyword`);
    return spawn(this.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  protected async waitReady(child: ChildProcess): Promise<void> {
    const up = await Promise.race([
      waitForPort(HOST, this.o.port, 60_000),
      new Promise<false>((resolve) => child.once('exit', () => resolve(false))),
    ]);
    if (!up) throw new Error(`Temporal dev server did not start on ${this.address}:\n${this.output().slice(-2_000)}`);
  }

  async listening(): Promise<boolean> {
    return isListening(HOST, this.o.port);
  }
}

/**
 * Bundles the workflow code once per run, so each restarted worker starts in
 * a second or two instead of running webpack again (and eating the CPU the
 * rest of the stack needs). Bundles must carry the failure converter.
 */
export async function buildWorkflowBundle(file: string): Promise<string> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(DIST, 'workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
  return file;
}

/**
 * Activities (scheduled or running) of all open workflows, read from the
 * Temporal server. A worker killed while one runs leaves it to its
 * start-to-close (or heartbeat) timeout, so a quiet kill waits for zero.
 */
export async function activitiesInFlight(address: string, namespace: string): Promise<number> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const service = connection.workflowService;
    let count = 0;
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await service.listOpenWorkflowExecutions({ namespace, maximumPageSize: 500, nextPageToken });
      for (const e of page.executions) {
        if (!e.execution) continue;
        const d = await service.describeWorkflowExecution({ namespace, execution: e.execution });
        count += d.pendingActivities.length;
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return count;
  } finally {
    await connection.close();
  }
}

export interface HistoryTally {
  workflows: number;
  /** Activity attempts that ran out of time (start-to-close or heartbeat): mostly ones lost with a killed worker or in transit. */
  activityTimeouts: number;
  /** Workflow tasks that timed out: a killed worker's sticky queue, or an overloaded worker. */
  workflowTaskTimeouts: number;
}

/** Counts timeouts over every workflow history of the run (event types only; payloads stay encrypted). */
export async function tallyHistories(address: string, namespace: string): Promise<HistoryTally> {
  const T = temporal.api.enums.v1.EventType;
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  const tally: HistoryTally = { workflows: 0, activityTimeouts: 0, workflowTaskTimeouts: 0 };
  try {
    const service = connection.workflowService;
    let listToken: Uint8Array | undefined;
    do {
      const page = await service.listWorkflowExecutions({ namespace, pageSize: 500, nextPageToken: listToken });
      for (const e of page.executions) {
        if (!e.execution) continue;
        tally.workflows += 1;
        let historyToken: Uint8Array | undefined;
        do {
          const h = await service.getWorkflowExecutionHistory({ namespace, execution: e.execution, nextPageToken: historyToken });
          for (const ev of h.history?.events ?? []) {
            // Retried attempts leave no event of their own: the started event of the next attempt carries the last failure.
            if (ev.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED && ev.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo) {
              tally.activityTimeouts += 1;
            }
            if (ev.eventType === T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) tally.activityTimeouts += 1;
            if (ev.eventType === T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) tally.workflowTaskTimeouts += 1;
          }
          historyToken = h.nextPageToken?.length ? h.nextPageToken : undefined;
        } while (historyToken);
      }
      listToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (listToken);
    return tally;
  } finally {
    await connection.close();
  }
}
