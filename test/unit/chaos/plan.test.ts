import { buildPlan, FAULT_KINDS, plannedOutcome, type PlanOptions } from '../../../src/chaos/plan';
import { Rng } from '../../../src/chaos/rng';

/** The chaos run's plan: reproducible from its seed, and shaped as the run needs it. */
const base: PlanOptions = {
  seed: 1,
  conversations: 120,
  messagesPerConversation: 8,
  durationMs: 180_000,
  orgs: 4,
  schedule: 'random',
  creatioRequestTimeoutMs: 6_000,
};

it('the same seed gives the same plan; another seed another one', () => {
  expect(buildPlan(base)).toEqual(buildPlan(base));
  expect(buildPlan({ ...base, seed: 2 }).conversations).not.toEqual(buildPlan(base).conversations);
  const a = new Rng(5);
  const b = new Rng(5);
  expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
});

it('every conversation opens with a customer message, sends each event once, in order, within the drive', () => {
  for (const c of buildPlan(base).conversations) {
    const first = c.events[0]!;
    expect(first.type === 'message' && first.role).toBe('customer');
    expect(new Set(c.events.map((e) => e.eventId)).size).toBe(c.events.length);
    const covered = c.posts.flatMap((p) => Array.from({ length: p.to - p.from }, (_, i) => p.from + i));
    expect(covered).toEqual(c.events.map((_, i) => i));
    expect(c.posts.every((p, i) => p.atMs <= base.durationMs && (i === 0 || p.atMs >= c.posts[i - 1]!.atMs))).toBe(true);
    // A resolve comes last; concurrent requests carry messages only (their order of arrival is up to the network).
    expect(c.events.findIndex((e) => e.type === 'resolve')).toBeGreaterThanOrEqual(c.events.some((e) => e.type === 'resolve') ? c.events.length - 1 : -1);
    for (const p of c.posts.filter((x) => x.style === 'concurrent')) expect(c.events.slice(p.from, p.to).every((e) => e.type === 'message')).toBe(true);
  }
});

it('uses both modes, and every handoff-only conversation either hands off or is resolved (never pending forever)', () => {
  const plan = buildPlan(base);
  expect(new Set(plan.orgs.map((o) => o.mode))).toEqual(new Set(['every_message', 'handoff_only']));
  const outcomes = new Set(plan.conversations.map(plannedOutcome));
  expect(outcomes).toEqual(new Set(['synced', 'resolved', 'closed_without_case']));
  for (const c of plan.conversations.filter((x) => x.mode === 'handoff_only')) {
    expect(c.events.some((e) => e.type === 'handoff' || e.type === 'resolve')).toBe(true);
  }
});

it('deletes and closes about 3 % of cases, where a case exists and more follows; a closure is followed by the customer', () => {
  const plan = buildPlan(base);
  const life = plan.conversations.filter((c) => c.lifecycle);
  expect(life.filter((c) => c.lifecycle!.kind === 'delete_case')).toHaveLength(4);
  expect(life.filter((c) => c.lifecycle!.kind === 'close_case')).toHaveLength(4);
  for (const c of life) {
    const { beforePost, kind } = c.lifecycle!;
    expect(beforePost).toBeGreaterThan(0);
    expect(beforePost).toBeLessThan(c.posts.length);
    expect(c.events.some((e) => e.type === 'resolve')).toBe(false);
    const post = c.posts[beforePost]!;
    if (kind === 'close_case') expect(c.events.slice(post.from, post.to).some((e) => e.type === 'message' && e.role === 'customer')).toBe(true);
  }
});

it('the random schedule repeats process kills and has every kind; the test schedule has each kind exactly once', () => {
  const random = buildPlan(base).faults;
  for (const kind of FAULT_KINDS) expect(random.some((f) => f.kind === kind)).toBe(true);
  expect(random.filter((f) => f.kind === 'worker_sigkill').length).toBeGreaterThanOrEqual(2);
  expect(random.every((f, i) => i === 0 || f.atMs >= random[i - 1]!.atMs)).toBe(true);
  const once = buildPlan({ ...base, schedule: 'each-once' }).faults;
  expect(once.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
  // A held write must outlast the worker's request timeout, or it is only a slow response.
  for (const f of [...random, ...once].filter((x) => x.kind === 'commit_then_timeout')) expect(f.holdMs!).toBeGreaterThan(base.creatioRequestTimeoutMs);
});
