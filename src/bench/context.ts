import { randomBytes } from 'node:crypto';
import { CaseStatus } from '../creatio/stock';
import { emptyStats, mergeStats, type CreatioStats } from './creatio-stats';
import type { WorkerStatusReport } from './ipc';
import type { BenchOptions } from './options';
import type { BenchStack } from './stack';

/** What every phase of a run shares: the stack, the options, run-wide Creatio totals and the orgs connected. */
export interface BenchContext {
  stack: BenchStack;
  opts: BenchOptions;
  /** Our worker's Creatio requests over the whole run, per org and workflow. */
  totals: CreatioStats;
  /** Orgs connected to the service (one Creatio connection each). */
  connections: string[];
  log(line: string): void;
}

export function newContext(stack: BenchStack, opts: BenchOptions, log: (line: string) => void): BenchContext {
  return { stack, opts, totals: emptyStats(), connections: [], log };
}

/** Pulls our worker's counts since the last pull into the run totals; returns the worker's status. */
export async function collectCreatio(ctx: BenchContext): Promise<WorkerStatusReport | undefined> {
  const { creatio, worker } = await ctx.stack.worker.takeStats();
  mergeStats(ctx.totals, creatio);
  return worker;
}

/** Connects an org through the API (Test & Save) to a simulator client of its own, as an admin would. */
export async function connectOrg(ctx: BenchContext, orgId: string, handoffOnly: boolean): Promise<void> {
  const client = ctx.stack.sim.addClient({ clientId: `bench-${orgId}`, clientSecret: randomBytes(24).toString('hex'), name: `Benchmark ${orgId}` });
  const res = await ctx.stack.api.call('PUT', `/v1/orgs/${orgId}/connection`, {
    instanceUrl: ctx.stack.sim.url,
    tokenUrl: ctx.stack.sim.tokenUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    resolvedStatusId: CaseStatus.Resolved,
    handoffOnly,
  });
  if (res.status !== 200) throw new Error(`PUT connection of ${orgId}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  ctx.connections.push(orgId);
}
