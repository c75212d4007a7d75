import { planAndWrite } from '../../../src/activities/plan-and-write';
import type { SyncSnapshot, WriteToCaseInput, WriteToCaseResult } from '../../../src/activities/types';
import type { EventHeader } from '../../../src/domain/events';

const CASE = 'b3c2f1aa-0000-5000-8000-000000000001';

function snapshot(pending: EventHeader[], over: Partial<SyncSnapshot> = {}): SyncSnapshot {
  const first = (pred: (e: EventHeader) => boolean): number | null => pending.find(pred)?.seq ?? null;
  return {
    connected: true,
    handoffOnly: false,
    caseId: null,
    caseNumber: null,
    syncedSeq: 0,
    contiguousSeq: pending.at(-1)?.seq ?? 0,
    endedAs: null,
    pending,
    triggers: {
      firstCustomerMessageSeq: first((e) => e.type === 'message' && e.role === 'customer'),
      firstHandoffSeq: first((e) => e.type === 'handoff'),
      firstResolveSeq: first((e) => e.type === 'resolve'),
    },
    ...over,
  };
}

const WRITTEN: WriteToCaseResult = { caseId: CASE, caseNumber: 'SR1', syncedSeq: 3, caseCreated: true, caseReplaced: false, recordsWritten: 4 };

function run(snap: SyncSnapshot) {
  const writes: WriteToCaseInput[] = [];
  const plans: number[] = [];
  const result = planAndWrite(
    { orgId: 'acme', conversationId: 'c-1', planLimit: 200 },
    async (input) => {
      plans.push(input.limit);
      return snap;
    },
    async (input) => {
      writes.push(input);
      return WRITTEN;
    },
  );
  return { result, writes, plans };
}

describe('planAndWrite', () => {
  it('writes when the plan is a write: the case on the first customer message, resolved in the same request', async () => {
    const { result, writes, plans } = run(
      snapshot([
        { seq: 1, type: 'message', role: 'ai' },
        { seq: 2, type: 'message', role: 'customer' },
        { seq: 3, type: 'resolve' },
      ]),
    );
    const r = await result;
    expect(plans).toEqual([200]);
    expect(writes).toEqual([
      { orgId: 'acme', conversationId: 'c-1', fromSeq: 1, toSeq: 2, createCase: { trigger: 'customer_message', triggerSeq: 2 }, planLimit: 200, resolveSeq: 3 },
    ]);
    expect(r.written).toBe(WRITTEN);
    expect(r.snapshot.contiguousSeq).toBe(3);
  });

  it('only plans when the plan is not a write (handoff-only before the handoff, nothing pending, disconnected)', async () => {
    for (const snap of [
      snapshot([{ seq: 1, type: 'message', role: 'customer' }], { handoffOnly: true }),
      snapshot([], { caseId: CASE }),
      snapshot([{ seq: 1, type: 'message', role: 'customer' }], { connected: false }),
    ]) {
      const { result, writes } = run(snap);
      const r = await result;
      expect(writes).toEqual([]);
      expect(r.written).toBeUndefined();
      expect(r.snapshot).toBe(snap);
    }
  });
});
