/**
 * Messages between the benchmark driver and its child processes (our worker
 * with request counting, the floor worker). Plain JSON over Node's IPC channel.
 */
import type { CreatioStats } from './creatio-stats';

export interface WorkerStatusReport {
  numCachedWorkflows: number;
  numInFlightActivities: number;
  numInFlightWorkflowActivations: number;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'stats'; id: number; creatio: CreatioStats; worker?: WorkerStatusReport }
  /** Floor worker: its no-op activities ran at these times. */
  | { type: 'floor'; writes: Array<{ key: string; from: number; to: number; at: number }>; resolves: Array<{ key: string; at: number }> };

export type ParentMessage = { type: 'take-stats'; id: number };
