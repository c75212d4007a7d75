import type { EventHeader, Role } from '../../../src/domain/events';
import { planNextStep, type PendingTriggers, type PlanInput, type SyncAction } from '../../../src/domain/sync-plan';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

type Kind = 'customer' | 'ai' | 'agent' | 'system' | 'handoff' | 'resolve';

function header(seq: number, kind: Kind): EventHeader {
  if (kind === 'handoff' || kind === 'resolve') return { seq, type: kind };
  const role: Role = kind;
  return { seq, type: 'message', role };
}

/** Headers numbered from `from` (default 1), one per kind. */
function events(kinds: readonly Kind[], from = 1): EventHeader[] {
  return kinds.map((k, i) => header(from + i, k));
}

/** n events of one kind. */
function many(n: number, kind: Kind, from = 1): EventHeader[] {
  return events(Array.from({ length: n }, () => kind), from);
}

/** What the planSync activity computes: first trigger of each kind among ALL pending events. */
function triggersOf(all: readonly EventHeader[]): PendingTriggers {
  const first = (pred: (e: EventHeader) => boolean): number | null => all.find(pred)?.seq ?? null;
  return {
    firstCustomerMessageSeq: first((e) => e.type === 'message' && e.role === 'customer'),
    firstHandoffSeq: first((e) => e.type === 'handoff'),
    firstResolveSeq: first((e) => e.type === 'resolve'),
  };
}

/**
 * Plan input with the workflow's real caps (100 per write, 98 when the write
 * also carries the case and its link activity). `all` is every stored pending
 * event; `pageSize` cuts the page the planner sees, triggers come from `all`.
 */
function input(all: readonly EventHeader[], over: Partial<PlanInput> & { pageSize?: number } = {}): PlanInput {
  const { pageSize, ...rest } = over;
  return {
    handoffOnly: false,
    connected: true,
    caseId: null,
    pending: pageSize === undefined ? [...all] : all.slice(0, pageSize),
    triggers: triggersOf(all),
    maxEventsPerWrite: 100,
    maxEventsWithNewCase: 98,
    ...rest,
  };
}

const CASE = 'b3c2f1aa-0000-5000-8000-000000000001';

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

describe('planNextStep: connection and nothing to do', () => {
  it('is disconnected when the org has no working connection, whatever is pending', () => {
    expect(planNextStep(input(events(['customer', 'ai']), { connected: false }))).toEqual({ kind: 'disconnected' });
    expect(planNextStep(input(events(['resolve']), { connected: false, caseId: CASE }))).toEqual({ kind: 'disconnected' });
    expect(planNextStep(input([], { connected: false }))).toEqual({ kind: 'disconnected' });
  });

  it('is idle when nothing is pending, with or without a case', () => {
    expect(planNextStep(input([]))).toEqual({ kind: 'idle' });
    expect(planNextStep(input([], { caseId: CASE }))).toEqual({ kind: 'idle' });
    expect(planNextStep(input([], { handoffOnly: true }))).toEqual({ kind: 'idle' });
  });
});

describe('planNextStep: every-conversation mode, no case yet', () => {
  it('creates the case on the first customer message, writing everything pending from the cursor', () => {
    expect(planNextStep(input(events(['customer', 'ai', 'customer'])))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 3,
      createCase: { trigger: 'customer_message', triggerSeq: 1 },
    });
  });

  it('includes the AI greeting that came before the first customer message', () => {
    expect(planNextStep(input(events(['system', 'ai', 'customer', 'ai'])))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 4,
      createCase: { trigger: 'customer_message', triggerSeq: 3 },
    });
  });

  it('waits (idle) while only AI, agent and system messages are pending', () => {
    expect(planNextStep(input(events(['ai', 'system', 'agent', 'ai'])))).toEqual({ kind: 'idle' });
  });

  it('creates the case on a handoff that comes before any customer message', () => {
    expect(planNextStep(input(events(['ai', 'handoff', 'customer'])))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 3,
      createCase: { trigger: 'handoff', triggerSeq: 2 },
    });
  });

  it('names the customer message as trigger when it comes before the handoff', () => {
    const action = planNextStep(input(events(['ai', 'customer', 'handoff'])));
    expect(action).toMatchObject({ kind: 'write', createCase: { trigger: 'customer_message', triggerSeq: 2 } });
  });

  it('starts at the cursor, not at 1', () => {
    expect(planNextStep(input(events(['ai', 'customer'], 41)))).toEqual({
      kind: 'write',
      fromSeq: 41,
      toSeq: 42,
      createCase: { trigger: 'customer_message', triggerSeq: 42 },
    });
  });

  it('writes only up to the resolve when the trigger comes before it, offering the resolve to the same request', () => {
    expect(planNextStep(input(events(['customer', 'ai', 'resolve', 'customer'])))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 2,
      createCase: { trigger: 'customer_message', triggerSeq: 1 },
      thenResolve: 3,
    });
  });

  it('offers the resolve with the new case only when the write reaches it', () => {
    // 120 messages then the resolve: the first write stops at 98, the resolve is a later step.
    const all = [...many(120, 'customer'), header(121, 'resolve')];
    const first = planNextStep(input(all));
    expect(first).toEqual({ kind: 'write', fromSeq: 1, toSeq: 98, createCase: { trigger: 'customer_message', triggerSeq: 1 } });
    // 98 messages fit with the case: the resolve is offered (the write decides whether it fits the request).
    const fits = planNextStep(input([...many(98, 'customer'), header(99, 'resolve')]));
    expect(fits).toMatchObject({ kind: 'write', toSeq: 98, thenResolve: 99 });
  });

  it('closes without a case when the conversation is resolved before any trigger', () => {
    expect(planNextStep(input(events(['ai', 'ai', 'resolve'])))).toEqual({ kind: 'close_without_case', seq: 3 });
    expect(planNextStep(input(events(['resolve'])))).toEqual({ kind: 'close_without_case', seq: 1 });
  });

  it('closes without a case when the first customer message comes only after the resolve', () => {
    // The customer message after the resolve is a matter for the next plan (cursor at the resolve).
    expect(planNextStep(input(events(['ai', 'resolve', 'customer'])))).toEqual({ kind: 'close_without_case', seq: 2 });
    expect(planNextStep(input(events(['customer'], 3)))).toMatchObject({
      kind: 'write',
      fromSeq: 3,
      toSeq: 3,
      createCase: { trigger: 'customer_message', triggerSeq: 3 },
    });
  });
});

describe('planNextStep: handoff-only mode, no case yet', () => {
  const ho = { handoffOnly: true };

  it('does not create a case for customer messages', () => {
    expect(planNextStep(input(events(['ai', 'customer', 'customer', 'ai']), ho))).toEqual({ kind: 'idle' });
  });

  it('creates the case on the handoff and writes the transcript before it, in order', () => {
    expect(planNextStep(input(events(['ai', 'customer', 'ai', 'customer', 'handoff', 'agent']), ho))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 6,
      createCase: { trigger: 'handoff', triggerSeq: 5 },
    });
  });

  it('closes without a case when resolved without a handoff', () => {
    expect(planNextStep(input(events(['ai', 'customer', 'ai', 'resolve']), ho))).toEqual({ kind: 'close_without_case', seq: 4 });
  });

  it('closes without a case when the handoff only comes after the resolve', () => {
    expect(planNextStep(input(events(['customer', 'resolve', 'handoff']), ho))).toEqual({ kind: 'close_without_case', seq: 2 });
  });

  it('writes up to the resolve when the handoff comes before it', () => {
    expect(planNextStep(input(events(['customer', 'handoff', 'agent', 'resolve']), ho))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 3,
      createCase: { trigger: 'handoff', triggerSeq: 2 },
      thenResolve: 4,
    });
  });
});

describe('planNextStep: a case exists', () => {
  const withCase = { caseId: CASE };

  it('writes whatever is pending without a trigger and without createCase', () => {
    const action = planNextStep(input(events(['ai', 'system'], 10), withCase));
    expect(action).toEqual({ kind: 'write', fromSeq: 10, toSeq: 11 });
    expect(action).not.toHaveProperty('createCase');
  });

  it('does the same in handoff-only mode', () => {
    expect(planNextStep(input(events(['customer', 'ai'], 10), { ...withCase, handoffOnly: true }))).toEqual({
      kind: 'write',
      fromSeq: 10,
      toSeq: 11,
    });
  });

  it('writes everything before a resolve first, then resolves', () => {
    expect(planNextStep(input(events(['customer', 'ai', 'resolve', 'customer'], 5), withCase))).toEqual({
      kind: 'write',
      fromSeq: 5,
      toSeq: 6,
    });
    expect(planNextStep(input(events(['resolve', 'customer'], 7), withCase))).toEqual({ kind: 'resolve', seq: 7 });
  });

  it('writes a message that arrives after the resolve to the same case (no second case)', () => {
    expect(planNextStep(input(events(['customer'], 8), withCase))).toEqual({ kind: 'write', fromSeq: 8, toSeq: 8 });
  });

  it('resolves each resolve in turn', () => {
    expect(planNextStep(input(events(['resolve', 'resolve'], 3), withCase))).toEqual({ kind: 'resolve', seq: 3 });
    expect(planNextStep(input(events(['resolve'], 4), withCase))).toEqual({ kind: 'resolve', seq: 4 });
  });

  it('a handoff on an existing case is just another event to write', () => {
    expect(planNextStep(input(events(['handoff'], 3), withCase))).toEqual({ kind: 'write', fromSeq: 3, toSeq: 3 });
  });
});

describe('planNextStep: batch caps', () => {
  it.each([
    [1, 1],
    [97, 97],
    [98, 98],
    [99, 98],
    [150, 98],
  ])('a write that creates the case carries at most 98 events (%i pending → %i)', (n, written) => {
    const all = [header(1, 'customer'), ...many(n - 1, 'ai', 2)];
    expect(planNextStep(input(all))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: written,
      createCase: { trigger: 'customer_message', triggerSeq: 1 },
    });
  });

  it.each([
    [99, 99],
    [100, 100],
    [101, 100],
    [200, 100],
  ])('a write to an existing case carries at most 100 events (%i pending → %i)', (n, written) => {
    expect(planNextStep(input(many(n, 'ai', 301), { caseId: CASE }))).toEqual({ kind: 'write', fromSeq: 301, toSeq: 300 + written });
  });

  it('uses the caps it is given, not constants', () => {
    const all = many(10, 'customer');
    expect(planNextStep(input(all, { maxEventsWithNewCase: 3 }))).toMatchObject({ fromSeq: 1, toSeq: 3 });
    expect(planNextStep(input(all, { caseId: CASE, maxEventsPerWrite: 4 }))).toMatchObject({ fromSeq: 1, toSeq: 4 });
  });

  it('a resolve inside the cap still ends the write', () => {
    const all = [...many(40, 'customer'), header(41, 'resolve'), ...many(100, 'ai', 42)];
    expect(planNextStep(input(all))).toMatchObject({ kind: 'write', fromSeq: 1, toSeq: 40 });
    expect(planNextStep(input(all, { caseId: CASE }))).toEqual({ kind: 'write', fromSeq: 1, toSeq: 40 });
  });
});

describe('planNextStep: triggers beyond the first page', () => {
  const PAGE = 200;

  it('creates the case when the first customer message lies beyond the page (AI-only first page)', () => {
    const all = [...many(250, 'ai'), header(251, 'customer')];
    expect(planNextStep(input(all, { pageSize: PAGE }))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 98,
      createCase: { trigger: 'customer_message', triggerSeq: 251 },
    });
  });

  it('creates the case when the handoff lies beyond the page (handoff-only mode)', () => {
    const all = [...many(300, 'customer'), header(301, 'handoff')];
    expect(planNextStep(input(all, { pageSize: PAGE, handoffOnly: true }))).toEqual({
      kind: 'write',
      fromSeq: 1,
      toSeq: 98,
      createCase: { trigger: 'handoff', triggerSeq: 301 },
    });
  });

  it('closes without a case when a resolve beyond the page comes before any trigger', () => {
    const all = [...many(250, 'ai'), header(251, 'resolve'), header(252, 'customer')];
    expect(planNextStep(input(all, { pageSize: PAGE }))).toEqual({ kind: 'close_without_case', seq: 251 });
  });

  it('writes when both trigger and resolve are beyond the page and the trigger comes first', () => {
    const all = [...many(250, 'ai'), header(251, 'customer'), header(252, 'resolve')];
    expect(planNextStep(input(all, { pageSize: PAGE }))).toMatchObject({
      kind: 'write',
      fromSeq: 1,
      toSeq: 98,
      createCase: { triggerSeq: 251 },
    });
  });

  it('stays idle when nothing beyond the page is a trigger or a resolve', () => {
    expect(planNextStep(input(many(500, 'ai'), { pageSize: PAGE }))).toEqual({ kind: 'idle' });
    expect(planNextStep(input(many(500, 'customer'), { pageSize: PAGE, handoffOnly: true }))).toEqual({ kind: 'idle' });
  });
});

// ---------------------------------------------------------------------------
// Property: driving the plan to the end, like the workflow does
// ---------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32) so failures reproduce from the seed. */
function prng(seed: number): { next(): number; int(lo: number, hi: number): number } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

/** Random kinds; triggers and resolves are rarer than chatter, sometimes very rare (long AI-only stretches). */
function randomKinds(r: ReturnType<typeof prng>, length: number): Kind[] {
  const rare = r.next() < 0.3;
  const weights: Array<[Kind, number]> = [
    ['ai', 10],
    ['agent', 3],
    ['system', 1],
    ['customer', rare ? 0.05 : 6],
    ['handoff', rare ? 0.02 : 1],
    ['resolve', rare ? 0.02 : 0.7],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const out: Kind[] = [];
  for (let i = 0; i < length; i++) {
    let x = r.next() * total;
    let kind: Kind = 'ai';
    for (const [k, w] of weights) {
      if (x < w) {
        kind = k;
        break;
      }
      x -= w;
    }
    out.push(kind);
  }
  return out;
}

interface Expected {
  written: number[];
  resolved: number[];
  closedWithoutCase: number[];
  caseCreated: boolean;
  /** The cursor once nothing is left to do. */
  finalCursor: number;
}

/**
 * Independent oracle (no planner logic reused): split the conversation at its
 * resolves. A stretch is written when a case already exists or it contains a
 * trigger (customer message or handoff; handoff only in handoff-only mode),
 * which creates the case. A resolve then resolves the case, or closes the
 * conversation without one. A trailing stretch without a trigger waits.
 */
function oracle(kinds: readonly Kind[], handoffOnly: boolean): Expected {
  const isTrigger = (k: Kind): boolean => k === 'handoff' || (!handoffOnly && k === 'customer');
  const out: Expected = { written: [], resolved: [], closedWithoutCase: [], caseCreated: false, finalCursor: 0 };
  let stretch: Array<{ seq: number; kind: Kind }> = [];
  const flush = (): boolean => {
    if (out.caseCreated || stretch.some((e) => isTrigger(e.kind))) {
      out.caseCreated = true;
      out.written.push(...stretch.map((e) => e.seq));
      if (stretch.length > 0) out.finalCursor = stretch[stretch.length - 1]!.seq;
      return true;
    }
    return false;
  };
  kinds.forEach((kind, i) => {
    const seq = i + 1;
    if (kind !== 'resolve') {
      stretch.push({ seq, kind });
      return;
    }
    if (flush()) out.resolved.push(seq);
    else out.closedWithoutCase.push(seq);
    out.finalCursor = seq;
    stretch = [];
  });
  flush();
  return out;
}

interface RunOptions {
  /** Mode per step (a connection setting that can change while the conversation runs). */
  handoffOnly: (step: number) => boolean;
  pageSize: number;
  maxEventsPerWrite: number;
  maxEventsWithNewCase: number;
  /** How many events are stored before the first plan and after each idle (all at once by default). */
  arrivals?: (stored: number, total: number) => number;
}

interface Run {
  written: number[];
  resolved: number[];
  closedWithoutCase: number[];
  casesCreated: number;
  cursor: number;
  steps: number;
}

/**
 * Plays the workflow's loop against an in-memory store: plan, then do what the
 * activity would (a write advances the cursor to toSeq, resolve and close to
 * their seq), checking each action against what the store holds.
 */
function drive(kinds: readonly Kind[], opts: RunOptions): Run {
  const all = events(kinds);
  let stored = opts.arrivals ? opts.arrivals(0, all.length) : all.length;
  const run: Run = { written: [], resolved: [], closedWithoutCase: [], casesCreated: 0, cursor: 0, steps: 0 };
  let caseId: string | null = null;
  // Every step moves the cursor by at least one, stores at least one more event, or ends.
  const stepLimit = 3 * all.length + 10;

  for (;;) {
    run.steps += 1;
    if (run.steps > stepLimit) throw new Error(`no termination after ${stepLimit} steps (cursor ${run.cursor})`);
    const handoffOnly = opts.handoffOnly(run.steps);
    const pendingAll = all.slice(run.cursor, stored);
    const action: SyncAction = planNextStep({
      handoffOnly,
      connected: true,
      caseId,
      pending: pendingAll.slice(0, opts.pageSize),
      triggers: triggersOf(pendingAll),
      maxEventsPerWrite: opts.maxEventsPerWrite,
      maxEventsWithNewCase: opts.maxEventsWithNewCase,
    });
    const at = (seq: number): EventHeader => {
      const e = all[seq - 1];
      if (!e || seq > stored) throw new Error(`action names seq ${seq}, which is not stored (stored up to ${stored})`);
      return e;
    };

    switch (action.kind) {
      case 'disconnected':
        throw new Error('disconnected although connected');
      case 'idle':
        if (stored < all.length) {
          stored = opts.arrivals!(stored, all.length);
          continue;
        }
        return run;
      case 'write': {
        // Contiguous with what is written, in order, never past a resolve.
        check(action.fromSeq === run.cursor + 1, `write starts at ${action.fromSeq}, cursor is ${run.cursor}`);
        check(action.toSeq >= action.fromSeq, `empty write ${action.fromSeq}..${action.toSeq}`);
        check(action.toSeq <= Math.min(stored, run.cursor + opts.pageSize), `write to ${action.toSeq} goes past the page`);
        for (let s = action.fromSeq; s <= action.toSeq; s++) check(at(s).type !== 'resolve', `write covers resolve ${s}`);
        if (caseId === null) {
          // Never a write before the case exists: the first write creates it.
          const cc = action.createCase;
          if (!cc) throw new Error(`write ${action.fromSeq}..${action.toSeq} without a case and without createCase`);
          check(action.toSeq - action.fromSeq + 1 <= opts.maxEventsWithNewCase, 'case write over its cap');
          const trig = at(cc.triggerSeq);
          check(cc.triggerSeq > run.cursor, `trigger ${cc.triggerSeq} is already behind the cursor`);
          if (cc.trigger === 'handoff') check(trig.type === 'handoff', `trigger ${cc.triggerSeq} is not a handoff`);
          else check(trig.type === 'message' && trig.role === 'customer', `trigger ${cc.triggerSeq} is not a customer message`);
          if (handoffOnly) check(cc.trigger === 'handoff', 'handoff-only mode created a case without a handoff');
          // No resolve between the cursor and the trigger.
          for (let s = run.cursor + 1; s < cc.triggerSeq; s++) check(at(s).type !== 'resolve', `resolve ${s} before trigger ${cc.triggerSeq}`);
          caseId = CASE;
          run.casesCreated += 1;
        } else {
          check(action.createCase === undefined, 'createCase although the case exists');
          check(action.toSeq - action.fromSeq + 1 <= opts.maxEventsPerWrite, 'write over its cap');
        }
        for (let s = action.fromSeq; s <= action.toSeq; s++) run.written.push(s);
        run.cursor = action.toSeq;
        break;
      }
      case 'resolve':
        check(caseId !== null, 'resolve without a case');
        check(action.seq === run.cursor + 1, `resolve ${action.seq} is not next after ${run.cursor}`);
        check(at(action.seq).type === 'resolve', `resolve names ${action.seq}, not a resolve event`);
        run.resolved.push(action.seq);
        run.cursor = action.seq;
        break;
      case 'close_without_case':
        check(caseId === null, 'close_without_case although a case exists');
        check(action.seq > run.cursor, `close ${action.seq} is behind the cursor`);
        check(at(action.seq).type === 'resolve', `close names ${action.seq}, not a resolve event`);
        for (let s = run.cursor + 1; s < action.seq; s++) check(at(s).type !== 'resolve', `close skips resolve ${s}`);
        run.closedWithoutCase.push(action.seq);
        run.cursor = action.seq;
        break;
    }
  }
}

/** Plain assertion for the hot loops (jest's expect is too slow for thousands of checks). */
function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

function checkInvariants(run: Run): void {
  // Every write exactly once and in order: strictly increasing, hence no repeats.
  for (let i = 1; i < run.written.length; i++) check(run.written[i]! > run.written[i - 1]!, `seq ${run.written[i]} written after ${run.written[i - 1]}`);
  check(run.casesCreated <= 1, `${run.casesCreated} cases created`);
}

describe('planNextStep: property — repeated planning syncs every writable event exactly once', () => {
  const configs: Array<{ name: string; pageSize: number; maxEventsPerWrite: number; maxEventsWithNewCase: number; lengths: [number, number] }> = [
    { name: 'real caps (page 200, 100/98)', pageSize: 200, maxEventsPerWrite: 100, maxEventsWithNewCase: 98, lengths: [0, 700] },
    { name: 'tiny page and caps (page 5, 3/2)', pageSize: 5, maxEventsPerWrite: 3, maxEventsWithNewCase: 2, lengths: [0, 60] },
    { name: 'caps of one (page 1, 1/1)', pageSize: 1, maxEventsPerWrite: 1, maxEventsWithNewCase: 1, lengths: [0, 30] },
    { name: 'page smaller than the caps (page 4, 10/10)', pageSize: 4, maxEventsPerWrite: 10, maxEventsWithNewCase: 10, lengths: [0, 60] },
  ];

  for (const cfg of configs) {
    for (const handoffOnly of [false, true]) {
      it(`${cfg.name}, ${handoffOnly ? 'handoff-only' : 'every conversation'}: matches the oracle for 300 random conversations`, () => {
        const r = prng(cfg.pageSize * 7919 + (handoffOnly ? 1 : 0));
        for (let i = 0; i < 300; i++) {
          const kinds = randomKinds(r, r.int(cfg.lengths[0], cfg.lengths[1]));
          const run = drive(kinds, { ...cfg, handoffOnly: () => handoffOnly });
          checkInvariants(run);
          const want = oracle(kinds, handoffOnly);
          const got: Expected = { written: run.written, resolved: run.resolved, closedWithoutCase: run.closedWithoutCase, caseCreated: run.casesCreated === 1, finalCursor: run.cursor };
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            // Only on a mismatch: show the conversation and the difference.
            expect({ kinds: kinds.join(','), ...got }).toEqual({ kinds: kinds.join(','), ...want });
          }
        }
      });
    }
  }

  it('gives the same result when events arrive a few at a time (plans made on partial data)', () => {
    const r = prng(4242);
    for (let i = 0; i < 300; i++) {
      const kinds = randomKinds(r, r.int(0, 120));
      const handoffOnly = r.next() < 0.5;
      const burst = r.int(1, 7);
      const run = drive(kinds, {
        handoffOnly: () => handoffOnly,
        pageSize: r.int(1, 20),
        maxEventsPerWrite: r.int(1, 12),
        maxEventsWithNewCase: r.int(1, 10),
        arrivals: (stored, total) => Math.min(total, stored + burst),
      });
      checkInvariants(run);
      const want = oracle(kinds, handoffOnly);
      const got = { written: run.written, resolved: run.resolved, closedWithoutCase: run.closedWithoutCase };
      const exp = { written: want.written, resolved: want.resolved, closedWithoutCase: want.closedWithoutCase };
      if (JSON.stringify(got) !== JSON.stringify(exp)) expect({ kinds: kinds.join(','), ...got }).toEqual({ kinds: kinds.join(','), ...exp });
    }
  });

  it('keeps exactly-once, in-order, one case and termination when the mode changes mid-conversation', () => {
    const r = prng(777);
    for (let i = 0; i < 300; i++) {
      const kinds = randomKinds(r, r.int(0, 150));
      const flips = Array.from({ length: 4 * kinds.length + 20 }, () => r.next() < 0.5);
      const run = drive(kinds, {
        handoffOnly: (step) => flips[step] ?? false,
        pageSize: r.int(1, 30),
        maxEventsPerWrite: r.int(1, 12),
        maxEventsWithNewCase: r.int(1, 10),
        arrivals: (stored, total) => Math.min(total, stored + 3),
      });
      checkInvariants(run);
      // Every event the run passed is accounted for exactly once: written, resolved, or skipped before a close.
      const resolves = new Set([...run.resolved, ...run.closedWithoutCase]);
      const written = new Set(run.written);
      for (const s of run.written) check(!resolves.has(s), `resolve ${s} written as an activity`);
      if (run.casesCreated === 1) {
        // After the case exists nothing is skipped: every event after the first write is written or a resolve.
        for (let s = run.written[0]!; s <= run.cursor; s++) check(written.has(s) || resolves.has(s), `seq ${s} skipped after the case existed`);
        // And the whole stored conversation was processed.
        check(run.cursor === kinds.length, `stopped at ${run.cursor} of ${kinds.length} with a case`);
      }
    }
  });
});
