import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time by process group (our worker, the API, the Temporal server,
 * PostgreSQL, the driver with the simulator), from /proc, so a phase can say
 * where its CPU went. On a 2-core machine CPU is what limits throughput.
 */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for, ticks. */
  children: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may contain spaces: split after the last ')'.
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const f = raw.slice(close + 2).split(' ');
    // Fields after comm start at field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    const at = (field: number) => Number(f[field - 3]);
    return { pid, ppid: at(4), comm, own: at(14) + at(15), children: at(16) + at(17) };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** CPU seconds of a process and its descendants (live ones, plus exited children it waited for). */
function treeSeconds(root: number, stats: ProcStat[]): number {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return NaN;
  let ticks = rootStat.children;
  const queue = [rootStat];
  while (queue.length) {
    const s = queue.pop()!;
    ticks += s.own;
    queue.push(...(byParent.get(s.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

export type CpuGroups = Record<string, () => number | undefined>;

/** CPU seconds per group now; a group whose root pid is unknown is left out. */
export function cpuSnapshot(groups: CpuGroups): Record<string, number> {
  const stats = allStats();
  const out: Record<string, number> = {};
  for (const [name, root] of Object.entries(groups)) {
    const pid = root();
    if (pid === undefined) continue;
    const seconds = pid === process.pid ? ownSeconds() : treeSeconds(pid, stats);
    if (Number.isFinite(seconds)) out[name] = seconds;
  }
  return out;
}

/** The driver's own CPU (not its children, which are groups of their own). */
function ownSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Pid of a direct child of this process with the given command name (the Temporal dev server). */
export function childByName(comm: string): number | undefined {
  return allStats().find((s) => s.ppid === process.pid && s.comm === comm)?.pid;
}

export function pidFromFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function diffSeconds(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (before[k] !== undefined) out[k] = v - before[k]!;
  return out;
}

/**
 * Waits until the measured processes are nearly idle (under `idleShare` of one
 * core for two samples in a row, at most `maxMs`), so work a phase left behind
 * (timeouts of finished activities, PostgreSQL's background writes) does not
 * land in the next phase's figures. Returns how long it waited.
 */
export async function settle(groups: CpuGroups, opts: { idleShare?: number; sampleMs?: number; maxMs?: number } = {}): Promise<number> {
  const idleShare = opts.idleShare ?? 0.1;
  const sampleMs = opts.sampleMs ?? 1000;
  const maxMs = opts.maxMs ?? 60_000;
  const started = Date.now();
  let quiet = 0;
  let before = cpuSnapshot(groups);
  while (Date.now() - started < maxMs && quiet < 2) {
    await new Promise((r) => setTimeout(r, sampleMs));
    const now = cpuSnapshot(groups);
    const used = Object.values(diffSeconds(now, before)).reduce((a, b) => a + b, 0);
    quiet = used < (idleShare * sampleMs) / 1000 ? quiet + 1 : 0;
    before = now;
  }
  return Date.now() - started;
}
