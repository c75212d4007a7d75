import type { ActivityDeps } from './deps';
import { deliverOutbox } from './deliver-outbox';
import { heartbeating } from './heartbeat';
import { pullFromCreatio } from './pull-from-creatio';
import { resolveCase } from './resolve-case';
import { planSync, recordSyncState } from './sync-state';
import type { SyncActivities } from './types';
import { withCreatio } from './with-creatio';
import { writeToCase } from './write-to-case';

export type { ActivityDeps } from './deps';
export type { SyncActivities } from './types';

/** The sync activities, bound to their dependencies (one set per worker process). */
export function createActivities(deps: ActivityDeps): SyncActivities {
  return {
    planSync: (input) => planSync(deps.pool, input),
    recordSyncState: (input) => recordSyncState(deps.pool, input),
    // The sync's short steps are bounded by their start-to-close timeout (see the workflow's proxies).
    fetchToken: ({ orgId }) => withCreatio(deps, orgId, ({ client }) => client.getToken()),
    writeToCase: async (input) => {
      const written = await writeToCase(deps, input);
      // The next plan usually comes with the write's last statement; not after a resolve: the
      // workflow finishes then unless more arrived (and plans anew if so).
      if (!input.planLimit || written.resolved || written.next) return written;
      return { ...written, next: await planSync(deps.pool, { ...input, limit: input.planLimit }) };
    },
    resolveCase: (input) => resolveCase(deps, input),
    // Longer calls to other systems heartbeat, so a crashed worker's attempt is retried within seconds.
    pullFromCreatio: heartbeating((input) => pullFromCreatio(deps, input)),
    deliverOutbox: heartbeating((input) => deliverOutbox(deps, input)),
  };
}
