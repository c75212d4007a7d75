import { setTimeout as sleep } from 'node:timers/promises';
import type { Example, ExampleEvent } from './examples';
import { describeBody, type ServiceApi } from './service-api';

/**
 * Replays sample conversations through POST .../events the way a support
 * platform sends them: a few events per request as they happen, paced,
 * several conversations at once, using all three body shapes the API
 * accepts. Timestamps are assigned here from each event's "after" seconds.
 */
export interface TimedEvent {
  spec: ExampleEvent;
  /** ISO time: the message's sentAt, the handoff's or resolve's occurredAt. */
  at: string;
}

export interface ReplayPlan {
  example: Example;
  orgId: string;
  events: TimedEvent[];
  /** Events per request, in order. */
  requests: TimedEvent[][];
}

/** Seconds between events when a sample does not say. */
const DEFAULT_AFTER_SECONDS = 20;

export function planReplay(example: Example, orgId: string, now: Date): ReplayPlan {
  const offsets: number[] = [];
  let t = 0;
  for (const e of example.events) {
    t += e.after ?? DEFAULT_AFTER_SECONDS;
    offsets.push(t);
  }
  // The conversation ends a minute before now: real events are never from the future.
  const start = now.getTime() - (t + 60) * 1000;
  const events = example.events.map((spec, i) => ({ spec, at: new Date(start + offsets[i]! * 1000).toISOString() }));

  // Deterministic "randomness" per conversation, so runs are comparable.
  const rand = seededRandom(example.conversationId);
  const longConversation = events.length > 50;
  const requests: TimedEvent[][] = [];
  for (let i = 0; i < events.length; ) {
    const size = 1 + Math.floor(rand() * (longConversation ? 6 : 3));
    requests.push(events.slice(i, i + size));
    i += size;
  }
  return { example, orgId, events, requests };
}

/** The JSON event the platform would send. */
export function toApiEvent(e: TimedEvent, customer?: Example['customer']): Record<string, unknown> {
  const s = e.spec;
  const common = { eventId: s.eventId, ...(customer ? { customer } : {}) };
  switch (s.type) {
    case 'message':
      return {
        type: 'message',
        ...common,
        role: s.role,
        ...(s.text !== undefined && { text: s.text }),
        ...(s.html !== undefined && { html: s.html }),
        sentAt: e.at,
        ...(s.channel !== undefined && { channel: s.channel }),
        ...(s.senderName !== undefined && { senderName: s.senderName }),
        ...(s.attachments !== undefined && { attachments: s.attachments }),
      };
    case 'handoff':
      return {
        type: 'handoff',
        ...common,
        ...(s.summary !== undefined && { summary: s.summary }),
        ...(s.language !== undefined && { language: s.language }),
        ...(s.sentiment !== undefined && { sentiment: s.sentiment }),
        ...(s.reason !== undefined && { reason: s.reason }),
        ...(s.aiFields !== undefined && { aiFields: s.aiFields }),
        occurredAt: e.at,
      };
    case 'resolve':
      return { type: 'resolve', ...common, occurredAt: e.at };
  }
}

/** Request body for one request: a single event, a list, or {events: [...]}, in turn. */
export function requestBody(plan: ReplayPlan, index: number): unknown {
  const batch = plan.requests[index]!;
  // The platform sends the customer with the first event of every request.
  const events = batch.map((e, i) => toApiEvent(e, i === 0 ? plan.example.customer : undefined));
  if (events.length === 1) return events[0];
  return index % 2 === 0 ? events : { events };
}

export interface ReplayOptions {
  /** Conversations replayed at the same time. */
  concurrency: number;
  /** Pause between two requests of one conversation (compressed real time). */
  pauseMs: [number, number];
  onConversationDone?: (plan: ReplayPlan, requests: number) => void;
}

export async function replayAll(api: ServiceApi, plans: readonly ReplayPlan[], opts: ReplayOptions): Promise<void> {
  const queue = [...plans];
  const worker = async (): Promise<void> => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      await replayConversation(api, plan, opts);
      opts.onConversationDone?.(plan, plan.requests.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
}

async function replayConversation(api: ServiceApi, plan: ReplayPlan, opts: ReplayOptions): Promise<void> {
  const rand = seededRandom(`${plan.example.conversationId}/pauses`);
  const route = `/v1/orgs/${plan.orgId}/conversations/${plan.example.conversationId}/events`;
  for (let i = 0; i < plan.requests.length; i++) {
    await postWithRetry(api, route, requestBody(plan, i), `${plan.example.file} request ${i + 1}/${plan.requests.length}`);
    const [min, max] = opts.pauseMs;
    await sleep(min + Math.floor(rand() * (max - min + 1)));
  }
}

/**
 * 202 is success. 503 means "stored, Temporal unreachable": retrying is safe
 * (events are idempotent by eventId) and is what the platform would do, as
 * for network errors. Anything else is a real failure of the demo.
 */
async function postWithRetry(api: ServiceApi, route: string, body: unknown, what: string): Promise<void> {
  const attempts = 5;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    try {
      const res = await api.call('POST', route, body);
      if (res.status === 202) return;
      problem = `HTTP ${res.status} ${describeBody(res.body)}`;
      if (res.status !== 503) throw new ReplayError(`${what}: ${problem}`);
    } catch (err) {
      if (err instanceof ReplayError) throw err;
      problem = err instanceof Error ? err.message : String(err);
    }
    if (attempt >= attempts) throw new ReplayError(`${what}: gave up after ${attempts} attempts (${problem})`);
    await sleep(500 * attempt);
  }
}

export class ReplayError extends Error {}

/** mulberry32 seeded from a string: small, fast, good enough for pacing. */
function seededRandom(seed: string): () => number {
  let a = 0;
  for (let i = 0; i < seed.length; i++) a = (Math.imul(a ^ seed.charCodeAt(i), 0x9e3779b1) + 1) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
