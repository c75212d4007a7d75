import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collectCreatio, newContext } from './context';
import { settle } from './cpu';
import { describeMachine, loadNow } from './machine';
import { HelpRequested, parseOptions, type BenchOptions } from './options';
import { repoRoot } from './paths';
import { runFloor } from './phase-floor';
import { runIdle } from './phase-idle';
import { runNaive } from './phase-naive';
import { runOurs } from './phase-ours';
import { formatReport, scenarioSection, type RunReport } from './report';
import type { IdleResult, PhaseResult } from './results';
import { startBenchStack } from './stack';
import { checkTargets, type ScenarioResults } from './targets';

/**
 * `npm run bench [-- flags]`: starts the embedded stack, drives our service,
 * the Temporal floor and the naive implementation through the same
 * scenarios, prints the report and appends it to bench/results.md.
 */
const TOKEN_LIFETIME_SECONDS = 3600;

export interface BenchOutput {
  report: RunReport;
  markdown: string;
}

export async function runBenchmark(opts: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchOutput> {
  const root = repoRoot();
  const machine = describeMachine(root);
  const started = Date.now();
  log(`Starting the stack (dev server, PostgreSQL in ${opts.dataDir}, worker, floor worker, API)...`);
  const stack = await startBenchStack(opts, root, log);
  const stopOnSignal = () => {
    log('Interrupted: stopping the stack...');
    void stack.stop().finally(() => process.exit(130));
  };
  // Ctrl+C, or a kill: either way the dev server, PostgreSQL and the children go too.
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const ctx = newContext(stack, opts, log);
  const scenarios: ScenarioResults[] = [];
  const probe: PhaseResult[] = [];
  const settleMs: number[] = [];
  let idle: IdleResult | undefined;
  let report: RunReport;
  let markdown: string;
  try {
    if (!opts.idleOnly) {
      for (const mode of opts.modes) {
        for (const pattern of opts.patterns) {
          const spec = { mode, pattern, conversations: opts.conversations, messages: opts.messages, burstRequests: opts.burstRequests };
          // Each phase starts on a quiet machine (see settle).
          const quiet = async () => {
            const ms = await settle(stack.cpuGroups);
            settleMs.push(ms);
          };
          log(`Scenario ${mode}/${pattern}: ours...`);
          await quiet();
          const ours = await runOurs(ctx, spec);
          let floor: PhaseResult | undefined;
          let naive: PhaseResult | undefined;
          if (opts.references) {
            log(`Scenario ${mode}/${pattern}: floor...`);
            await quiet();
            floor = await runFloor(ctx, spec);
            log(`Scenario ${mode}/${pattern}: naive...`);
            await quiet();
            naive = await runNaive(ctx, spec);
          }
          scenarios.push({ ours, floor, naive });
          // Shown as soon as it is known: a long run is followed (and a failure later loses nothing seen).
          log(scenarioSection({ ours, floor, naive }));
        }
      }
      if (opts.probeMessages > 0) {
        for (const mode of opts.modes) {
          for (const pattern of opts.patterns) {
            log(`History probe ${mode}/${pattern}: one conversation of ${opts.probeMessages} messages...`);
            probe.push(await runOurs(ctx, { mode, pattern, conversations: 1, messages: opts.probeMessages, burstRequests: opts.burstRequests }, 'probe'));
          }
        }
      }
    }
    if (opts.idleOpen > 0) {
      log(`Opening ${opts.idleOpen} idle conversations...`);
      idle = await runIdle(ctx, opts.idleOpen);
    }
    await collectCreatio(ctx);
    // The report is made before the stack stops, so a failure while stopping cannot lose a long run.
    const seconds = (Date.now() - started) / 1000;
    const tokens = {
      total: Object.values(ctx.totals.byOrg).reduce((s, classes) => s + (classes.token?.n ?? 0), 0),
      connections: ctx.connections.length,
      workers: 1,
      seconds,
      lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    };
    report = {
      opts,
      machine,
      settings: stack.settings,
      seconds,
      loadEnd: loadNow(),
      scenarios,
      probe,
      idle,
      tokens,
      targets: checkTargets(scenarios, probe, tokens, idle),
      settleMs,
    };
    markdown = formatReport(report);
    if (opts.resultsFile) appendResults(opts.resultsFile, markdown);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    log('Stopping the stack...');
    await stack.stop();
  }
  return { report, markdown };
}

function appendResults(file: string, markdown: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(file, '# Benchmark results\n\nAppended by `npm run bench` (src/bench/). Newest last.\n\n');
  }
  appendFileSync(file, markdown + '\n');
}

/** Parses arguments, runs, prints. Returns the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(argv, env, repoRoot());
  } catch (err) {
    out(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof HelpRequested ? 0 : 2;
  }
  const { markdown } = await runBenchmark(opts, (line) => out(line + '\n'));
  out('\n' + markdown + '\n');
  if (opts.resultsFile) out(`Appended to ${opts.resultsFile}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
