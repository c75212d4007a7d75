import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface SyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt workflow bundle (tests, production images); otherwise bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows: number;
  shutdownGraceTimeMs: number;
  dataConverter?: WorkerOptions['dataConverter'];
}

/** The worker that runs conversation workflows and their activities. */
export async function createSyncWorker(o: SyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    activities: createActivities(o.deps),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // Bounded so many idle open conversations cannot grow the heap without limit.
    maxCachedWorkflows: o.maxCachedWorkflows,
    shutdownGraceTime: o.shutdownGraceTimeMs,
    dataConverter: o.dataConverter,
  });
}
