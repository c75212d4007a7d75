import type { ConversationPlan, PlannedEvent } from './schedule';
import type { CompletionTracker } from './tracker';

/**
 * Drives conversations at a fixed concurrency: each of C slots sends one
 * conversation's requests in order (pausing gapMs after each accepted request
 * when spaced), waits until the conversation is complete where it is written,
 * then takes the next. The same driver runs our service, the Temporal floor
 * and the naive implementation, so they see the same arrival pattern.
 */
export interface Sink {
  /** Sends one request's events; returns when they count as accepted. */
  send(plan: ConversationPlan, events: PlannedEvent[]): Promise<SendResult>;
}

export type SendResult = { ok: true; acceptedAt: number } | { ok: false; error: string };

export interface DriveOptions {
  concurrency: number;
  gapMs: number;
  timeoutMs: number;
}

export interface DriveResult {
  startedAt: number;
  /** When the last conversation completed (or the drive gave up). */
  endedAt: number;
  conversations: number;
  completed: number;
  timedOut: number;
  requests: number;
  requestErrors: number;
  errorSamples: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function drive(plans: readonly ConversationPlan[], sink: Sink, tracker: CompletionTracker, o: DriveOptions): Promise<DriveResult> {
  for (const p of plans) tracker.add(p);
  const result: DriveResult = {
    startedAt: Date.now(),
    endedAt: 0,
    conversations: plans.length,
    completed: 0,
    timedOut: 0,
    requests: 0,
    requestErrors: 0,
    errorSamples: [],
  };
  const fail = (what: string) => {
    result.requestErrors++;
    if (result.errorSamples.length < 5) result.errorSamples.push(what);
  };

  let next = 0;
  async function slot(): Promise<void> {
    for (;;) {
      const plan = plans[next++];
      if (!plan) return;
      const deadline = Date.now() + o.timeoutMs;
      for (const [i, events] of plan.requests.entries()) {
        result.requests++;
        const sent = await sink.send(plan, events).catch((err: unknown): SendResult => ({ ok: false, error: String(err) }));
        if (sent.ok) tracker.accepted(plan.key, events.map((e) => e.seq), sent.acceptedAt);
        else fail(`${plan.key} request ${i + 1}: ${sent.error}`);
        if (o.gapMs > 0 && i < plan.requests.length - 1) await sleep(o.gapMs);
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        tracker.completion(plan.key).then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(0, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      if (timedOut) result.timedOut++;
      else result.completed++;
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, plans.length) }, slot));
  const done = tracker.completedAt();
  result.endedAt = done.length === plans.length ? done.reduce((a, b) => Math.max(a, b), 0) : Date.now();
  return result;
}
