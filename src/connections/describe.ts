import type { Pool } from 'pg';
import type { ConnectionStatus } from '../domain/connection';
import type { ConnectionRecord } from '../store/connections-repo';
import { countConversationsByState } from '../store/conversations-repo';
import type { WebhookUrlFor } from './webhook-url';

/** The connection as the API shows it: settings without the secret, health, and what waits on it. */
export interface ConnectionView {
  orgId: string;
  status: ConnectionStatus;
  /** Why it needs attention (credentials_rejected, permission_denied, configuration, ...); null otherwise. */
  statusReason: string | null;
  statusChangedAt: string;
  instanceUrl: string;
  tokenUrl: string | null;
  odataBasePath: string;
  clientId: string;
  hasClientSecret: boolean;
  ownerId: string | null;
  groupId: string | null;
  resolvedStatusId: string | null;
  handoffOnly: boolean;
  credentialsVersion: number;
  lastVerifiedAt: string | null;
  lastError: string | null;
  /** The last successful Test & Save's checklist (its warnings), or null. */
  lastChecklist: unknown;
  webhookUrl: string | null;
  /** When Creatio last called the webhook: shows the business processes are wired up. */
  lastWebhookAt: string | null;
  conversations: Record<string, number>;
  /** Conversations waiting for Creatio or for this connection to be fixed. */
  waitingConversations: number;
  updatedAt: string;
}

export async function describeConnection(pool: Pool, r: ConnectionRecord, webhookUrlFor: WebhookUrlFor): Promise<ConnectionView> {
  const [byState, webhookUrl] = await Promise.all([
    countConversationsByState(pool, r.orgId),
    r.status === 'disconnected' ? Promise.resolve(null) : webhookUrlFor(r.orgId),
  ]);
  return {
    orgId: r.orgId,
    status: r.status,
    statusReason: r.statusReason,
    statusChangedAt: r.statusChangedAt,
    instanceUrl: r.instanceUrl,
    tokenUrl: r.tokenUrl,
    odataBasePath: r.odataBasePath,
    clientId: r.clientId,
    hasClientSecret: r.secret !== null,
    ownerId: r.ownerId,
    groupId: r.groupId,
    resolvedStatusId: r.resolvedStatusId,
    handoffOnly: r.handoffOnly,
    credentialsVersion: r.credentialsVersion,
    lastVerifiedAt: r.lastVerifiedAt,
    lastError: r.lastError,
    lastChecklist: r.lastChecklist,
    webhookUrl,
    lastWebhookAt: r.lastWebhookAt,
    conversations: byState,
    waitingConversations: (byState.waiting_for_creatio ?? 0) + (byState.needs_attention ?? 0),
    updatedAt: r.updatedAt,
  };
}
