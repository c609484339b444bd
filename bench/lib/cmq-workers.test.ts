import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stopAfterEach } from './stop-after-each.js';
import { makeBody, nowMs } from './body.js';
import { arrayParams, callOrThrow, CmqBenchClient } from './cmq-client.js';
import { cmqBatchSender, cmqConsumer } from './cmq-workers.js';
import { CountingClient } from './counting-client.js';
import { Meter } from './meter.js';
import { startOpenCmq, type OpenCmqServer } from './opencmq-server.js';
import { Semaphore } from './semaphore.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const stopAfterTest = stopAfterEach<OpenCmqServer>();

describe('cmqConsumer', () => {
  it('receives again before its delete is answered, keeps one delete in flight, deletes and counts every message', async () => {
    const server = await startOpenCmq({ repoRoot, engine: 'sqlite' });
    stopAfterTest(server);
    const admin = new CmqBenchClient(server);
    const receiver = new CountingClient(server);
    const deleter = new CountingClient(server);
    try {
      await callOrThrow(admin, 'CreateQueue', { queueName: 'workers' });
      const total = 10 * 16;
      for (let i = 0; i < total / 16; i++) {
        const body = makeBody(nowMs());
        await callOrThrow(admin, 'BatchSendMessage', {
          queueName: 'workers',
          ...arrayParams('msgBody', new Array<string>(16).fill(body)),
        });
      }
      let stop = () => {};
      const run = { stopped: false, whenStopped: new Promise<void>((done) => (stop = done)) };
      // A delete goes out only once the next receive has: a consumer that waited for each delete's
      // answer before receiving again would stall here until the deadline.
      deleter.before = async () => {
        while (receiver.calls <= deleter.calls && !run.stopped) await sleep(5);
      };
      const meter = new Meter();
      const consumer = cmqConsumer(receiver, {
        queue: 'workers',
        batch: 16,
        pollingWaitSeconds: 1,
        gate: undefined,
        meter,
        deleteClient: deleter,
      });
      const running = consumer(run);
      const deadline = Date.now() + 10_000;
      while (meter.count < total && Date.now() < deadline) await sleep(20);
      run.stopped = true;
      stop();
      await running;

      expect(meter.errors).toBe(0);
      expect(meter.count).toBe(total);
      expect(deleter.calls).toBe(total / 16);
      expect(deleter.maxInFlight).toBe(1);
      const attributes = await callOrThrow(admin, 'GetQueueAttributes', { queueName: 'workers' });
      expect(attributes).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    } finally {
      admin.close();
      receiver.close();
      deleter.close();
    }
  }, 60_000);
});

describe('cmqBatchSender', () => {
  it('gives its permits back when the run stopped while it waited for room, and sends nothing', async () => {
    // Never called: the gate holds the sender until the run has stopped.
    const client = new CountingClient({ host: '127.0.0.1', port: 9, secretId: 'id', secretKey: 'key' });
    const gate = new Semaphore(16);
    expect(gate.acquire(16)).toBe(true);
    let stop = () => {};
    const run = { stopped: false, whenStopped: new Promise<void>((done) => (stop = done)) };
    const meter = new Meter();
    const sending = cmqBatchSender(client, {
      action: 'BatchSendMessage',
      target: { queueName: 'workers' },
      batch: 16,
      gate,
      permitsPerBatch: 16,
      meter,
    })(run);
    run.stopped = true;
    stop();
    // The consumers free the room: the sender takes it, sees the stop and hands it back.
    gate.release(16);
    await sending;
    expect(client.calls).toBe(0);
    expect(gate.available).toBe(16);
    expect(meter.errors).toBe(0);
    client.close();
  });
});
