import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicTask } from './periodic-task.js';

describe('PeriodicTask', () => {
  it('runs every period, never two runs at once; a failed run is reported and the next one runs; stop waits for a run in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const errors: unknown[] = [];
    let finished = false;
    const task = new PeriodicTask(10, async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(35); // longer than three periods
      active--;
      finished = true;
      if (runs === 1) throw new Error('first run fails');
    }, (err) => errors.push(err));
    task.start();
    await sleep(5);
    assert.equal(runs, 0, 'the first run comes one period after start');
    await sleep(150);
    await task.stop();
    assert.equal(active, 0, 'stop waited for the run in progress');
    assert.ok(finished);
    assert.equal(maxActive, 1, 'never two runs at once');
    assert.ok(runs >= 2 && runs <= 5, `${runs} runs in 155 ms of 35 ms runs`);
    assert.deepEqual(errors.map(String), ['Error: first run fails']);
    const after = runs;
    await sleep(40);
    assert.equal(runs, after, 'no run after stop');
  });

  it('skip() suppresses runs while it says so', async () => {
    let runs = 0;
    let skipping = true;
    const task = new PeriodicTask(10, async () => void runs++, () => undefined, () => skipping);
    task.start();
    await sleep(50);
    assert.equal(runs, 0);
    skipping = false;
    await sleep(50);
    await task.stop();
    assert.ok(runs >= 2, `${runs} runs once no longer skipped`);
  });
});
