import { Rng } from './rng';

/**
 * The chaos run's plan, computed up front from a seed: which organisations,
 * which conversations with which events, when each request is sent, which
 * cases get deleted or closed in Creatio, and when each fault hits. Pure, so
 * the same seed and options always give the same plan.
 */
export type OrgMode = 'every_message' | 'handoff_only';

export interface OrgPlan {
  index: number;
  orgId: string;
  mode: OrgMode;
}

export type Role = 'customer' | 'ai' | 'agent';

export type PlannedEvent =
  | { type: 'message'; eventId: string; role: Role; text: string; sentAt: string; customer?: { name: string; email: string } }
  | { type: 'handoff'; eventId: string; summary: string; language: string; sentiment: string; reason: string }
  | { type: 'resolve'; eventId: string };

/**
 * single: one event per request; batch: several events in one request;
 * concurrent: several requests at the same moment (their order of arrival, and
 * so their sequence numbers, is up to the network).
 */
export type PostStyle = 'single' | 'batch' | 'concurrent';

export interface PlannedPost {
  /** Offset from the start of the drive. */
  atMs: number;
  /** Events [from, to) of the conversation. */
  from: number;
  to: number;
  style: PostStyle;
  /** Send the same request again once it was accepted, as a platform retrying after a lost answer would. */
  resend: boolean;
}

export type LifecycleKind = 'delete_case' | 'close_case';

export interface PlannedLifecycle {
  kind: LifecycleKind;
  /** Done in Creatio (as an agent) before this post is sent. */
  beforePost: number;
}

export interface ConversationPlan {
  orgId: string;
  mode: OrgMode;
  conversationId: string;
  events: PlannedEvent[];
  posts: PlannedPost[];
  lifecycle?: PlannedLifecycle;
}

export const FAULT_KINDS = [
  'worker_sigkill',
  'temporal_restart',
  'api_restart',
  'creatio_outage',
  'rate_limited',
  'slow_responses',
  'commit_then_timeout',
  'token_expiry',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultStep {
  atMs: number;
  kind: FaultKind;
  /** Index of the org whose Creatio gets it, or every simulator. */
  target: number | 'all';
  /** Process faults: time between the kill and the new start. */
  downMs?: number;
  signal?: 'SIGKILL' | 'SIGTERM';
  /** Outage and slow windows. */
  windowMs?: number;
  /** Number of requests hit (429, commit-then-timeout). */
  times?: number;
  latencyMs?: number;
  /** Commit-then-timeout: how long the answer is held before the connection is dropped. */
  holdMs?: number;
  retryAfterSeconds?: number;
  /**
   * Wait (bounded) until every conversation sent so far is synced before
   * killing: a Creatio activity lost with a killed worker is only retried after
   * its start-to-close timeout (90 s), too long for the fast test.
   */
  quiesce?: boolean;
}

export interface PlanOptions {
  seed: number;
  conversations: number;
  /** Average messages per conversation (each conversation gets 50–150 % of it, at least 2). */
  messagesPerConversation: number;
  /** Length of the drive: requests and faults are spread over it. */
  durationMs: number;
  orgs: number;
  /** random: seeded times and counts; each-once: every fault kind once at fixed points (tests). */
  schedule: 'random' | 'each-once';
  /** Cases deleted / closed in Creatio mid-conversation (default 3 % of conversations, at least 1). */
  caseDeletes?: number;
  caseCloses?: number;
  /** Request timeout the worker uses, so a held response really times out. */
  creatioRequestTimeoutMs: number;
}

export interface ChaosPlan {
  options: PlanOptions;
  orgs: OrgPlan[];
  conversations: ConversationPlan[];
  faults: FaultStep[];
}

/** Timestamps in the events are this plus the planned send time: reproducible payloads. */
const BASE_TIME = Date.parse('2026-12-01T09:00:00Z');

const WORDS = [
  'invoice', 'refund', 'parcel', 'password', 'login', 'delivery', 'order', 'upgrade', 'warranty', 'screen',
  'battery', 'account', 'payment', 'address', 'subscription', 'discount', 'router', 'printer', 'update', 'app',
];
const FLAVOURS = [
  (s: string) => s,
  (s: string) => `${s}\nSecond line of the same message.`,
  (s: string) => `${s} — price < 10 & > 5`,
  (s: string) => `${s} 🙂`,
  (s: string) => `${s} (مرحبا)`,
];

export function buildPlan(options: PlanOptions): ChaosPlan {
  const root = new Rng(options.seed);
  const orgs: OrgPlan[] = Array.from({ length: Math.max(1, options.orgs) }, (_, index) => {
    const mode: OrgMode = index % 2 === 0 ? 'every_message' : 'handoff_only';
    return { index, orgId: `chaos-${index + 1}-${mode === 'every_message' ? 'every' : 'handoff'}`, mode };
  });

  const convRng = root.fork('conversations');
  const D = options.durationMs;
  // A few moments when many conversations start at once (bursts).
  const clusters = Array.from({ length: 3 }, () => Math.round(convRng.range(0, 0.6 * D)));
  const conversations: ConversationPlan[] = [];
  for (let j = 0; j < options.conversations; j++) {
    const org = orgs[j % orgs.length]!;
    const conversationId = `conv-${String(j + 1).padStart(4, '0')}`;
    const start = convRng.chance(0.25) ? convRng.pick(clusters) + convRng.int(0, 50) : Math.round(convRng.range(0, 0.7 * D));
    conversations.push(planConversation(convRng, org, conversationId, options.messagesPerConversation, start, D));
  }

  assignLifecycle(root.fork('lifecycle'), conversations, options);
  const faults = options.schedule === 'each-once' ? eachOnceFaults(options) : randomFaults(root.fork('faults'), options, orgs.length);
  return { options, orgs, conversations, faults };
}

function planConversation(rng: Rng, org: OrgPlan, conversationId: string, averageMessages: number, start: number, D: number): ConversationPlan {
  const messages = Math.max(2, Math.round(averageMessages * rng.range(0.5, 1.5)));
  const handoffAt = rng.chance(org.mode === 'handoff_only' ? 0.75 : 0.5) ? rng.int(1, messages - 1) : -1;
  // A handoff-only conversation without a handoff is resolved, so it ends closed without a case, not pending.
  const resolves = handoffAt === -1 && org.mode === 'handoff_only' ? true : rng.chance(0.4);

  const events: PlannedEvent[] = [];
  let n = 0;
  const sentAt = () => new Date(BASE_TIME + start + n * 1000).toISOString();
  for (let i = 0; i < messages; i++) {
    if (i === handoffAt) {
      events.push({
        type: 'handoff',
        eventId: `h-${++n}`,
        summary: `Customer of ${conversationId} needs a person for their ${rng.pick(WORDS)}`,
        language: rng.pick(['en', 'es', 'de']),
        sentiment: rng.pick(['neutral', 'frustrated', 'positive']),
        reason: 'customer asked for a human',
      });
    }
    const afterHandoff = handoffAt !== -1 && i >= handoffAt;
    const role: Role = i === 0 || rng.chance(0.5) ? 'customer' : afterHandoff ? 'agent' : 'ai';
    const text = rng.pick(FLAVOURS)(`[${conversationId} #${n + 1}] ${role} about the ${rng.pick(WORDS)} ${rng.pick(WORDS)}`);
    events.push({
      type: 'message',
      eventId: `m-${++n}`,
      role,
      text,
      sentAt: sentAt(),
      ...(i === 0 ? { customer: { name: `Customer ${conversationId}`, email: `${conversationId}@example.com` } } : {}),
    });
  }
  if (resolves) events.push({ type: 'resolve', eventId: `r-${++n}` });

  // Group the events into requests, spread over this conversation's span.
  const groups: Array<{ from: number; to: number; style: PostStyle }> = [];
  for (let i = 0; i < events.length; ) {
    const size = rng.chance(0.3) ? rng.int(2, 4) : 1;
    const to = Math.min(events.length, i + size);
    const onlyMessages = events.slice(i, to).every((e) => e.type === 'message');
    const style: PostStyle = to - i === 1 ? 'single' : onlyMessages && rng.chance(0.35) ? 'concurrent' : 'batch';
    groups.push({ from: i, to, style });
    i = to;
  }
  const span = rng.range(0.1, 0.3) * D;
  const gaps = groups.map(() => rng.exponential(1));
  const total = gaps.reduce((a, b) => a + b, 0) || 1;
  let at = start;
  const posts: PlannedPost[] = groups.map((g, i) => {
    if (i > 0) at += (gaps[i]! / total) * span;
    return { ...g, atMs: Math.min(D, Math.round(at)), resend: g.style !== 'concurrent' && rng.chance(0.05) };
  });
  return { orgId: org.orgId, mode: org.mode, conversationId, events, posts };
}

/**
 * Post index before which a lifecycle action can happen: the case exists by
 * then (handoff-only orgs: after the handoff), there is more to send, and for a
 * closure that next post carries a message the customer can write.
 */
function lifecycleSlot(c: ConversationPlan, kind: LifecycleKind): number | undefined {
  if (c.events.some((e) => e.type === 'resolve') || c.posts.length < 3) return undefined;
  const handoffPost = c.posts.findIndex((p) => c.events.slice(p.from, p.to).some((e) => e.type === 'handoff'));
  if (c.mode === 'handoff_only' && handoffPost === -1) return undefined;
  const firstPossible = c.mode === 'handoff_only' ? handoffPost + 1 : 1;
  for (let slot = Math.max(firstPossible, Math.floor(c.posts.length / 2)); slot < c.posts.length; slot++) {
    const post = c.posts[slot]!;
    if (kind === 'delete_case' || c.events.slice(post.from, post.to).some((e) => e.type === 'message')) return slot;
  }
  return undefined;
}

function assignLifecycle(rng: Rng, conversations: ConversationPlan[], options: PlanOptions): void {
  const share = Math.max(1, Math.round(options.conversations * 0.03));
  const wanted: LifecycleKind[] = [
    ...Array<LifecycleKind>(options.caseDeletes ?? share).fill('delete_case'),
    ...Array<LifecycleKind>(options.caseCloses ?? share).fill('close_case'),
  ];
  const candidates = rng.shuffle(conversations);
  const used = new Set<ConversationPlan>();
  for (const kind of wanted) {
    const c = candidates.find((x) => !used.has(x) && lifecycleSlot(x, kind) !== undefined);
    if (!c) break;
    used.add(c);
    const beforePost = lifecycleSlot(c, kind)!;
    c.lifecycle = { kind, beforePost };
    if (kind === 'close_case') {
      // The customer writes again after the closure: that is what the closed-case policy is about.
      const post = c.posts[beforePost]!;
      const i = c.events.findIndex((e, k) => k >= post.from && k < post.to && e.type === 'message');
      const m = c.events[i]!;
      if (m.type === 'message') c.events[i] = { ...m, role: 'customer', text: m.text.replace(/\] (ai|agent) /, '] customer ') };
    }
  }
}

function randomFaults(rng: Rng, o: PlanOptions, orgCount: number): FaultStep[] {
  const D = o.durationMs;
  const steps: FaultStep[] = [];
  const spread = (count: number, from: number, to: number): number[] =>
    Array.from({ length: count }, (_, i) => Math.round(from + ((i + rng.range(0.15, 0.85)) / count) * (to - from)));
  const anyOrg = (): number | 'all' => (rng.chance(0.3) ? 'all' : rng.int(0, orgCount - 1));
  const holdMs = o.creatioRequestTimeoutMs + 2_000;

  for (const atMs of spread(Math.max(2, Math.round(D / 30_000)), 0.05 * D, 0.9 * D)) {
    steps.push({ atMs, kind: 'worker_sigkill', target: 'all', downMs: rng.int(500, 5_000), signal: 'SIGKILL' });
  }
  for (const atMs of spread(D >= 120_000 ? 2 : 1, 0.2 * D, 0.85 * D)) {
    steps.push({ atMs, kind: 'temporal_restart', target: 'all', downMs: rng.int(1_000, 4_000), signal: 'SIGKILL' });
  }
  for (const [i, atMs] of spread(Math.max(2, Math.round(D / 50_000)), 0.1 * D, 0.9 * D).entries()) {
    steps.push({ atMs, kind: 'api_restart', target: 'all', downMs: rng.int(500, 3_000), signal: i % 2 === 0 ? 'SIGKILL' : 'SIGTERM' });
  }
  for (const [i, atMs] of spread(D >= 150_000 ? 2 : 1, 0.15 * D, 0.8 * D).entries()) {
    steps.push({ atMs, kind: 'creatio_outage', target: i === 0 ? 'all' : anyOrg(), windowMs: rng.int(10_000, 20_000) });
  }
  for (const atMs of spread(2, 0.1 * D, 0.85 * D)) {
    steps.push({ atMs, kind: 'rate_limited', target: anyOrg(), times: rng.int(10, 30), retryAfterSeconds: rng.int(1, 3) });
  }
  for (const atMs of spread(2, 0.1 * D, 0.85 * D)) {
    steps.push({ atMs, kind: 'slow_responses', target: anyOrg(), windowMs: rng.int(15_000, 25_000), latencyMs: rng.int(500, 2_500) });
  }
  for (const atMs of spread(2, 0.1 * D, 0.85 * D)) {
    steps.push({ atMs, kind: 'commit_then_timeout', target: anyOrg(), times: rng.int(2, 4), holdMs });
  }
  for (const atMs of spread(3, 0.1 * D, 0.9 * D)) steps.push({ atMs, kind: 'token_expiry', target: 'all' });
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/** Every kind once, at fixed points of the drive, with fixed parameters: the deterministic test schedule. */
function eachOnceFaults(o: PlanOptions): FaultStep[] {
  const at = (f: number) => Math.round(f * o.durationMs);
  const steps: FaultStep[] = [
    { atMs: at(0.1), kind: 'token_expiry', target: 'all' },
    { atMs: at(0.15), kind: 'slow_responses', target: 'all', windowMs: Math.round(0.1 * o.durationMs), latencyMs: 700 },
    { atMs: at(0.2), kind: 'rate_limited', target: 'all', times: 4, retryAfterSeconds: 1 },
    { atMs: at(0.25), kind: 'commit_then_timeout', target: 'all', times: 1, holdMs: o.creatioRequestTimeoutMs + 1_000 },
    { atMs: at(0.35), kind: 'worker_sigkill', target: 'all', downMs: 1_500, signal: 'SIGKILL', quiesce: true },
    { atMs: at(0.45), kind: 'creatio_outage', target: 'all', windowMs: Math.round(0.15 * o.durationMs) },
    { atMs: at(0.6), kind: 'api_restart', target: 'all', downMs: 1_000, signal: 'SIGKILL' },
    { atMs: at(0.75), kind: 'temporal_restart', target: 'all', downMs: 1_000, signal: 'SIGKILL', quiesce: true },
  ];
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/** What the conversation is expected to look like in the end, from its plan alone. */
export function plannedOutcome(c: ConversationPlan): 'resolved' | 'closed_without_case' | 'synced' {
  const resolves = c.events.some((e) => e.type === 'resolve');
  if (!resolves) return 'synced';
  const handoff = c.events.some((e) => e.type === 'handoff');
  return c.mode === 'handoff_only' && !handoff ? 'closed_without_case' : 'resolved';
}
