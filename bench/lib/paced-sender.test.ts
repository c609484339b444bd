import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { Meter } from './meter.js';
import { pacedSender } from './paced-sender.js';
import { Semaphore } from './semaphore.js';

function runState() {
  let stop = () => {};
  const run = { stopped: false, whenStopped: new Promise<void>((done) => (stop = done)) };
  return {
    run,
    stop: () => {
      run.stopped = true;
      stop();
    },
  };
}

describe('pacedSender', () => {
  it('takes a permit a send, waits for room at the cap, and gives the permit back when stopped there', async () => {
    const gate = new Semaphore(2);
    const sent: string[] = [];
    const meter = new Meter();
    const { run, stop } = runState();
    const sending = pacedSender({
      ratePerSecond: 1000,
      meter,
      gate,
      send: (body) => {
        sent.push(body);
        return Promise.resolve();
      },
    })(run);
    await waitFor(() => sent.length === 2, 5_000, 'two sends');
    // Nobody received them: the sender waits for room.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toHaveLength(2);
    expect(gate.available).toBe(0);
    stop();
    // The consumers receive both: the sender takes the room, sees the stop and hands it back.
    gate.release(2);
    await sending;
    expect(sent).toHaveLength(2);
    expect(gate.available).toBe(2);
    expect(meter.errors).toBe(0);
  });

  it('gives the permit of a failed send back and counts the error', async () => {
    const gate = new Semaphore(1);
    const meter = new Meter();
    const { run, stop } = runState();
    let attempts = 0;
    const sending = pacedSender({
      ratePerSecond: 1000,
      meter,
      gate,
      send: () => {
        attempts++;
        return attempts === 1 ? Promise.reject(new Error('refused')) : Promise.resolve();
      },
    })(run);
    // With a cap of 1 a second send can only go out once the failed one's permit is back.
    await waitFor(() => attempts === 2, 5_000, 'a second send');
    stop();
    gate.release(1);
    await sending;
    expect(meter.errors).toBe(1);
    expect(gate.available).toBe(1);
  });
});
