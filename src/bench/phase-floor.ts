import path from 'node:path';
import { RssSampler } from './child';
import type { BenchContext } from './context';
import { cpuSnapshot, diffSeconds } from './cpu';
import { drive, type Sink } from './drive';
import type { floorConversation, FloorInput } from './floor-workflows';
import { historyStats, sample, saveHistory } from './histories';
import { phaseErrors, phaseFigures, runningCount, type PhaseResult } from './results';
import { planConversation, scenarioName, type ConversationPlan, type ScenarioSpec } from './schedule';
import { CompletionTracker } from './tracker';

/**
 * The Temporal floor on one scenario: the driver signals-with-start the floor
 * workflow directly (one signal per request of the pattern), readable when
 * the no-op activity covering a message has run.
 */
export async function runFloor(ctx: BenchContext, spec: ScenarioSpec): Promise<PhaseResult> {
  const { stack, opts } = ctx;
  const scenario = scenarioName(spec.mode, spec.pattern);
  const plans = Array.from({ length: spec.conversations }, (_, i) => planConversation(spec, 'floor', scenario, i));
  const workflowId = (p: ConversationPlan) => `bench-floor/${spec.mode}/${spec.pattern}/${p.conversationId}`;
  const tracker = new CompletionTracker();
  const off = stack.floorWorker.onMessage((m) => {
    if (m.type !== 'floor') return;
    for (const w of m.writes) for (let seq = w.from; seq <= w.to; seq++) tracker.readable(w.key, seq, w.at);
    for (const r of m.resolves) tracker.resolved(r.key, r.at);
  });
  const sink: Sink = {
    async send(plan, events) {
      const input: FloorInput = {
        key: plan.key,
        writableFrom: plan.writableFrom,
        lastWriteSeq: plan.lastWriteSeq,
        resolveSeq: plan.resolveSeq,
        maxPerWrite: 100,
      };
      await stack.temporal.workflow.signalWithStart<typeof floorConversation, [{ upTo: number }]>('floorConversation', {
        workflowId: workflowId(plan),
        taskQueue: stack.floorTaskQueue,
        args: [input],
        signal: 'upTo',
        signalArgs: [{ upTo: events[events.length - 1]!.seq }],
      });
      return { ok: true, acceptedAt: Date.now() };
    },
  };
  const errorLinesBefore = stack.floorWorker.errorLines;
  const rss = new RssSampler(stack.floorWorker.pid);
  rss.start();
  const cpuBefore = cpuSnapshot(stack.cpuGroups);
  const result = await drive(plans, sink, tracker, {
    concurrency: Math.min(opts.concurrency, spec.conversations),
    gapMs: spec.pattern === 'spaced' ? opts.gapMs : 0,
    timeoutMs: opts.conversationTimeoutMs,
  });
  const cpu = diffSeconds(cpuSnapshot(stack.cpuGroups), cpuBefore);
  const rssPeakMiB = rss.stop();
  off();
  const history = await historyStats(stack.temporal, sample(plans, opts.historySample).map(workflowId));
  await saveHistory(stack.temporal, workflowId(plans[0]!), path.join(opts.dataDir, 'histories', `floor-${spec.mode}-${spec.pattern}.json`)).catch(() => undefined);
  return {
    impl: 'floor',
    scenario,
    spec,
    drive: result,
    ...phaseFigures(result, tracker),
    cpu,
    history,
    sim: {},
    rssPeakMiB,
    ...phaseErrors({ drive: result, history, logErrors: stack.floorWorker.errorLines - errorLinesBefore, logSamples: stack.floorWorker.errorSamples }),
    stillRunning: await runningCount(stack.temporal, `WorkflowType = "floorConversation"`),
  };
}
