import { Context } from '@temporalio/activity';

/** How often a running activity tells Temporal it is alive. */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs an activity body while heartbeating in the background. If the worker
 * dies mid-call, Temporal notices within the heartbeat timeout and retries on
 * another worker, instead of waiting out the whole start-to-close timeout.
 */
export function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
