/** A Creatio connection's settings as an admin sees them (never the secret). */
export interface ConnectionSettings {
  instanceUrl: string;
  /** Explicit Identity Service token URL; null = derived from a *.creatio.com instance URL. */
  tokenUrl: string | null;
  odataBasePath: '/0/odata' | '/odata';
  clientId: string;
  /** Contact GUID assigned as case owner. */
  ownerId: string | null;
  /** SysAdminUnit (role) GUID assigned as case group. */
  groupId: string | null;
  /** CaseStatus GUID set when the conversation is resolved. */
  resolvedStatusId: string | null;
  /** true = create the case only when the AI hands off to a human. */
  handoffOnly: boolean;
}

export type ConnectionStatus = 'active' | 'needs_attention' | 'disconnected';
