import type { Pool } from 'pg';
import type { CallbackTarget } from '../platform/deliver';
import type { CasePolicies } from './case-lifecycle';
import type { CreatioConnections } from '../sync/creatio-connections';

/** Told when an org's connection changes health, e.g. to call the platform back. */
export interface ConnectionHealthListener {
  needsAttention(orgId: string, reason: string): Promise<void>;
  restored(orgId: string): Promise<void>;
}

export interface ActivityDeps {
  pool: Pool;
  connections: CreatioConnections;
  /** Link back to the conversation; "{conversationId}" and "{orgId}" are replaced. */
  sessionLinkTemplate: string;
  /** Longest text per activity before a message is split. */
  activityTextMax: number;
  health?: ConnectionHealthListener;
  casePolicies: CasePolicies;
  /** Where platform events go; undefined = they stay queued. */
  callback?: CallbackTarget;
}
