import type { ActivityDeps } from './deps';
import { deliverOutbox } from './deliver-outbox';
import { heartbeating } from './heartbeat';
import { planAndWrite } from './plan-and-write';
import { pullFromCreatio } from './pull-from-creatio';
import { resolveCase } from './resolve-case';
import { planSync, recordSyncState } from './sync-state';
import type { ConversationRef, SyncActivities, WriteToCaseInput, WriteToCaseResult } from './types';
import { withCreatio } from './with-creatio';
import { writeToCase } from './write-to-case';

export type { ActivityDeps } from './deps';
export type { SyncActivities } from './types';

/** The sync activities, bound to their dependencies (one set per worker process). */
export function createActivities(deps: ActivityDeps): SyncActivities {
  const plan = (input: ConversationRef & { limit: number }) => planSync(deps.pool, input);
  const write = async (input: WriteToCaseInput): Promise<WriteToCaseResult> => {
    const written = await writeToCase(deps, input);
    // The next plan usually comes with the write's last statement; not after a resolve: the
    // workflow finishes then unless more arrived (and plans anew if so).
    if (!input.planLimit || written.resolved || written.next) return written;
    return { ...written, next: await plan({ ...input, limit: input.planLimit }) };
  };
  return {
    planSync: plan,
    planAndWrite: (input) => planAndWrite(input, plan, write),
    recordSyncState: (input) => recordSyncState(deps.pool, input),
    // The sync's short steps are bounded by their start-to-close timeout (see the workflow's proxies).
    fetchToken: ({ orgId }) => withCreatio(deps, orgId, ({ client }) => client.getToken()),
    writeToCase: write,
    resolveCase: (input) => resolveCase(deps, input),
    // Longer calls to other systems heartbeat, so a crashed worker's attempt is retried within seconds.
    pullFromCreatio: heartbeating((input) => pullFromCreatio(deps, input)),
    deliverOutbox: heartbeating((input) => deliverOutbox(deps, input)),
  };
}
