import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { FloorActivities } from './floor-workflows';
import type { ChildMessage, ParentMessage } from './ipc';

/**
 * Worker of the Temporal floor (src/bench/floor-workflows.ts): no-op activity
 * bodies that only note the time they ran, sent to the driver in small
 * batches so the driver can time "readable" the way it does in the simulator.
 * Same worker defaults and workflow cache as our worker.
 */
type FloorReport = Extract<ChildMessage, { type: 'floor' }>;
let pending: FloorReport = { type: 'floor', writes: [], resolves: [] };
let flushTimer: NodeJS.Timeout | undefined;

function note(fill: (r: FloorReport) => void): void {
  fill(pending);
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined;
    const report = pending;
    pending = { type: 'floor', writes: [], resolves: [] };
    process.send?.(report);
  }, 10);
}

const activities: FloorActivities = {
  async write({ key, from, to }) {
    const at = Date.now();
    note((r) => r.writes.push({ key, from, to, at }));
  },
  async resolve({ key }) {
    const at = Date.now();
    note((r) => r.resolves.push({ key, at }));
  },
};

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE;
  if (!address || !taskQueue) throw new Error('TEMPORAL_ADDRESS and TEMPORAL_TASK_QUEUE are required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    workflowsPath: require.resolve('./floor-workflows'),
    activities,
    maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 1000),
  });
  const running = worker.run();
  process.on('message', (msg: ParentMessage) => {
    if (msg.type !== 'take-stats') return;
    const s = worker.getStatus();
    const reply: ChildMessage = {
      type: 'stats',
      id: msg.id,
      creatio: { byOrg: {}, byOrgActivity: {}, byWorkflow: {} },
      worker: { numCachedWorkflows: s.numCachedWorkflows, numInFlightActivities: s.numInFlightActivities, numInFlightWorkflowActivations: s.numInFlightWorkflowActivations },
    };
    process.send?.(reply);
  });
  const shutdown = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('disconnect', () => void shutdown());
  process.send?.({ type: 'ready' } satisfies ChildMessage);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
