import type { BenchContext } from './context';
import { cpuSnapshot, diffSeconds } from './cpu';
import { drive } from './drive';
import { naiveSink } from './naive-sink';
import { phaseErrors, phaseFigures, type PhaseResult } from './results';
import { planConversation, scenarioName, type ScenarioSpec } from './schedule';
import { watchSimulator } from './sim-watch';
import { diffCounts } from './stats';
import { CompletionTracker } from './tracker';

/** The naive direct implementation on one scenario (in the driver process, against the same simulator). */
export async function runNaive(ctx: BenchContext, spec: ScenarioSpec): Promise<PhaseResult> {
  const { stack, opts } = ctx;
  const scenario = scenarioName(spec.mode, spec.pattern);
  const orgId = `naive-${spec.mode}-${spec.pattern}`;
  const client = stack.sim.addClient({ clientId: `bench-${orgId}`, clientSecret: `naive-${Date.now()}-secret`, name: `Benchmark ${orgId}` });
  const plans = Array.from({ length: spec.conversations }, (_, i) => planConversation(spec, orgId, scenario, i));
  const tracker = new CompletionTracker();
  const unwatch = watchSimulator(stack.sim, plans, tracker);
  const sink = naiveSink(stack.sim, client, spec.mode, Math.max(16, opts.concurrency * 2));
  const simBefore = stack.sim.requestCounts();
  const cpuBefore = cpuSnapshot(stack.cpuGroups);
  const result = await drive(plans, sink, tracker, {
    concurrency: Math.min(opts.concurrency, spec.conversations),
    gapMs: spec.pattern === 'spaced' ? opts.gapMs : 0,
    timeoutMs: opts.conversationTimeoutMs,
  });
  const cpu = diffSeconds(cpuSnapshot(stack.cpuGroups), cpuBefore);
  unwatch();
  await sink.close();
  return {
    impl: 'naive',
    scenario,
    spec,
    drive: result,
    ...phaseFigures(result, tracker),
    cpu,
    sim: diffCounts(stack.sim.requestCounts(), simBefore),
    ...phaseErrors({ drive: result }),
  };
}
