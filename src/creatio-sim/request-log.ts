/**
 * Request log and counts by kind (kinds are documented on RequestKind in
 * types.ts). The log keeps the newest entries only, so a long standalone run or
 * a benchmark cannot grow it without bound; counts are exact.
 */
import type { RequestLogEntry } from './types';

const MAX_LOG = 100_000;

export class RequestRecorder {
  private log: RequestLogEntry[] = [];
  private counts = new Map<string, number>();
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  record(entry: RequestLogEntry): void {
    this.counts.set(entry.kind, (this.counts.get(entry.kind) ?? 0) + 1);
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log = this.log.slice(-Math.floor(MAX_LOG / 2));
  }

  entries(): ReadonlyArray<RequestLogEntry> {
    return this.log.slice();
  }

  countsByKind(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  reset(): void {
    this.log = [];
    this.counts.clear();
  }
}
