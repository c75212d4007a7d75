import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { signalEventsAvailable, type SignalTarget } from '../client/conversation-signals';
import { listUnsignalled, markSignalled } from '../store/conversations-repo';

/**
 * Signals conversations whose stored events may never have been signalled
 * (Temporal was unreachable when they arrived, or the API died between
 * commit and signal) once they are `graceMs` old. Runs in every API process.
 * Conversations already synced that far are only marked: their workflow
 * evidently had the signal, and a late signal would start a needless new
 * run. A conversation whose signal did arrive but is still unsynced after
 * the grace (a long Creatio outage) gets one extra signal, which is harmless.
 */
export function startSignalRecovery(
  pool: Pool,
  signals: SignalTarget,
  logger: Logger,
  o: { intervalMs: number; graceMs: number },
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    const pending = await listUnsignalled(pool, 200, o.graceMs);
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
  }, o.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
