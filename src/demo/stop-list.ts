/**
 * Stop steps of whatever has started so far, run newest first. Owned by the
 * caller so a signal during start-up can stop the parts already running.
 * Each step has a time limit, so a part that cannot stop cleanly (a worker
 * whose Temporal server is already gone, say) cannot hang the demo.
 */
export class StopList {
  private readonly steps: Array<{ label: string; run: () => Promise<void>; timeoutMs: number }> = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly say: (line: string) => void,
    private readonly defaultTimeoutMs = 10_000,
  ) {}

  push(label: string, run: () => Promise<void>, timeoutMs = this.defaultTimeoutMs): void {
    this.steps.push({ label, run, timeoutMs });
  }

  /** Runs once; later calls wait for the same run. */
  stopAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), step.timeoutMs);
        });
        try {
          const outcome = await Promise.race([step.run().then(() => 'done' as const), limit]);
          if (outcome === 'timeout') this.say(`  (stopping ${step.label} took over ${step.timeoutMs / 1000} s; moving on)`);
        } catch (err) {
          this.say(`  (stopping ${step.label} failed: ${err instanceof Error ? err.message : String(err)})`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.running;
  }
}
