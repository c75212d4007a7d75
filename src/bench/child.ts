import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CreatioStats } from './creatio-stats';
import type { ChildMessage, ParentMessage, WorkerStatusReport } from './ipc';

/**
 * A child process of the benchmark (our worker, the floor worker, the API):
 * started with an IPC channel, its output kept (tail) and its error log lines
 * counted, its memory read from /proc/<pid>/status.
 */
export interface Memory {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size of the process's life (VmHWM), MiB. */
  hwmMiB: number;
}

export function readMemory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export class BenchChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Log lines at error level or worse (pino level ≥ 50) and uncaught errors. */
  errorLines = 0;
  /** The latest error lines (a few), for the report. */
  readonly errorSamples: string[] = [];
  private tail = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Extract<ChildMessage, { type: 'stats' }>) => void>();
  private readonly listeners = new Set<(m: ChildMessage) => void>();

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    // BENCH_CPU_PROF_DIR: write a V8 CPU profile of each child to that folder (for finding hot spots).
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const args = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name.replace(/\W+/g, '-')}-%p.cpuprofile`, script] : [script];
    this.child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      this.tail = (this.tail + text).slice(-8000);
      for (const line of text.split('\n')) {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if ((level && Number(level) >= 50) || /^(Error|TypeError|RangeError|Unhandled)/.test(line)) {
          this.errorLines++;
          this.errorSamples.push(line.slice(0, 300));
          if (this.errorSamples.length > 3) this.errorSamples.shift();
        }
      }
    };
    this.child.stdout?.on('data', onOutput);
    this.child.stderr?.on('data', onOutput);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.on('message', (m: ChildMessage) => {
      if (m.type === 'stats') this.waiting.get(m.id)?.(m);
      for (const l of this.listeners) l(m);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  output(): string {
    return this.tail;
  }

  onMessage(listener: (m: ChildMessage) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Resolves when the child says it is ready; rejects if it exits first. */
  async ready(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail}`)), timeoutMs);
      const off = this.onMessage((m) => {
        if (m.type !== 'ready') return;
        clearTimeout(timer);
        off();
        resolve();
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.tail}`));
      });
    });
  }

  async takeStats(): Promise<{ creatio: CreatioStats; worker?: WorkerStatusReport }> {
    const id = this.nextId++;
    const reply = new Promise<Extract<ChildMessage, { type: 'stats' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not answer for stats`)), 30_000);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(m);
      });
    });
    this.child.send({ type: 'take-stats', id } satisfies ParentMessage);
    const m = await reply;
    return { creatio: m.creatio, worker: m.worker };
  }

  memory(): Memory | undefined {
    return readMemory(this.pid);
  }

  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Samples a process's RSS while a phase runs; VmHWM cannot be reset, so phases use the sampled maximum. */
export class RssSampler {
  private max = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.max = readMemory(this.pid)?.rssMiB ?? 0;
    this.timer = setInterval(() => {
      const m = readMemory(this.pid);
      if (m && m.rssMiB > this.max) this.max = m.rssMiB;
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): number {
    clearInterval(this.timer);
    const m = readMemory(this.pid);
    return Math.max(this.max, m?.rssMiB ?? 0);
  }
}
