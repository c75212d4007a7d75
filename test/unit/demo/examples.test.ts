import path from 'node:path';
import { EventsBodySchema } from '../../../src/api/schemas';
import { containsRtl } from '../../../src/domain/content-text';
import { ExampleError, loadExamples, messagesOf, parseExample, type Example } from '../../../src/demo/examples';
import { planReplay, requestBody } from '../../../src/demo/replay';

const examples = loadExamples(path.join(__dirname, '../../../examples'));

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 't',
    orgMode: 'every-conversation',
    conversationId: 'c-1',
    customer: { name: 'Test Customer' },
    expect: { case: true, finalState: 'resolved' },
    events: [
      { type: 'message', eventId: 'm1', role: 'customer', text: 'Hello' },
      { type: 'resolve', eventId: 'r1' },
    ],
    ...overrides,
  };
}

describe('examples/', () => {
  const some = (pred: (e: Example) => boolean) => examples.some(pred);

  it('holds at least six samples covering what the demo must show', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    expect(some((e) => e.orgMode === 'every-conversation')).toBe(true);
    expect(some((e) => e.orgMode === 'handoff-only')).toBe(true);
    expect(some((e) => e.events.some((ev) => ev.type === 'handoff' && !!ev.summary && !!ev.language && !!ev.sentiment && !!ev.reason))).toBe(true);
    expect(some((e) => messagesOf(e).length >= 200)).toBe(true);
    expect(some((e) => e.orgMode === 'handoff-only' && !e.expect.case && e.expect.finalState === 'closed_without_case')).toBe(true);
    expect(some((e) => e.expect.finalState === 'resolved' && e.expect.case)).toBe(true);
    expect(some((e) => messagesOf(e).some((m) => containsRtl(m.text ?? '')))).toBe(true);
    expect(some((e) => messagesOf(e).some((m) => /<script/i.test(m.html ?? '')))).toBe(true);
    expect(some((e) => messagesOf(e).some((m) => /\n/.test(m.text ?? '')))).toBe(true);
    expect(some((e) => messagesOf(e).some((m) => /\p{Extended_Pictographic}/u.test(m.text ?? m.html ?? '')))).toBe(true);
    // An agent reply after the handoff.
    expect(
      some((e) => {
        const h = e.events.findIndex((ev) => ev.type === 'handoff');
        return h >= 0 && e.events.slice(h).some((ev) => ev.type === 'message' && ev.role === 'agent');
      }),
    ).toBe(true);
  });

  it('replays as requests the API accepts, every event once and in order', () => {
    for (const ex of examples) {
      const plan = planReplay(ex, 'org-test', new Date('2026-03-10T12:00:00Z'));
      const sent: string[] = [];
      plan.requests.forEach((_r, i) => {
        const parsed = EventsBodySchema.safeParse(requestBody(plan, i));
        if (!parsed.success) throw new Error(`${ex.file} request ${i}: ${JSON.stringify(parsed.error.issues)}`);
        sent.push(...parsed.data.map((e) => e.eventId));
      });
      expect(sent).toEqual(ex.events.map((e) => e.eventId));
      expect(plan.requests.length).toBeGreaterThan(1);
      // Timestamps strictly increase unless a sample says "after": 0, and are in the past.
      const times = plan.events.map((e) => Date.parse(e.at));
      expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
      expect(times[times.length - 1]!).toBeLessThan(Date.parse('2026-03-10T12:00:00Z'));
    }
  });
});

describe('parseExample', () => {
  it('expands repeat blocks with {n}, {n:03} and texts used in turn', () => {
    const ex = parseExample(
      'r.json',
      minimal({
        expect: { case: true, finalState: 'syncing' },
        events: [{ repeat: { times: 3, events: [{ type: 'message', eventId: 'p{n:03}', role: 'customer', text: ['A {n}', 'B {n}'] }] } }],
      }),
    );
    expect(ex.events.map((e) => e.eventId)).toEqual(['p001', 'p002', 'p003']);
    expect(messagesOf(ex).map((m) => m.text)).toEqual(['A 1', 'B 2', 'A 3']);
  });

  it('applies the default channel to messages without one', () => {
    const ex = parseExample('c.json', minimal({ channel: 'webchat' }));
    expect(messagesOf(ex)[0]!.channel).toBe('webchat');
  });

  it('refuses an "expect" that the mode and events contradict', () => {
    expect(() => parseExample('x.json', minimal({ orgMode: 'handoff-only' }))).toThrow(/finalState=closed_without_case/);
  });

  it('refuses duplicate event IDs, a resolve that is not last, and unknown fields', () => {
    const dup = minimal({ events: [{ type: 'message', eventId: 'm1', role: 'customer', text: 'a' }, { type: 'message', eventId: 'm1', role: 'ai', text: 'b' }] });
    expect(() => parseExample('d.json', { ...dup, expect: { case: true, finalState: 'syncing' } })).toThrow(/appears twice/);
    const early = minimal({ events: [{ type: 'resolve', eventId: 'r' }, { type: 'message', eventId: 'm', role: 'customer', text: 'a' }] });
    expect(() => parseExample('e.json', early)).toThrow(/must be the last/);
    expect(() => parseExample('u.json', minimal({ colour: 'blue' }))).toThrow(ExampleError);
  });
});
