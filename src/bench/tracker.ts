import type { ConversationPlan } from './schedule';

/**
 * Knows, per conversation, when each event was accepted and when each message
 * became readable where it is written (the simulator, or the floor's no-op
 * activity), and resolves a conversation's promise once every message is
 * readable and the conversation is resolved.
 */
interface Entry {
  plan: ConversationPlan;
  accepted: Map<number, number>;
  readable: Map<number, number>;
  resolvedAt?: number;
  completedAt?: number;
  done: () => void;
  completion: Promise<void>;
}

export class CompletionTracker {
  private readonly entries = new Map<string, Entry>();
  /** Readable-before-accepted events (the write beat the 202 back to the driver), counted as 0 ms. */
  earlyReads = 0;

  add(plan: ConversationPlan): void {
    let done!: () => void;
    const completion = new Promise<void>((r) => (done = r));
    this.entries.set(plan.key, { plan, accepted: new Map(), readable: new Map(), done, completion });
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  completion(key: string): Promise<void> {
    return this.entry(key).completion;
  }

  accepted(key: string, seqs: readonly number[], at: number): void {
    const e = this.entry(key);
    for (const seq of seqs) e.accepted.set(seq, at);
  }

  readable(key: string, seq: number, at: number): void {
    const e = this.entries.get(key);
    if (!e || e.readable.has(seq)) return;
    e.readable.set(seq, at);
    this.check(e, at);
  }

  resolved(key: string, at: number): void {
    const e = this.entries.get(key);
    if (!e || e.resolvedAt !== undefined) return;
    e.resolvedAt = at;
    this.check(e, at);
  }

  /** Completion times of the conversations that completed. */
  completedAt(): number[] {
    return [...this.entries.values()].flatMap((e) => (e.completedAt === undefined ? [] : [e.completedAt]));
  }

  completedCount(): number {
    return this.completedAt().length;
  }

  readableMessages(): number {
    let n = 0;
    for (const e of this.entries.values()) for (const seq of e.plan.messageSeqs) if (e.readable.has(seq)) n++;
    return n;
  }

  /** Accepted → readable, per message, in ms; messages of handoff-only conversations count from the handoff's acceptance. */
  latencies(): number[] {
    const out: number[] = [];
    this.earlyReads = 0;
    for (const e of this.entries.values()) {
      const trigger = e.plan.triggerSeq === null ? undefined : e.accepted.get(e.plan.triggerSeq);
      for (const seq of e.plan.messageSeqs) {
        const read = e.readable.get(seq);
        const own = e.accepted.get(seq);
        if (read === undefined || own === undefined) continue;
        const from = trigger === undefined ? own : Math.max(own, trigger);
        if (read < from) this.earlyReads++;
        out.push(Math.max(0, read - from));
      }
    }
    return out;
  }

  private check(e: Entry, at: number): void {
    if (e.completedAt !== undefined) return;
    if (e.plan.resolveSeq !== null && e.resolvedAt === undefined) return;
    if (e.plan.messageSeqs.some((s) => !e.readable.has(s))) return;
    e.completedAt = Math.max(at, e.resolvedAt ?? at);
    e.done();
  }

  private entry(key: string): Entry {
    const e = this.entries.get(key);
    if (!e) throw new Error(`unknown conversation ${key}`);
    return e;
  }
}
