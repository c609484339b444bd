import { describe, expect, it } from 'vitest';
import { Meter, snapshotOf } from './meter.js';

describe('Meter.absorb', () => {
  it('adds units, errors and latencies, as if both had been recorded into one meter', () => {
    const whole = new Meter();
    const first = new Meter();
    const second = new Meter();
    for (const ms of [1, 2, 3]) {
      first.add(1);
      first.recordLatencyMs(ms);
    }
    for (const ms of [40, 50]) {
      second.add(2);
      second.recordLatencyMs(ms);
    }
    second.error('HTTP 500');
    whole.absorb(first);
    whole.absorb(second);
    const snapshot = snapshotOf(whole);
    expect(snapshot.count).toBe(7);
    expect(snapshot.errors).toBe(1);
    expect(whole.errorSamples).toEqual(['HTTP 500']);
    // Buckets are exact below 128 µs and within 1.6 % above: 3 ms reads as 2.99.
    expect(snapshot.latency).toMatchObject({ count: 5, maxMs: 50 });
    expect(snapshot.latency!.p50Ms).toBeCloseTo(3, 1);
    expect(snapshot.latency!.meanMs).toBeCloseTo(19.2);
  });
});
