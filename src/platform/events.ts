/**
 * Events we send to the conversation platform. Every event has a stable ID
 * derived from what it is about, so a redelivery carries the same ID and the
 * platform can de-duplicate.
 */
export type PlatformEventType = 'agent_reply' | 'conversation_resolved' | 'connection_needs_attention' | 'connection_restored';

export interface PlatformEvent {
  id: string;
  type: PlatformEventType;
  occurredAt: string;
  orgId: string;
  conversationId?: string;
  data: Record<string, unknown>;
}
