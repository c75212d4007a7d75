import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The machine a run was measured on, for the results file. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  loadStart: number[];
  revision: string;
}

export function describeMachine(root: string): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadStart: os.loadavg(),
    revision: sourceRevision(root),
  };
}

export function loadNow(): number[] {
  return os.loadavg();
}

export function formatLoad(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(' / ');
}

/** The commit measured, and whether src/ had uncommitted changes (the build includes them). */
export function sourceRevision(root: string): string {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = run(['rev-parse', '--short', 'HEAD']);
    const dirty = run(['status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).length;
    return dirty ? `${head} + ${dirty} uncommitted change(s) under src/ (built as found)` : head;
  } catch {
    return 'unknown (no git)';
  }
}
