import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Msg, type NatsConnection } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { Meter } from '../lib/meter.js';
import { Semaphore } from '../lib/semaphore.js';
import type { RunState } from '../lib/workload.js';
import { createWorkQueue, deleteStream } from './nats.js';
import { natsPublisher } from './nats-publisher.js';

// NATS is a benchmark peer, not a dependency: without a local server these tests skip, saying so.
const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const nats: NatsConnection | undefined = await connect({ servers: url, maxReconnectAttempts: 0 }).catch(
  () => undefined,
);
if (nats === undefined) console.warn(`skipping natsPublisher tests: no NATS server at ${url}`);
afterAll(async () => {
  await nats?.close();
});

function startRun(): { run: RunState; stop: () => void } {
  let resolve = () => {};
  const state = { stopped: false, whenStopped: new Promise<void>((done) => (resolve = done)) };
  return {
    run: state,
    stop: () => {
      state.stopped = true;
      resolve();
    },
  };
}

describe.skipIf(nats === undefined)('natsPublisher', () => {
  it('publishes into the stream until the backlog gate is full and returns once every PubAck came', async () => {
    const connection = nats!;
    const stream = `TEST_PUBLISHER_${process.pid}`;
    const subject = `test.publisher.${process.pid}`;
    await createWorkQueue(connection, stream, subject, 'test');
    try {
      const gate = new Semaphore(100);
      const meter = new Meter();
      const { run, stop } = startRun();
      const worker = natsPublisher(connection, { subject, window: 16, gate, meter })(run);
      const jsm = await connection.jetstreamManager();
      const stored = async () => (await jsm.streams.info(stream)).state.messages;
      await waitFor(() => gate.available === 0, 10_000, 'the gate to fill');
      // The last permits may still wait for a window slot (16 publishes awaiting their PubAck): stopping
      // now would give them back unpublished. Stop once the stream holds all 100.
      await waitFor(async () => (await stored()) === 100, 10_000, 'the stream to hold 100 messages');
      stop();
      gate.close();
      await worker;
      // The full gate let no 101st through, and every publish had its PubAck.
      expect(await stored()).toBe(100);
      expect(meter.errors).toBe(0);
    } finally {
      await deleteStream(connection, stream);
    }
  });

  it('counts a publish no stream stores as an error and gives its permit back', async () => {
    const gate = new Semaphore(5);
    const meter = new Meter();
    const { run, stop } = startRun();
    const worker = natsPublisher(nats!, { subject: `test.nostream.${process.pid}`, window: 2, gate, meter })(
      run,
    );
    await waitFor(() => meter.errors >= 10, 10_000, 'ten failed publishes');
    stop();
    gate.close();
    await worker;
    expect(meter.errorSamples.join(' ')).toContain('503');
    expect(gate.available).toBe(5);
  });

  it('counts a publish without a PubAck within the bound as an error, and a late PubAck frees nothing', async () => {
    const connection = nats!;
    const subject = `test.slow.${process.pid}`;
    // Answers the first publish only when the second arrives, i.e. after the first's bound has passed.
    const received: Msg[] = [];
    const slowStream = connection.subscribe(subject, {
      callback: (_error, message) => {
        received.push(message);
        if (received.length === 2) received[0]!.respond(Buffer.from('{"stream":"SLOW","seq":1}'));
      },
    });
    try {
      const gate = new Semaphore(10);
      const meter = new Meter();
      const { run, stop } = startRun();
      const worker = natsPublisher(connection, { subject, window: 1, gate, meter, pubAckBoundMs: 300 })(run);
      await waitFor(() => received.length === 2, 10_000, 'the second publish');
      // The late PubAck has come meanwhile; with a window of one the second publish, not yet past its
      // bound, still holds the window: a third publish now would mean the late PubAck freed a slot.
      await sleep(150);
      expect(received).toHaveLength(2);
      stop();
      gate.close();
      await worker;
      expect(meter.errorSamples).toEqual(['no PubAck within 300 ms']);
      expect(meter.errors).toBe(2);
      expect(gate.available).toBe(10);
    } finally {
      slowStream.unsubscribe();
    }
  });
});
