import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { callOrThrow, CmqBenchClient, type CmqEnvelope } from './cmq-client.js';
import { cmqBatchSender, cmqConsumer } from './cmq-workers.js';
import { driveInterleaved, timeSlices } from './interleaved-workload.js';
import type { Meter, MeterSink } from './meter.js';
import { startOpenCmq, type OpenCmqServer } from './opencmq-server.js';
import type { Semaphore } from './semaphore.js';
import { slicedPipeline } from './sliced-pipeline.js';
import type { Worker } from './workload.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const started: OpenCmqServer[] = [];
const clients: CmqBenchClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of started.splice(0)) await server.stop();
});

/** A client whose deletes are answered 50 ms late: a slice ends with deletes still in flight. */
class SlowDeleteClient extends CmqBenchClient {
  override async call(
    action: string,
    params?: Readonly<Record<string, string | number>>,
  ): Promise<CmqEnvelope> {
    if (action === 'BatchDeleteMessage') await sleep(50);
    return super.call(action, params);
  }
}

describe('slicedPipeline', () => {
  it("drains the backlog after each slice and waits for the consumers' deletes, so the next slice (the other system's) starts with the queue empty", async () => {
    const server = await startOpenCmq({ repoRoot, engine: 'sqlite' });
    started.push(server);
    const client = () => {
      const c = new CmqBenchClient(server);
      clients.push(c);
      return c;
    };
    const slowDeleteClient = () => {
      const c = new SlowDeleteClient(server);
      clients.push(c);
      return c;
    };
    const admin = client();
    await callOrThrow(admin, 'CreateQueue', { queueName: 'sliced' });
    const producerClients = [client(), client()];
    const deletesInFlight = { count: 0 };
    const pipeline = slicedPipeline({
      cap: 64,
      serverPid: server.pid,
      producers: (meter, gate) =>
        producerClients.map((c) =>
          cmqBatchSender(c, {
            action: 'BatchSendMessage',
            target: { queueName: 'sliced' },
            batch: 8,
            gate,
            permitsPerBatch: 8,
            meter,
          }),
        ),
      consumers: (sink, gate) =>
        [0, 1].map(() =>
          cmqConsumer(client(), {
            queue: 'sliced',
            batch: 8,
            pollingWaitSeconds: 5,
            gate,
            meter: sink,
            deleteClient: slowDeleteClient(),
            deletesInFlight,
          }),
        ),
      pending: () => deletesInFlight.count,
      onStop: () => {
        for (const c of clients) if (c !== admin) c.close();
      },
    });
    // The other system looks at the pipeline's backlog and queue each time its slice starts.
    const backlogSeen: number[] = [];
    const other = {
      serverPid: undefined,
      workers: (meter: Meter): Worker[] => {
        backlogSeen.push(pipeline.system.gauge!());
        return [
          async (run) => {
            const attributes = await callOrThrow(admin, 'GetQueueAttributes', { queueName: 'sliced' });
            if (attributes['activeMsgNum'] !== 0 || attributes['inactiveMsgNum'] !== 0)
              meter.error(`queue not empty: ${JSON.stringify(attributes)}`);
            else meter.add(1);
            await run.whenStopped;
          },
        ];
      },
    };
    pipeline.start();
    let measurements;
    try {
      measurements = await driveInterleaved(
        [pipeline.system, other],
        timeSlices({ warmupMs: 200, durationMs: 600, sliceMs: 200, settleMs: 50 }),
      );
    } finally {
      await pipeline.stop();
    }
    const [piped, checker] = measurements;
    expect(piped!.errors).toBe(0);
    expect(piped!.count).toBeGreaterThan(0);
    expect(piped!.latency).toBeDefined();
    // Warm-up and three counted slices of the other system: each saw no backlog and an empty queue.
    expect(backlogSeen).toEqual([0, 0, 0, 0]);
    expect(checker!.errors).toBe(0);
    // Every message sent was received and deleted, the counted ones and the drained ones.
    const attributes = await callOrThrow(admin, 'GetQueueAttributes', { queueName: 'sliced' });
    expect(attributes).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
  }, 60_000);

  /** A pipeline on an in-process queue: what is under test is the slicing, not a broker. */
  function inProcessPipeline(options: { extraRelease?: boolean } = {}) {
    const queue: number[] = [];
    return slicedPipeline({
      cap: 16,
      serverPid: undefined,
      producers: (meter: Meter, gate: Semaphore): Worker[] => [
        async (run) => {
          // Gives one permit back too many each slice: what a double release looks like.
          if (options.extraRelease === true) gate.release(1);
          while (!run.stopped) {
            if (!(await gate.acquire(1))) break;
            if (run.stopped) {
              gate.release(1);
              break;
            }
            queue.push(performance.now());
            await sleep(1);
          }
        },
      ],
      consumers: (sink: MeterSink, gate: Semaphore): Worker[] => [
        async (run) => {
          while (!run.stopped) {
            const sentAt = queue.shift();
            if (sentAt === undefined) {
              await sleep(1);
              continue;
            }
            sink.recordLatencyMs(performance.now() - sentAt);
            sink.add(1);
            gate.release(1);
          }
        },
      ],
    });
  }

  const idle = (onSlice: () => void = () => {}) => ({
    serverPid: undefined,
    workers: (): Worker[] => {
      onSlice();
      return [async (run) => run.whenStopped];
    },
  });

  it("counts errors recorded between a system's slices in its next slice, and after its last one in stop()'s meter", async () => {
    const pipeline = inProcessPipeline();
    let otherSlices = 0;
    const other = idle(() => {
      // The other system's first counted slice: the pipeline is between its slices.
      if (++otherSlices === 2) pipeline.meter.error('between slices');
    });
    pipeline.start();
    const [piped] = await driveInterleaved(
      [pipeline.system, other],
      timeSlices({ warmupMs: 20, durationMs: 100, sliceMs: 50, settleMs: 10 }),
    );
    expect(piped!.count).toBeGreaterThan(0);
    expect(piped!.errors).toBe(1);
    expect(piped!.errorSamples).toEqual(['between slices']);
    pipeline.meter.error('after the last slice');
    const late = await pipeline.stop();
    expect(late.errors).toBe(1);
    expect(late.errorSamples).toEqual(['after the last slice']);
    // A second stop gives the same.
    expect(await pipeline.stop()).toBe(late);
  });

  it('counts a gate over its cap after a slice as an error', async () => {
    const pipeline = inProcessPipeline({ extraRelease: true });
    pipeline.start();
    try {
      const [piped] = await driveInterleaved(
        [pipeline.system, idle()],
        timeSlices({ warmupMs: 20, durationMs: 50, sliceMs: 50, settleMs: 10 }),
      );
      // The warm-up's slice and the counted one.
      expect(piped!.errors).toBe(2);
      expect(piped!.errorSamples[0]).toMatch(/^backlog gate over its cap after a slice: 17 of 16 free$/);
    } finally {
      await pipeline.stop();
    }
  });
});
