import path from 'node:path';

/**
 * Benchmark parameters from command-line flags, then BENCH_* environment
 * variables, then defaults small enough for a quick run.
 */
export type Mode = 'every' | 'handoff-only';
export type Pattern = 'spaced' | 'bursts';

export interface BenchOptions {
  /** N: conversations per scenario. */
  conversations: number;
  /** M: messages per conversation. */
  messages: number;
  /** C: conversations in flight at once. */
  concurrency: number;
  modes: Mode[];
  patterns: Pattern[];
  /** Spaced pattern: pause after each accepted request of a conversation. */
  gapMs: number;
  /** Bursts pattern: a conversation's messages go in this many requests. */
  burstRequests: number;
  /** Also run the Temporal floor and the naive direct implementation. */
  references: boolean;
  /** Conversations left open and idle after the scenarios (0: skip). */
  idleOpen: number;
  /** Only the idle-open measurement (the 10,000-open-conversations run). */
  idleOnly: boolean;
  /** Wait after the idle conversations are open before reading RSS. */
  idleSettleMs: number;
  /** History probe: one conversation of this many messages per mode and pattern (0: skip). */
  probeMessages: number;
  /** Histories fetched per scenario (evenly spread); 0 = all. */
  historySample: number;
  /** WORKER_MAX_CACHED_WORKFLOWS of our worker (and the floor's). */
  workerCache: number;
  /** CREATIO_MAX_CONCURRENCY of our worker. */
  creatioConcurrency: number;
  /** A conversation not complete this long after its first request counts as an error. */
  conversationTimeoutMs: number;
  dataDir: string;
  /** Where the report is appended; null: print only. */
  resultsFile: string | null;
  /** Use this Temporal server instead of starting a dev server. */
  temporalAddress?: string;
  /** Prebuilt bundle of the conversation workflow (else the worker bundles at start). */
  workflowBundlePath?: string;
  /** Use a fresh database on this PostgreSQL server (admin URL) instead of the embedded one. */
  pgAdminUrl?: string;
  /** PostgreSQL with fsync off (throwaway data); default: PostgreSQL's durable defaults. */
  pgFast: boolean;
  /** Free text for the results file: what else ran on the machine. */
  note?: string;
  /** The command line, quoted in the results file. */
  command: string;
}

interface Spec {
  flag: string;
  env: string;
  help: string;
  apply(o: BenchOptions, value: string): void;
  /** Takes no value (--flag alone means true). */
  boolean?: boolean;
}

function int(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

function list<T extends string>(name: string, allowed: readonly T[]): (v: string) => T[] {
  return (v) => {
    const items = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (items.length === 0 || bad.length > 0) throw new Error(`${name} must be a comma-separated subset of ${allowed.join(', ')}, got "${v}"`);
    return [...new Set(items)] as T[];
  };
}

function bool(v: string): boolean {
  if (['1', 'true', 'yes', ''].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw new Error(`expected true/false, got "${v}"`);
}

const SPECS: Spec[] = [
  { flag: 'n', env: 'BENCH_N', help: 'conversations per scenario', apply: (o, v) => void (o.conversations = int('--n', 1)(v)) },
  { flag: 'm', env: 'BENCH_M', help: 'messages per conversation', apply: (o, v) => void (o.messages = int('--m', 1)(v)) },
  { flag: 'c', env: 'BENCH_C', help: 'conversations in flight at once', apply: (o, v) => void (o.concurrency = int('--c', 1)(v)) },
  { flag: 'modes', env: 'BENCH_MODES', help: 'every,handoff-only', apply: (o, v) => void (o.modes = list('--modes', ['every', 'handoff-only'] as const)(v)) },
  { flag: 'patterns', env: 'BENCH_PATTERNS', help: 'spaced,bursts', apply: (o, v) => void (o.patterns = list('--patterns', ['spaced', 'bursts'] as const)(v)) },
  { flag: 'gap-ms', env: 'BENCH_GAP_MS', help: 'spaced: pause between a conversation\'s requests', apply: (o, v) => void (o.gapMs = int('--gap-ms', 0)(v)) },
  { flag: 'burst-requests', env: 'BENCH_BURST_REQUESTS', help: 'bursts: requests per conversation', apply: (o, v) => void (o.burstRequests = int('--burst-requests', 1)(v)) },
  { flag: 'refs', env: 'BENCH_REFS', help: 'run the floor and naive references (default true)', boolean: true, apply: (o, v) => void (o.references = bool(v)) },
  { flag: 'idle-open', env: 'BENCH_IDLE_OPEN', help: 'idle open conversations measured at the end (0 = skip)', apply: (o, v) => void (o.idleOpen = int('--idle-open', 0)(v)) },
  { flag: 'idle-only', env: 'BENCH_IDLE_ONLY', help: 'only the idle-open run (default size 10000)', boolean: true, apply: (o, v) => void (o.idleOnly = bool(v)) },
  { flag: 'idle-settle-ms', env: 'BENCH_IDLE_SETTLE_MS', help: 'wait before reading idle RSS', apply: (o, v) => void (o.idleSettleMs = int('--idle-settle-ms', 0)(v)) },
  { flag: 'probe-m', env: 'BENCH_PROBE_M', help: 'history probe conversation size (0 = skip)', apply: (o, v) => void (o.probeMessages = int('--probe-m', 0)(v)) },
  { flag: 'history-sample', env: 'BENCH_HISTORY_SAMPLE', help: 'histories fetched per scenario (0 = all)', apply: (o, v) => void (o.historySample = int('--history-sample', 0)(v)) },
  { flag: 'cache', env: 'BENCH_WORKER_CACHE', help: 'WORKER_MAX_CACHED_WORKFLOWS', apply: (o, v) => void (o.workerCache = int('--cache', 1)(v)) },
  { flag: 'creatio-concurrency', env: 'BENCH_CREATIO_CONCURRENCY', help: 'CREATIO_MAX_CONCURRENCY', apply: (o, v) => void (o.creatioConcurrency = int('--creatio-concurrency', 1)(v)) },
  { flag: 'timeout-ms', env: 'BENCH_TIMEOUT_MS', help: 'per-conversation completion timeout', apply: (o, v) => void (o.conversationTimeoutMs = int('--timeout-ms', 1)(v)) },
  { flag: 'data-dir', env: 'BENCH_DATA_DIR', help: 'state of the run (emptied first)', apply: (o, v) => void (o.dataDir = path.resolve(v)) },
  { flag: 'results', env: 'BENCH_RESULTS', help: 'results file to append to ("-" = none)', apply: (o, v) => void (o.resultsFile = v === '-' ? null : path.resolve(v)) },
  { flag: 'temporal-address', env: 'BENCH_TEMPORAL_ADDRESS', help: 'use this Temporal server', apply: (o, v) => void (o.temporalAddress = v) },
  { flag: 'workflow-bundle', env: 'BENCH_WORKFLOW_BUNDLE', help: 'prebuilt workflow bundle', apply: (o, v) => void (o.workflowBundlePath = path.resolve(v)) },
  { flag: 'pg-admin-url', env: 'BENCH_PG_ADMIN_URL', help: 'fresh database on this server instead of the embedded one', apply: (o, v) => void (o.pgAdminUrl = v) },
  { flag: 'pg-fast', env: 'BENCH_PG_FAST', help: 'PostgreSQL with fsync off', boolean: true, apply: (o, v) => void (o.pgFast = bool(v)) },
  { flag: 'note', env: 'BENCH_NOTE', help: 'note for the results file', apply: (o, v) => void (o.note = v) },
];

export function defaultOptions(repoRoot: string): BenchOptions {
  return {
    conversations: 20,
    messages: 10,
    concurrency: 10,
    modes: ['every', 'handoff-only'],
    patterns: ['spaced', 'bursts'],
    gapMs: 50,
    burstRequests: 1,
    references: true,
    idleOpen: 100,
    idleOnly: false,
    idleSettleMs: 5_000,
    probeMessages: 200,
    historySample: 200,
    workerCache: 1000,
    creatioConcurrency: 8,
    conversationTimeoutMs: 300_000,
    dataDir: path.join(repoRoot, '.data', 'bench'),
    resultsFile: path.join(repoRoot, 'bench', 'results.md'),
    pgFast: false,
    command: 'npm run bench',
  };
}

export class HelpRequested extends Error {}

export function usage(): string {
  const lines = SPECS.map((s) => `  --${s.flag}${s.boolean ? '' : ' <value>'}`.padEnd(34) + `${s.env.padEnd(28)} ${s.help}`);
  return ['npm run bench -- [flags]   (each flag also as an environment variable)', ...lines].join('\n');
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv, repoRoot: string): BenchOptions {
  const o = defaultOptions(repoRoot);
  let idleOpenGiven = false;
  const fromEnv: string[] = [];
  for (const spec of SPECS) {
    const v = env[spec.env];
    if (v !== undefined) {
      spec.apply(o, v);
      fromEnv.push(`${spec.env}=${shellQuote(v)}`);
      if (spec.flag === 'idle-open') idleOpenGiven = true;
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new HelpRequested(usage());
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    const spec = m ? SPECS.find((s) => s.flag === m[2]) : undefined;
    if (!m || !spec) throw new Error(`unknown argument "${arg}"\n${usage()}`);
    let value: string;
    if (m[1]) {
      if (!spec.boolean) throw new Error(`--no-${spec.flag} is not a switch`);
      value = 'false';
    } else if (m[3] !== undefined) value = m[3];
    else if (spec.boolean) value = 'true';
    else {
      const next = argv[++i];
      if (next === undefined) throw new Error(`--${spec.flag} needs a value`);
      value = next;
    }
    spec.apply(o, value);
    if (spec.flag === 'idle-open') idleOpenGiven = true;
  }
  if (o.idleOnly && !idleOpenGiven) o.idleOpen = 10_000;
  if (o.idleOnly && o.idleOpen === 0) throw new Error('--idle-only needs --idle-open > 0');
  o.command = [...fromEnv, 'npm run bench', ...(argv.length ? ['--', ...argv.map(shellQuote)] : [])].join(' ');
  return o;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
