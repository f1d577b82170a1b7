/**
 * The one lock every write of targets takes, and the shutdown gate of the pipeline's entry
 * points. Pipeline runs (DeploymentService) and manual syncs (ManualSyncService) take turns on
 * it, so a run never reuses a generation a manual sync just wrote, nor the other way round.
 */
import { Injectable } from '@nestjs/common';

/** Serialises every write of targets (pipeline runs, manual syncs), in call order. */
@Injectable()
export class TargetWriteLock {
  /** Tail of the chain of exclusive sections. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /**
   * Runs `fn` after every earlier exclusive section has settled (resolved or rejected), and
   * settles as `fn` does. A section that throws does not block the next.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Marks the hub as shutting down: from now on `closing` is true and entry points refuse new work. */
  close(): void {
    this.closed = true;
  }

  /** True once the hub began shutting down (`close()`): new runs and manual syncs are refused. */
  get closing(): boolean {
    return this.closed;
  }
}
