import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The Temporal floor: the least a durable implementation of the same job
 * needs. One workflow per conversation, one signal per API request, one
 * activity per write of up to 100 events and one for the resolve, with no-op
 * activity bodies. Everything our service does beyond this is its own cost.
 * (Bundled into the floor worker: imports @temporalio/workflow only.)
 */
export const floorUpToSignal = defineSignal<[{ upTo: number }]>('upTo');

export interface FloorInput {
  key: string;
  /** Nothing is written before this seq is known (the handoff in handoff-only mode). */
  writableFrom: number;
  lastWriteSeq: number;
  /** null: stays open (idle runs). */
  resolveSeq: number | null;
  maxPerWrite: number;
}

export interface FloorActivities {
  write(input: { key: string; from: number; to: number }): Promise<void>;
  resolve(input: { key: string }): Promise<void>;
}

const acts = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorConversation(input: FloorInput): Promise<void> {
  let upTo = 0;
  setHandler(floorUpToSignal, (s) => {
    upTo = Math.max(upTo, s.upTo);
  });
  let written = 0;
  /** Highest seq acted on: the workflow sleeps until a signal goes beyond it. */
  let handled = 0;
  for (;;) {
    await condition(() => upTo > handled && upTo >= input.writableFrom);
    const known = upTo;
    const target = Math.min(known, input.lastWriteSeq);
    while (written < target) {
      const to = Math.min(target, written + input.maxPerWrite);
      await acts.write({ key: input.key, from: written + 1, to });
      written = to;
    }
    if (input.resolveSeq !== null && known >= input.resolveSeq) {
      await acts.resolve({ key: input.key });
      return;
    }
    handled = known;
  }
}
