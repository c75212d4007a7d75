import { setTimeout as sleep } from 'node:timers/promises';
import { faultPresets, type CreatioSimulator, type FaultRule } from '../creatio-sim';
import type { FaultKind, FaultStep } from './plan';
import type { ServiceProcess, TemporalServer } from './processes';

/**
 * Applies the planned faults at their times and counts them by kind. Process
 * faults kill a real OS process and start it again; Creatio faults are rules
 * in the simulators, labelled by kind so the requests they hit can be counted.
 */
export type CountedKind = FaultKind | 'case_deleted' | 'case_closed';

export const FAULT_LABELS: Record<CountedKind, string> = {
  worker_sigkill: 'worker killed (SIGKILL) and restarted',
  temporal_restart: 'Temporal dev server killed and restarted (same SQLite file and port)',
  api_restart: 'API killed and restarted',
  creatio_outage: 'Creatio outage window (503, HTML body)',
  rate_limited: 'Creatio 429 with Retry-After',
  slow_responses: 'Creatio slow responses window',
  commit_then_timeout: 'Creatio write committed, then timed out (connection dropped)',
  token_expiry: 'Creatio access tokens expired mid-run',
  case_deleted: 'case deleted in Creatio mid-conversation',
  case_closed: 'case closed in Creatio, then a new customer message',
};

export class FaultLedger {
  private readonly injected = new Map<CountedKind, number>();
  readonly timeline: string[] = [];

  constructor(private readonly startedAt: number) {}

  record(kind: CountedKind, note: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
    this.timeline.push(`t+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s ${kind}: ${note}`);
  }

  count(kind: CountedKind): number {
    return this.injected.get(kind) ?? 0;
  }
}

export interface FaultTargets {
  worker: ServiceProcess;
  api: ServiceProcess;
  temporal: TemporalServer;
  /** One simulated Creatio per org, in org order. */
  sims: CreatioSimulator[];
}

export function simLabel(kind: FaultKind): string {
  return `chaos-${kind}`;
}

/** Requests each Creatio fault kind actually hit, summed over the simulators. */
export function creatioHits(sims: readonly CreatioSimulator[]): Partial<Record<FaultKind, number>> {
  const out: Partial<Record<FaultKind, number>> = {};
  for (const sim of sims) {
    for (const [label, n] of Object.entries(sim.faultCounts())) {
      const kind = label.startsWith('chaos-') ? (label.slice('chaos-'.length) as FaultKind) : undefined;
      if (kind) out[kind] = (out[kind] ?? 0) + n;
    }
  }
  return out;
}

export interface FaultRunOptions {
  startedAt: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** For steps marked quiesce: stops new requests and waits (bounded) until nothing is in flight; returns the undo. */
  quiesce: () => Promise<() => void>;
}

/** Runs the schedule in order; resolves when every step is done or the signal aborts. */
export async function runFaultSchedule(steps: readonly FaultStep[], targets: FaultTargets, ledger: FaultLedger, o: FaultRunOptions): Promise<void> {
  for (const step of steps) {
    const wait = o.startedAt + step.atMs - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: o.signal }).catch(() => undefined);
    if (o.signal.aborted) return;
    const resume = step.quiesce ? await o.quiesce() : () => undefined;
    try {
      await applyFault(step, targets, ledger);
    } catch (err) {
      o.log(`  fault ${step.kind} failed to apply: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      resume();
    }
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function applyFault(step: FaultStep, t: FaultTargets, ledger: FaultLedger): Promise<void> {
  const sims = step.target === 'all' ? t.sims : [t.sims[step.target]!];
  const where = step.target === 'all' ? 'every Creatio' : `Creatio of org #${step.target + 1}`;
  const label = simLabel(step.kind);
  const addRule = (rule: FaultRule) => sims.forEach((s) => s.injectFaults({ ...rule, label }));

  switch (step.kind) {
    case 'worker_sigkill':
    case 'api_restart':
    case 'temporal_restart': {
      const part = step.kind === 'worker_sigkill' ? t.worker : step.kind === 'api_restart' ? t.api : t.temporal;
      const signal = step.signal ?? 'SIGKILL';
      const pid = part.pid;
      const began = Date.now();
      await part.kill(signal);
      await sleep(step.downMs ?? 1_000);
      await part.start();
      ledger.record(step.kind, `${signal} to pid ${pid ?? '?'}, up again after ${secs(Date.now() - began)} (pid ${part.pid ?? '?'})`);
      return;
    }
    case 'creatio_outage':
      addRule(faultPresets.outage({ durationMs: step.windowMs ?? 15_000 }));
      ledger.record(step.kind, `${where}, ${secs(step.windowMs ?? 15_000)}`);
      return;
    case 'rate_limited':
      addRule(faultPresets.rateLimited({ times: step.times ?? 10, retryAfterSeconds: step.retryAfterSeconds ?? 1 }));
      ledger.record(step.kind, `${where}, next ${step.times ?? 10} requests, Retry-After ${step.retryAfterSeconds ?? 1} s`);
      return;
    case 'slow_responses':
      addRule({ durationMs: step.windowMs ?? 15_000, latencyMs: step.latencyMs ?? 1_000 });
      ledger.record(step.kind, `${where}, +${step.latencyMs ?? 1_000} ms for ${secs(step.windowMs ?? 15_000)}`);
      return;
    case 'commit_then_timeout':
      // The outer $batch: every write in it commits, then the answer is held past the client's timeout and dropped.
      addRule({ kind: 'batch', times: step.times ?? 1, commitThenTimeout: { holdMs: step.holdMs ?? 10_000, then: 'drop' } });
      ledger.record(step.kind, `${where}, next ${step.times ?? 1} $batch writes held ${step.holdMs ?? 10_000} ms then dropped`);
      return;
    case 'token_expiry':
      sims.forEach((s) => s.expireTokens());
      ledger.record(step.kind, where);
      return;
  }
}
