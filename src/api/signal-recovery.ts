import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { signalEventsAvailable, type SignalTarget } from '../client/conversation-signals';
import { listUnsignalled, markSignalled } from '../store/conversations-repo';

/**
 * Signals conversations whose stored events were never signalled (Temporal
 * was unreachable when they arrived, or the API died between commit and
 * signal). Runs in every API process. Conversations already synced that far
 * are only marked: their workflow evidently had the signal (it timed out on
 * our side only), and a late signal would start a needless new run.
 */
export function startSignalRecovery(pool: Pool, signals: SignalTarget, logger: Logger, intervalMs: number): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    const pending = await listUnsignalled(pool, 200);
    for (const c of pending) {
      if (stopped) return;
      try {
        if (c.syncedSeq < c.contiguousSeq) await signalEventsAvailable(signals, c.orgId, c.conversationId, c.contiguousSeq);
        await markSignalled(pool, c.orgId, c.conversationId, c.contiguousSeq);
        logger.info({ orgId: c.orgId, conversationId: c.conversationId, upTo: c.contiguousSeq }, 'signalled stored events');
      } catch {
        // Still unreachable: try again next tick, without flooding the log.
        return;
      }
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((err: unknown) => logger.warn({ err: String(err) }, 'signal recovery failed'));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
