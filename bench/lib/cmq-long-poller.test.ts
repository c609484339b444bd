import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopAfterEach } from './stop-after-each.js';
import { waitFor } from '../../test/support/wait-for.js';
import { makeBody, nowMs } from './body.js';
import { callOrThrow, CmqBenchClient } from './cmq-client.js';
import { cmqLongPoller } from './cmq-long-poller.js';
import { CountingClient } from './counting-client.js';
import { Meter } from './meter.js';
import { startOpenCmq, type OpenCmqServer } from './opencmq-server.js';
import { Semaphore } from './semaphore.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const stopAfterTest = stopAfterEach<OpenCmqServer>();

describe('cmqLongPoller', () => {
  it('gives the permit back at receive and counts its delete in flight until answered; counts the message once deleted', async () => {
    const server = await startOpenCmq({ repoRoot, engine: 'sqlite' });
    stopAfterTest(server);
    const admin = new CmqBenchClient(server);
    const pollers = Array.from({ length: 3 }, () => new CountingClient(server));
    let releaseDeletes = () => {};
    const deletesHeld = new Promise<void>((done) => (releaseDeletes = done));
    for (const poller of pollers)
      poller.before = (action) => (action === 'DeleteMessage' ? deletesHeld : Promise.resolve());
    let stop = () => {};
    const run = { stopped: false, whenStopped: new Promise<void>((done) => (stop = done)) };
    const running: Array<Promise<void>> = [];
    try {
      await callOrThrow(admin, 'CreateQueue', { queueName: 'longpoll' });
      const gate = new Semaphore(4);
      const meter = new Meter();
      const waiting = { count: 0 };
      const deletesInFlight = { count: 0 };
      for (const poller of pollers)
        running.push(
          cmqLongPoller(poller, {
            queue: 'longpoll',
            pollingWaitSeconds: 10,
            meter,
            waiting,
            gate,
            deletesInFlight,
          })(run),
        );
      await waitFor(() => waiting.count === 3, 10_000, 'three pollers waiting');

      expect(gate.acquire(1)).toBe(true);
      await callOrThrow(admin, 'SendMessage', { queueName: 'longpoll', msgBody: makeBody(nowMs()) });
      await waitFor(() => gate.available === 4, 10_000, 'the message received');
      // Received, its delete held back: the gate alone would call the queue empty, but it is not.
      await waitFor(() => deletesInFlight.count === 1, 10_000, 'the delete sent');
      expect(meter.count).toBe(0);
      expect(meter.latency.count).toBe(1);
      expect(await callOrThrow(admin, 'GetQueueAttributes', { queueName: 'longpoll' })).toMatchObject({
        activeMsgNum: 0,
        inactiveMsgNum: 1,
      });

      releaseDeletes();
      await waitFor(() => deletesInFlight.count === 0 && meter.count === 1, 10_000, 'the delete answered');
      await waitFor(() => waiting.count === 3, 10_000, 'the poller polling again');
      expect(meter.errors).toBe(0);
      expect(await callOrThrow(admin, 'GetQueueAttributes', { queueName: 'longpoll' })).toMatchObject({
        activeMsgNum: 0,
        inactiveMsgNum: 0,
      });
    } finally {
      run.stopped = true;
      stop();
      releaseDeletes();
      for (const poller of pollers) poller.close();
      await Promise.all(running);
      admin.close();
    }
  }, 60_000);
});
