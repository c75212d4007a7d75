import path from 'node:path';
import { conversationWorkflowId } from '../workflows/ids';
import { apiSink } from './api-sink';
import { RssSampler } from './child';
import { collectCreatio, connectOrg, type BenchContext } from './context';
import type { ClassCount, RequestClass } from './creatio-stats';
import { cpuSnapshot, diffSeconds } from './cpu';
import { drive } from './drive';
import { historyStats, sample, saveHistory } from './histories';
import { phaseErrors, phaseFigures, runningCount, type OurCreatio, type PhaseResult } from './results';
import { planConversation, scenarioName, type ScenarioSpec } from './schedule';
import { watchSimulator } from './sim-watch';
import { diffCounts } from './stats';
import { CompletionTracker } from './tracker';

/** Our service on one scenario: through the HTTP API, readable when the activity is committed in the simulator. */
export async function runOurs(ctx: BenchContext, spec: ScenarioSpec, orgPrefix = 'ours'): Promise<PhaseResult> {
  const { stack, opts } = ctx;
  const scenario = scenarioName(spec.mode, spec.pattern);
  const orgId = `${orgPrefix}-${spec.mode}-${spec.pattern}`;
  await connectOrg(ctx, orgId, spec.mode === 'handoff-only');
  const plans = Array.from({ length: spec.conversations }, (_, i) => planConversation(spec, orgId, scenario, i));
  const tracker = new CompletionTracker();
  const unwatch = watchSimulator(stack.sim, plans, tracker);
  await collectCreatio(ctx);
  const simBefore = stack.sim.requestCounts();
  const errorLinesBefore = stack.worker.errorLines + stack.apiChild.errorLines;
  const rss = new RssSampler(stack.worker.pid);
  rss.start();
  const cpuBefore = cpuSnapshot(stack.cpuGroups);
  const result = await drive(plans, apiSink(stack.api), tracker, {
    concurrency: Math.min(opts.concurrency, spec.conversations),
    gapMs: spec.pattern === 'spaced' ? opts.gapMs : 0,
    timeoutMs: opts.conversationTimeoutMs,
  });
  const cpu = diffSeconds(cpuSnapshot(stack.cpuGroups), cpuBefore);
  const rssPeakMiB = rss.stop();
  unwatch();
  await collectCreatio(ctx);
  const sim = diffCounts(stack.sim.requestCounts(), simBefore);

  const ids = sample(plans, opts.historySample).map((p) => conversationWorkflowId(orgId, p.conversationId));
  const history = await historyStats(stack.temporal, ids);
  // One real history per scenario, kept with the run's data for reading where the events come from.
  await saveHistory(stack.temporal, conversationWorkflowId(orgId, plans[0]!.conversationId), path.join(opts.dataDir, 'histories', `${orgId}.json`)).catch(() => undefined);
  const creatio = ourCreatio(ctx, orgId, spec, result.completed);
  const logErrors = stack.worker.errorLines + stack.apiChild.errorLines - errorLinesBefore;
  return {
    impl: 'ours',
    scenario,
    spec,
    drive: result,
    ...phaseFigures(result, tracker),
    cpu,
    history,
    creatio,
    sim,
    rssPeakMiB,
    ...phaseErrors({ drive: result, creatioFailed: creatio.failed, history, logErrors, logSamples: [...stack.worker.errorSamples, ...stack.apiChild.errorSamples] }),
    stillRunning: await runningCount(stack.temporal, `CreatioOrgId = "${orgId}"`),
  };
}

const PER_CONVERSATION_EXCLUDED: ReadonlySet<RequestClass> = new Set(['token', 'lookupReads']);

function ourCreatio(ctx: BenchContext, orgId: string, spec: ScenarioSpec, completed: number): OurCreatio {
  const byClass = ctx.totals.byOrg[orgId] ?? {};
  const failed = Object.values(byClass).reduce((s, c: ClassCount) => s + c.failed, 0);
  const prefix = conversationWorkflowId(orgId, '');
  const perWorkflow = Object.entries(ctx.totals.byWorkflow)
    .filter(([id]) => id.startsWith(prefix))
    .map(([, classes]) => sumExcept(classes));
  // Conversations that made no request at all count as zero.
  while (perWorkflow.length < spec.conversations) perWorkflow.push(0);
  const writes = ctx.totals.byOrgActivity[orgId]?.writeToCase ?? {};
  const messages = spec.messages * Math.max(1, completed);
  return {
    byClass,
    perConversationMean: perWorkflow.reduce((a, b) => a + b, 0) / Math.max(1, spec.conversations),
    perConversationMax: perWorkflow.reduce((a, b) => Math.max(a, b), 0),
    writeRequestsPerMessage: sumExcept(writes) / messages,
    failed,
  };
}

function sumExcept(classes: Partial<Record<RequestClass, number>>): number {
  return Object.entries(classes).reduce((s, [cls, n]) => (PER_CONVERSATION_EXCLUDED.has(cls as RequestClass) ? s : s + (n ?? 0)), 0);
}
