/**
 * At most N requests in flight per connection key (one Creatio instance), the
 * rest wait in FIFO order. Share one limiter per worker process so a tenant's
 * burst queues behind its own requests instead of flooding its instance; other
 * keys are unaffected.
 */
export interface ConnectionLimiterOptions {
  /** Max concurrent requests per key; default 8. */
  maxInFlight?: number;
}

interface Lane {
  active: number;
  waiting: Array<() => void>;
}

export class ConnectionLimiter {
  readonly maxInFlight: number;
  private readonly lanes = new Map<string, Lane>();

  constructor(options: ConnectionLimiterOptions = {}) {
    const max = options.maxInFlight ?? 8;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxInFlight must be a positive integer');
    this.maxInFlight = max;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  /** For metrics and tests: requests running and queued for `key`. */
  stats(key: string): { active: number; waiting: number } {
    const lane = this.lanes.get(key);
    return { active: lane?.active ?? 0, waiting: lane?.waiting.length ?? 0 };
  }

  private acquire(key: string): Promise<void> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { active: 0, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (lane.active < this.maxInFlight) {
      lane.active++;
      return Promise.resolve();
    }
    const l = lane;
    return new Promise<void>((resolve) => l.waiting.push(resolve));
  }

  private release(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    const next = lane.waiting.shift();
    if (next) {
      next(); // the slot passes straight to the next waiter: FIFO, no barging
      return;
    }
    lane.active--;
    if (lane.active === 0) this.lanes.delete(key);
  }
}

/** Used by clients created without a limiter: one per process, like the token cache. */
export const defaultConnectionLimiter = new ConnectionLimiter();
