/**
 * Conversation events as the platform sends them and as we store them.
 * Plain types only: workflow code imports the header types from here.
 */
export type Role = 'customer' | 'ai' | 'agent' | 'system';
export type EventType = 'message' | 'handoff' | 'resolve';

export interface Customer {
  name?: string;
  email?: string;
  phone?: string;
}

export interface AttachmentRef {
  name: string;
  url?: string;
  contentType?: string;
  sizeBytes?: number;
}

export interface MessageEvent {
  type: 'message';
  eventId: string;
  role: Role;
  text: string;
  html?: string;
  /** ISO 8601 in UTC. */
  sentAt: string;
  channel?: string;
  senderName?: string;
  attachments?: AttachmentRef[];
  /** Set when the message is an agent reply that came from this Creatio activity (not written back). */
  creatioActivityId?: string;
}

export type AiFieldValue = string | number | boolean | null;

export interface HandoffEvent {
  type: 'handoff';
  eventId: string;
  summary?: string;
  language?: string;
  sentiment?: string;
  reason?: string;
  aiFields?: Record<string, AiFieldValue>;
  /** ISO 8601 in UTC. */
  occurredAt: string;
}

export interface ResolveEvent {
  type: 'resolve';
  eventId: string;
  /** ISO 8601 in UTC. */
  occurredAt: string;
}

export type ConversationEvent = MessageEvent | HandoffEvent | ResolveEvent;

export interface StoredEvent {
  seq: number;
  event: ConversationEvent;
  receivedAt: string;
}

/** What the workflow may know about an event: no text, no customer details. */
export interface EventHeader {
  seq: number;
  type: EventType;
  role?: Role;
}
