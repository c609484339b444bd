import { describe, expect, it } from 'vitest';
import { limitingFactor, type LimitInput } from './limiting-factor.js';

const base: LimitInput = {
  system: 'rabbitmq',
  cpu: { loadgenCores: 0.4, serverCores: 1.1, machineCores: 1.6 },
  cores: 2,
  rate: 1000,
  pace: undefined,
  backlogMean: undefined,
  backlogCap: undefined,
};

describe('limitingFactor', () => {
  it('names the pace when a paced run kept it', () => {
    expect(limitingFactor({ ...base, pace: 200, rate: 199 })).toMatch(
      /^the scenario's pace \(200\/s, kept\)/,
    );
  });

  it('names the event loop when a one-loop server used a full core, even with cores left on the machine', () => {
    const text = limitingFactor({
      ...base,
      system: 'opencmq-sqlite',
      cpu: { loadgenCores: 0.45, serverCores: 1.0, machineCores: 1.5 },
    });
    expect(text).toBe("the server's event loop: CPU-bound at 1.00 cores (one event loop)");
  });

  it('judges a one-loop server by how busy its event loop was, when measured, not by its process', () => {
    const busy = limitingFactor({
      ...base,
      system: 'opencmq-sqlite',
      cpu: { loadgenCores: 0.45, serverCores: 1.1, machineCores: 1.6, serverLoopBusy: 0.96 },
    });
    expect(busy).toBe("the server's event loop: busy 96 % of the window (one event loop)");
    const waiting = limitingFactor({
      ...base,
      system: 'opencmq-sqlite',
      cpu: { loadgenCores: 0.45, serverCores: 1.1, machineCores: 1.6, serverLoopBusy: 0.78 },
    });
    expect(waiting).toMatch(/^waits, not CPU .*; the server's event loop was busy 78 %$/);
  });

  it('does not call a multi-threaded server CPU-bound at one core when the machine has two', () => {
    expect(limitingFactor(base)).toMatch(/^waits, not CPU/);
  });

  it('names the load generator and the cap when both apply', () => {
    const text = limitingFactor({
      ...base,
      cpu: { loadgenCores: 0.95, serverCores: 0.5, machineCores: 1.5 },
      backlogMean: 1000,
      backlogCap: 1024,
    });
    expect(text).toBe(
      'the load generator: CPU-bound at 0.95 cores; consumers set the rate (the backlog sat at its cap)',
    );
  });

  it('names the machine when no single process is at its ceiling but all cores are busy', () => {
    expect(limitingFactor({ ...base, cpu: { loadgenCores: 0.8, serverCores: 1.0, machineCores: 1.9 } })).toBe(
      "the machine's CPU: 1.90 of 2 cores busy",
    );
  });

  it('falls back to waits when a paced run fell short of its pace without a full CPU', () => {
    expect(limitingFactor({ ...base, pace: 200, rate: 150 })).toMatch(/^waits, not CPU/);
  });
});
