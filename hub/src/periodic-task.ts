/**
 * A task run every `intervalMs` milliseconds, the first time one period after `start()`, never
 * two runs at once: a tick while the previous run is still going (or while `skip()` says so, e.g.
 * during shutdown) does nothing. A run that rejects is handed to `onError` and the next tick runs
 * again. `stop()` clears the timer and waits for a run in progress. Used by the hub's periodic
 * work (bundle GC, rollout gate evaluation).
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly skip: () => boolean = () => false,
  ) {}

  /** Starts the timer. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.running || this.skip()) return;
      this.running = this.run()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  /** Stops the timer and waits for a run in progress (which is never rejected: see onError). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
