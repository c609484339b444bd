import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  concatTimelines,
  driveInterleaved,
  mergeCpuUse,
  sliceOrder,
  timeSlices,
} from './interleaved-workload.js';
import { KeepAliveConnection } from './keep-alive-connection.js';
import type { CpuUse } from './machine.js';
import type { Meter } from './meter.js';
import type { TimelinePoint } from './timeline.js';
import type { Worker } from './workload.js';

describe('sliceOrder', () => {
  it('alternates two systems as A B B A, so neither always follows the other', () => {
    expect(sliceOrder(2, 4)).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
  });

  it('reverses the whole order every other pass for more systems, and repeats a lone system', () => {
    expect(sliceOrder(3, 2)).toEqual([0, 1, 2, 2, 1, 0]);
    expect(sliceOrder(1, 3)).toEqual([0, 0, 0]);
  });
});

describe('mergeCpuUse', () => {
  const cpu = (fields: Partial<CpuUse>): CpuUse => ({
    loadgenCores: 0,
    serverCores: undefined,
    machineCores: undefined,
    ...fields,
  });

  it('weights rates by seconds and the mean sync time by the syncs', () => {
    const merged = mergeCpuUse([
      {
        seconds: 1,
        cpu: cpu({ loadgenCores: 0.4, serverCores: 1, serverSyncsPerSecond: 100, serverSyncMs: 1 }),
      },
      {
        seconds: 3,
        cpu: cpu({ loadgenCores: 0.8, serverCores: 0.5, serverSyncsPerSecond: 300, serverSyncMs: 2 }),
      },
    ]);
    expect(merged.loadgenCores).toBeCloseTo(0.7);
    expect(merged.serverCores).toBeCloseTo(0.625);
    expect(merged.serverSyncsPerSecond).toBeCloseTo(250);
    // 100 syncs at 1 ms and 900 at 2 ms.
    expect(merged.serverSyncMs).toBeCloseTo(1.9);
  });

  it('leaves a part without a reading out of that mean, and a reading no part has missing', () => {
    const merged = mergeCpuUse([
      { seconds: 1, cpu: cpu({ serverLoopBusy: 0.9 }) },
      { seconds: 1, cpu: cpu({}) },
    ]);
    expect(merged.serverLoopBusy).toBeCloseTo(0.9);
    expect(merged.serverCores).toBeUndefined();
    expect('serverSyncMs' in merged).toBe(false);
  });
});

describe('concatTimelines', () => {
  const point = (atSeconds: number, rate: number) => ({ atSeconds, rate }) as TimelinePoint;

  it("shifts each part's points by the counted seconds before it", () => {
    const merged = concatTimelines([
      { seconds: 1.002, timeline: { intervalSeconds: 0.5, points: [point(0.5, 10), point(1.001, 20)] } },
      { seconds: 0.9, timeline: { intervalSeconds: 0.5, points: [point(0.5, 30)] } },
    ]);
    expect(merged.intervalSeconds).toBe(0.5);
    expect(merged.points.map((p) => [p.atSeconds, p.rate])).toEqual([
      [0.5, 10],
      [1.001, 20],
      [1.502, 30],
    ]);
  });
});

describe('driveInterleaved', () => {
  const servers: Server[] = [];
  const connections: KeepAliveConnection[] = [];
  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** A real HTTP server on loopback that counts the requests it answered. */
  async function countingServer(): Promise<{ port: number; answered: () => number }> {
    let answered = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        answered++;
        res.end('ok');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, answered: () => answered };
  }

  it('loads one system at a time in A B B A order and counts only the counted part of each slice', async () => {
    const a = await countingServer();
    const b = await countingServer();
    const started: string[] = [];
    const load = (name: string, port: number) => {
      const connection = new KeepAliveConnection('127.0.0.1', port);
      connections.push(connection);
      return {
        serverPid: undefined,
        ...(name === 'a' ? { gauge: () => 42 } : {}),
        workers: (meter: Meter): Worker[] => {
          started.push(name);
          return [
            async (run) => {
              while (!run.stopped) {
                const response = await connection.post('/', 'x', 'text/plain');
                if (response.status === 200) meter.add(1);
              }
            },
          ];
        },
      };
    };
    const [ma, mb] = await driveInterleaved(
      [load('a', a.port), load('b', b.port)],
      timeSlices({ warmupMs: 50, durationMs: 400, sliceMs: 100, settleMs: 50 }),
    );
    expect(ma!.otherServersCores).toBeUndefined();
    // The gauge is sampled in the counted parts of the system that has one.
    expect(ma!.gaugeMean).toBe(42);
    expect(mb!.gaugeMean).toBeUndefined();
    // Warm-ups in order, then four counted slices each.
    expect(started).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    for (const [m, server] of [
      [ma!, a],
      [mb!, b],
    ] as const) {
      expect(m.seconds).toBeGreaterThanOrEqual(0.4);
      expect(m.seconds).toBeLessThan(1.5);
      expect(m.count).toBeGreaterThan(0);
      expect(m.rate).toBeCloseTo(m.count / m.seconds);
      // Warm-ups and settling were answered but not counted.
      expect(server.answered()).toBeGreaterThan(m.count);
      expect(m.timeline.points.length).toBeGreaterThan(0);
      // atSeconds is rounded to the millisecond.
      expect(m.timeline.points.at(-1)!.atSeconds).toBeLessThanOrEqual(m.seconds + 0.001);
    }
  });

  it('counts slices of a number of units, samples the gauge, and cuts a stalled slice at its bound', async () => {
    const server = await countingServer();
    const connection = new KeepAliveConnection('127.0.0.1', server.port);
    connections.push(connection);
    const draining = {
      // This process stands in for a server: its CPU is read while the other system is counted.
      serverPid: process.pid,
      workers: (meter: Meter): Worker[] => [
        async (run) => {
          while (!run.stopped) {
            const response = await connection.post('/', 'x', 'text/plain');
            if (response.status === 200) meter.add(1);
          }
        },
      ],
    };
    const stalled = {
      serverPid: undefined,
      workers: (): Worker[] => [async (run) => run.whenStopped],
    };
    const [drained, stuck] = await driveInterleaved([draining, stalled], {
      warmup: { ms: 10 },
      slices: 2,
      settle: { units: 0, boundMs: 1000 },
      slice: { units: 30, boundMs: 300 },
      timelineIntervalMs: 100,
    });
    // Each slice ends once 30 units are counted (checked every 2 ms, so a fast server overshoots).
    expect(drained!.count).toBeGreaterThanOrEqual(60);
    expect(drained!.errors).toBe(0);
    expect(stuck!.count).toBe(0);
    expect(stuck!.errors).toBe(2);
    expect(stuck!.errorSamples).toEqual(['slice ended at its 0.3 s bound before 30 units']);
    expect(stuck!.seconds).toBeGreaterThanOrEqual(0.6);
    // The other server's CPU is read during a system's counted slices when that server's process is known.
    expect(stuck!.otherServersCores).toBeGreaterThanOrEqual(0);
    expect(drained!.otherServersCores).toBeUndefined();
  });
  it("waits for a system's afterSlice before the next slice starts, and counts its failure as that system's error", async () => {
    const events: string[] = [];
    const system = (name: string, fails: boolean) => ({
      serverPid: undefined,
      workers: (meter: Meter): Worker[] => {
        events.push(`${name} start`);
        return [
          async (run) => {
            while (!run.stopped) {
              meter.add(1);
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          },
        ];
      },
      afterSlice: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`${name} after`);
        if (fails) throw new Error(`${name} left work behind`);
      },
    });
    const [clean, failing] = await driveInterleaved(
      [system('a', false), system('b', true)],
      timeSlices({ warmupMs: 20, durationMs: 100, sliceMs: 50, settleMs: 10 }),
    );
    // Warm-ups, then A B B A: every slice's afterSlice ends before the next slice's workers start.
    expect(events).toEqual(
      ['a', 'b', 'a', 'b', 'b', 'a'].flatMap((name) => [`${name} start`, `${name} after`]),
    );
    expect(clean!.errors).toBe(0);
    // The warm-up's failure and both counted slices' failures.
    expect(failing!.errors).toBe(3);
    expect(failing!.errorSamples).toEqual(['b left work behind']);
    expect(failing!.count).toBeGreaterThan(0);
  });

  it('counts errors recorded while a slice stops, but not its units', async () => {
    const stopping = {
      serverPid: undefined,
      workers: (meter: Meter): Worker[] => [
        async (run) => {
          await run.whenStopped;
          // A request that fails as the slice stops, and one that succeeds.
          meter.error('failed while stopping');
          meter.add(1);
        },
      ],
    };
    const [m] = await driveInterleaved(
      [stopping],
      timeSlices({ warmupMs: 10, durationMs: 60, sliceMs: 30, settleMs: 5 }),
    );
    // Two counted slices; the warm-up's error is not counted, as its units are not.
    expect(m!.errors).toBe(2);
    expect(m!.count).toBe(0);
  });
});
