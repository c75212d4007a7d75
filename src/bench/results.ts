import type { Client } from '@temporalio/client';
import type { ClassCount, RequestClass } from './creatio-stats';
import type { DriveResult } from './drive';
import type { HistoryStats } from './histories';
import type { ScenarioSpec } from './schedule';
import { summarise, type LatencySummary } from './stats';
import type { CompletionTracker } from './tracker';

/** The figures of one implementation on one scenario. */
export type Impl = 'ours' | 'floor' | 'naive';

export interface OurCreatio {
  byClass: Partial<Record<RequestClass, ClassCount>>;
  /** Per conversation, tokens and the connection's one-off lookup reads excluded. */
  perConversationMean: number;
  perConversationMax: number;
  /** Requests made by writeToCase (lookups excluded) per message written. */
  writeRequestsPerMessage: number;
  failed: number;
}

export interface PhaseResult {
  impl: Impl;
  scenario: string;
  spec: ScenarioSpec;
  drive: DriveResult;
  seconds: number;
  convPerSec: number;
  msgPerSec: number;
  messagesReadable: number;
  latency: LatencySummary;
  earlyReads: number;
  /** Histories of a sample of the scenario's workflows. */
  history?: HistoryStats;
  creatio?: OurCreatio;
  /** Simulator request counts during the phase, by kind. */
  sim: Record<string, number>;
  /** CPU seconds by process group during the phase. */
  cpu: Record<string, number>;
  /** Peak RSS of the implementation's worker during the phase (sampled), MiB. */
  rssPeakMiB?: number;
  errors: number;
  /** What the errors were. */
  errorDetail: string[];
  /** The scenario's workflows still running after the phase (they should all have finished). */
  stillRunning?: number;
}

/** Error count and its breakdown, from everything a phase can see go wrong. */
export function phaseErrors(parts: {
  drive: DriveResult;
  creatioFailed?: number;
  history?: HistoryStats;
  logErrors?: number;
  logSamples?: readonly string[];
}): { errors: number; errorDetail: string[] } {
  const detail: string[] = [];
  const { drive } = parts;
  if (drive.requestErrors) detail.push(`${drive.requestErrors} failed requests (${drive.errorSamples.slice(0, 2).join('; ')})`);
  if (drive.timedOut) detail.push(`${drive.timedOut} conversations not complete in time`);
  if (parts.creatioFailed) detail.push(`${parts.creatioFailed} Creatio requests failed`);
  const failures = parts.history
    ? Object.entries(parts.history.byType).filter(([t]) => /Failed|TimedOut/.test(t) && !t.endsWith('(UnhandledCommand)'))
    : [];
  if (failures.length) detail.push(`in sampled histories: ${failures.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (parts.logErrors) detail.push(`${parts.logErrors} error log lines (latest: ${(parts.logSamples ?? []).slice(-1).join('')})`);
  const errors = drive.requestErrors + drive.timedOut + (parts.creatioFailed ?? 0) + (parts.history?.failures ?? 0) + (parts.logErrors ?? 0);
  return { errors, errorDetail: detail };
}

export function phaseFigures(drive: DriveResult, tracker: CompletionTracker): Pick<PhaseResult, 'seconds' | 'convPerSec' | 'msgPerSec' | 'messagesReadable' | 'latency' | 'earlyReads'> {
  const seconds = Math.max(0.001, (drive.endedAt - drive.startedAt) / 1000);
  const latencies = tracker.latencies();
  const messagesReadable = tracker.readableMessages();
  return {
    seconds,
    convPerSec: drive.completed / seconds,
    msgPerSec: messagesReadable / seconds,
    messagesReadable,
    latency: summarise(latencies),
    earlyReads: tracker.earlyReads,
  };
}

export interface IdleResult {
  conversations: number;
  completed: number;
  openSeconds: number;
  cache: number;
  rssPeakMiB: number;
  rssAfterOpenMiB: number;
  rssAfterSettleMiB: number;
  hwmMiB: number;
  settleMs: number;
  cachedWorkflows?: number;
  running?: number;
  errors: number;
  errorDetail: string[];
  creatio: Partial<Record<RequestClass, ClassCount>>;
}

/** Workflows matching the query that are still running (undefined when visibility cannot say). */
export async function runningCount(client: Client, query: string): Promise<number | undefined> {
  try {
    return (await client.workflow.count(`${query} AND ExecutionStatus = "Running"`)).count;
  } catch {
    return undefined;
  }
}
