/**
 * Sync states of a conversation, as shown in the API, the database and the
 * CreatioSyncState search attribute.
 */
export type SyncState =
  /** Nothing written yet: waiting for the first customer message or, in handoff-only mode, a handoff. */
  | 'pending'
  /** Healthy: the case exists and messages are written as they arrive. */
  | 'syncing'
  /** Creatio failed transiently several times in a row; retrying with backoff. */
  | 'waiting_for_creatio'
  /** A credentials, permission or configuration problem that a person must fix. */
  | 'needs_attention'
  /** Conversation resolved; everything written; workflow finished. */
  | 'resolved'
  /** Conversation ended without a case (e.g. handoff-only mode and no handoff). */
  | 'closed_without_case'
  /** The org disconnected Creatio; nothing more is written. */
  | 'disconnected';

/** Reason codes: stable, machine-readable, free of personal data. */
export type SyncReason =
  | 'credentials_rejected'
  | 'permission_denied'
  | 'invalid_lookup'
  | 'validation'
  | 'configuration'
  | 'not_found'
  | 'transient'
  | 'unexpected_html'
  | 'not_connected'
  | 'unknown';
