import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

/**
 * Workflow history figures, from histories fetched through the Temporal
 * client: every run of each workflow (continue-as-new chains are followed
 * back from the latest run), events counted by type.
 */
export interface HistoryStats {
  workflows: number;
  runs: number;
  events: number;
  byType: Record<string, number>;
  /** Scheduled activities plus local-activity markers. */
  activities: number;
  localActivities: number;
  signals: number;
  /** Activity or workflow task failures and timeouts seen in the histories. */
  failures: number;
  /** Where a run's time goes, from event timestamps: totals in ms and how many tasks they cover. */
  timing: TaskTiming;
}

/**
 * Waits (scheduled → started: the task sat in the task queue) and runs
 * (started → completed: a worker held it), summed over workflow and activity
 * tasks. Shows whether a slow phase queued for workers or spent its time in them.
 */
export interface TaskTiming {
  workflowTasks: number;
  workflowTaskWaitMs: number;
  workflowTaskRunMs: number;
  activityTasks: number;
  activityWaitMs: number;
  activityRunMs: number;
  /** Start of the first run to the close of the last. */
  workflowMs: number;
}

function eventMs(e: temporal.api.history.v1.IHistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;
}

/** Adds one run's task waits and runs to `t`. */
function addTiming(t: TaskTiming, events: readonly temporal.api.history.v1.IHistoryEvent[]): void {
  const at = new Map<number, number>();
  for (const e of events) {
    const ms = eventMs(e);
    at.set(Number(e.eventId ?? 0), ms);
    const wftStarted = e.workflowTaskStartedEventAttributes;
    const wftCompleted = e.workflowTaskCompletedEventAttributes;
    const actStarted = e.activityTaskStartedEventAttributes;
    const actCompleted = e.activityTaskCompletedEventAttributes;
    if (wftStarted) t.workflowTaskWaitMs += ms - (at.get(Number(wftStarted.scheduledEventId)) ?? ms);
    if (wftCompleted) {
      t.workflowTasks++;
      t.workflowTaskRunMs += ms - (at.get(Number(wftCompleted.startedEventId)) ?? ms);
    }
    if (actStarted) t.activityWaitMs += ms - (at.get(Number(actStarted.scheduledEventId)) ?? ms);
    if (actCompleted) {
      t.activityTasks++;
      t.activityRunMs += ms - (at.get(Number(actCompleted.startedEventId)) ?? ms);
    }
  }
}

const T = temporal.api.enums.v1.EventType;

export function eventTypeName(type: number | null | undefined): string {
  const raw = (type !== null && type !== undefined ? T[type] : undefined) ?? `Unknown${String(type)}`;
  // EVENT_TYPE_WORKFLOW_TASK_SCHEDULED → WorkflowTaskScheduled
  return raw.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

const FAILURES = new Set([
  T.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  T.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
]);

/**
 * A conversation is complete (readable, resolved) a moment before its workflow's last task ends,
 * so each workflow's result is awaited first (bounded) to count whole histories.
 */
export async function historyStats(client: Client, workflowIds: readonly string[], concurrency = 8): Promise<HistoryStats> {
  const stats: HistoryStats = {
    workflows: 0,
    runs: 0,
    events: 0,
    byType: {},
    activities: 0,
    localActivities: 0,
    signals: 0,
    failures: 0,
    timing: { workflowTasks: 0, workflowTaskWaitMs: 0, workflowTaskRunMs: 0, activityTasks: 0, activityWaitMs: 0, activityRunMs: 0, workflowMs: 0 },
  };
  let next = 0;
  async function one(): Promise<void> {
    for (;;) {
      const id = workflowIds[next++];
      if (id === undefined) return;
      let runId: string | undefined;
      stats.workflows++;
      await settled(client, id, 30_000);
      let closedAt: number | undefined;
      let startedAt: number | undefined;
      // Latest run first, then back through continuedExecutionRunId.
      for (let guard = 0; guard < 1000; guard++) {
        const history = await client.workflow.getHandle(id, runId).fetchHistory();
        const events = history.events ?? [];
        stats.runs++;
        addTiming(stats.timing, events);
        if (events.length > 0) {
          closedAt ??= eventMs(events[events.length - 1]!);
          startedAt = eventMs(events[0]!);
        }
        for (const e of events) {
          const type = e.eventType ?? 0;
          // Markers are local activities or patch markers: name them apart.
          const marker = e.markerRecordedEventAttributes?.markerName;
          // A task that tried to finish while a signal came in is retried by design: named apart, not a failure.
          const unhandled = e.workflowTaskFailedEventAttributes?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
          const name = marker ? `${eventTypeName(type)}(${marker})` : unhandled ? `${eventTypeName(type)}(UnhandledCommand)` : eventTypeName(type);
          stats.events++;
          stats.byType[name] = (stats.byType[name] ?? 0) + 1;
          if (type === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) stats.activities++;
          if (type === T.EVENT_TYPE_MARKER_RECORDED && marker === 'core_local_activity') {
            stats.activities++;
            stats.localActivities++;
          }
          if (type === T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) stats.signals++;
          if (FAILURES.has(type) && !unhandled) stats.failures++;
        }
        const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
        if (!previous) break;
        runId = previous;
      }
      if (closedAt !== undefined && startedAt !== undefined) stats.timing.workflowMs += closedAt - startedAt;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, workflowIds.length) }, one));
  return stats;
}

/** Up to n items spread evenly over the list (all when n is 0 or larger). */
export function sample<T>(items: readonly T[], n: number): T[] {
  if (n <= 0 || items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Saves the latest run's history of one workflow as JSON (for reading where the events come from). */
export async function saveHistory(client: Client, workflowId: string, file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory()));
}

async function settled(client: Client, workflowId: string, timeoutMs: number): Promise<void> {
  // Aborted rather than abandoned: a long poll left running would retry on a closed connection later.
  const signal = AbortSignal.timeout(timeoutMs);
  await client.withAbortSignal(signal, () => client.workflow.getHandle(workflowId).result()).catch(() => undefined);
}
