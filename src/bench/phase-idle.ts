import { apiSink } from './api-sink';
import { RssSampler } from './child';
import { collectCreatio, connectOrg, type BenchContext } from './context';
import { drive } from './drive';
import type { IdleResult } from './results';
import { planIdleConversation } from './schedule';
import { watchSimulator } from './sim-watch';
import { CompletionTracker } from './tracker';

/**
 * Many open idle conversations: each gets a case and one message through the
 * API, then nothing more. Our worker's RSS is read once they are all open and
 * again after a settle time; the workflow cache size is what bounds it.
 */
export async function runIdle(ctx: BenchContext, count: number): Promise<IdleResult> {
  const { stack, opts } = ctx;
  const orgId = 'idle-every';
  await connectOrg(ctx, orgId, false);
  const plans = Array.from({ length: count }, (_, i) => planIdleConversation(orgId, 'idle', i));
  const tracker = new CompletionTracker();
  const unwatch = watchSimulator(stack.sim, plans, tracker);
  const errorLinesBefore = stack.worker.errorLines + stack.apiChild.errorLines;
  const rss = new RssSampler(stack.worker.pid, 500);
  rss.start();
  let lastReport = Date.now();
  const progress = setInterval(() => {
    if (Date.now() - lastReport < 30_000) return;
    lastReport = Date.now();
    ctx.log(`    idle: ${tracker.completedCount()}/${count} open, worker RSS ${stack.worker.memory()?.rssMiB.toFixed(0) ?? '?'} MiB`);
  }, 5_000);
  const result = await drive(plans, apiSink(stack.api), tracker, { concurrency: opts.concurrency, gapMs: 0, timeoutMs: opts.conversationTimeoutMs });
  clearInterval(progress);
  unwatch();
  const afterOpen = stack.worker.memory();
  await new Promise((r) => setTimeout(r, opts.idleSettleMs));
  const rssPeakMiB = rss.stop();
  const afterSettle = stack.worker.memory();
  const status = await collectCreatio(ctx);
  const errorDetail: string[] = [...result.errorSamples];
  let running: number | undefined;
  let failed = 0;
  try {
    running = (await stack.temporal.workflow.count(`WorkflowType = "conversationSync" AND ExecutionStatus = "Running" AND CreatioOrgId = "${orgId}"`)).count;
    failed = (await stack.temporal.workflow.count(`WorkflowType = "conversationSync" AND ExecutionStatus = "Failed"`)).count;
  } catch (err) {
    errorDetail.push(`visibility count failed: ${String(err)}`);
  }
  const creatio = ctx.totals.byOrg[orgId] ?? {};
  const creatioFailed = Object.values(creatio).reduce((s, c) => s + c.failed, 0);
  const logErrors = stack.worker.errorLines + stack.apiChild.errorLines - errorLinesBefore;
  if (result.timedOut) errorDetail.push(`${result.timedOut} conversations not readable within ${opts.conversationTimeoutMs} ms`);
  if (creatioFailed) errorDetail.push(`${creatioFailed} Creatio requests failed`);
  if (failed) errorDetail.push(`${failed} failed workflows`);
  if (logErrors) errorDetail.push(`${logErrors} error log lines`);
  return {
    conversations: count,
    completed: result.completed,
    openSeconds: (result.endedAt - result.startedAt) / 1000,
    cache: opts.workerCache,
    rssPeakMiB,
    rssAfterOpenMiB: afterOpen?.rssMiB ?? NaN,
    rssAfterSettleMiB: afterSettle?.rssMiB ?? NaN,
    hwmMiB: afterSettle?.hwmMiB ?? NaN,
    settleMs: opts.idleSettleMs,
    cachedWorkflows: status?.numCachedWorkflows,
    running,
    errors: result.requestErrors + result.timedOut + creatioFailed + failed + logErrors,
    errorDetail,
    creatio,
  };
}
