import type { Mode, Pattern } from './options';

/**
 * What the benchmark sends: per conversation, M messages (customer and AI in
 * turn), in handoff-only mode a handoff after the last message, then a resolve
 * so the workflow finishes; grouped into requests by arrival pattern. Sequence
 * numbers are the order of sending, which is what the API assigns.
 */
export interface PlannedEvent {
  seq: number;
  kind: 'message' | 'handoff' | 'resolve';
  body: Record<string, unknown>;
}

export interface ConversationPlan {
  /** Unique within the run: `<scenario>/<conversationId>`. */
  key: string;
  orgId: string;
  conversationId: string;
  events: PlannedEvent[];
  /** Events grouped as they are sent, one group per request. */
  requests: PlannedEvent[][];
  /** Sequence numbers of the messages (what latency is measured on). */
  messageSeqs: number[];
  /** Handoff-only: messages become writable with this event, so their latency counts from its acceptance. */
  triggerSeq: number | null;
  /** null: the conversation stays open (idle runs). */
  resolveSeq: number | null;
  /** Last event that is written to the case (the handoff in handoff-only mode). */
  lastWriteSeq: number;
  /** Seq from which anything may be written: 1, or the handoff in handoff-only mode. */
  writableFrom: number;
}

export interface ScenarioSpec {
  mode: Mode;
  pattern: Pattern;
  conversations: number;
  messages: number;
  burstRequests: number;
}

const BASE_TIME = Date.parse('2026-12-01T09:00:00Z');
const FILLER = 'I still cannot reach my account after the password reset, the page says the link has expired and asks me to try again later.';

export function planConversation(s: ScenarioSpec, orgId: string, scenario: string, index: number): ConversationPlan {
  const conversationId = `c-${index + 1}`;
  const events: PlannedEvent[] = [];
  const start = BASE_TIME + index * 60_000;
  for (let i = 1; i <= s.messages; i++) {
    const customer = i % 2 === 1;
    const body: Record<string, unknown> = {
      type: 'message',
      eventId: `m-${i}`,
      role: customer ? 'customer' : 'ai',
      text: `Message ${i} of ${conversationId}. ${customer ? FILLER : 'Thanks, let me check that for you.'}`,
      sentAt: new Date(start + i * 1000).toISOString(),
    };
    if (i === 1) body.customer = { name: `Customer ${index + 1}`, email: `customer${index + 1}@example.com` };
    events.push({ seq: i, kind: 'message', body });
  }
  let triggerSeq: number | null = null;
  if (s.mode === 'handoff-only') {
    triggerSeq = events.length + 1;
    events.push({
      seq: triggerSeq,
      kind: 'handoff',
      body: { type: 'handoff', eventId: 'h-1', summary: 'Customer cannot log in after a password reset.', language: 'en', sentiment: 'frustrated', reason: 'asked for a human' },
    });
  }
  const resolveSeq = events.length + 1;
  events.push({ seq: resolveSeq, kind: 'resolve', body: { type: 'resolve', eventId: 'r-1' } });
  return {
    key: `${scenario}/${conversationId}`,
    orgId,
    conversationId,
    events,
    requests: group(events, s),
    messageSeqs: events.filter((e) => e.kind === 'message').map((e) => e.seq),
    triggerSeq,
    resolveSeq,
    lastWriteSeq: resolveSeq - 1,
    writableFrom: triggerSeq ?? 1,
  };
}

function group(events: PlannedEvent[], s: ScenarioSpec): PlannedEvent[][] {
  if (s.pattern === 'spaced') return events.map((e) => [e]);
  // Bursts: the messages in burstRequests near-equal requests; handoff and resolve ride with the last.
  const messages = events.filter((e) => e.kind === 'message');
  const trailer = events.filter((e) => e.kind !== 'message');
  const parts = Math.min(s.burstRequests, messages.length);
  const size = Math.ceil(messages.length / parts);
  const requests: PlannedEvent[][] = [];
  for (let i = 0; i < messages.length; i += size) requests.push(messages.slice(i, i + size));
  requests[requests.length - 1]!.push(...trailer);
  return requests;
}

export function scenarioName(mode: Mode, pattern: Pattern): string {
  return `${mode}/${pattern}`;
}

/** A conversation that gets a case and one message, then stays open and idle. */
export function planIdleConversation(orgId: string, scenario: string, index: number): ConversationPlan {
  const conversationId = `idle-${index + 1}`;
  const event: PlannedEvent = {
    seq: 1,
    kind: 'message',
    body: {
      type: 'message',
      eventId: 'm-1',
      role: 'customer',
      text: `Message 1 of ${conversationId}. ${FILLER}`,
      sentAt: new Date(BASE_TIME + index * 1000).toISOString(),
      customer: { name: `Customer ${index + 1}`, email: `customer${index + 1}@example.com` },
    },
  };
  return {
    key: `${scenario}/${conversationId}`,
    orgId,
    conversationId,
    events: [event],
    requests: [[event]],
    messageSeqs: [1],
    triggerSeq: null,
    resolveSeq: null,
    lastWriteSeq: 1,
    writableFrom: 1,
  };
}
