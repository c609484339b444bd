import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CREDENTIAL, waitFor } from '../support/test-server.js';
import {
  arrayParams,
  cleanupProcesses,
  compareWithAcknowledged,
  createDataDir,
  deleteMessages,
  drainQueue,
  startSendSwarm,
  startServer,
  type ReceivedMessage,
} from './server-process.js';

/**
 * The durability promise: every acknowledged message survives kill -9 and a restart. The server is
 * killed while dozens of sends are in flight; after the restart the queue must hold every acknowledged
 * message (same msgId) exactly once, and anything else only from sends that never got an answer.
 */

const ENV = { OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId, OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey };
const SENDERS = 32;
/** Acknowledged messages to collect before the kill: some hundreds, while every sender keeps sending. */
const ACKED_BEFORE_KILL = 800;

afterEach(cleanupProcesses);

describe('kill -9', () => {
  it('keeps every acknowledged message exactly once when the process is killed during concurrent sends', async () => {
    const dataDir = createDataDir();
    const server = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const client = server.client(TEST_CREDENTIAL);
    expect(await client.call('CreateQueue', { queueName: 'durable' })).toMatchObject({ code: 0 });

    const swarm = startSendSwarm(client, 'durable', SENDERS);
    await waitFor(
      () => swarm.acked.size >= ACKED_BEFORE_KILL || swarm.unexpected.length > 0,
      20_000,
      'acknowledgements',
    );
    const inFlightAtKill = swarm.inFlight;
    server.kill('SIGKILL');
    expect(await server.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    await swarm.done;
    // Sends were in flight when the process died; every sender stopped on a broken connection, none on
    // an answer other than an acknowledgement.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(swarm.unexpected).toEqual([]);
    expect(swarm.refusals).toHaveLength(SENDERS);
    expect(swarm.acked.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);

    const restarted = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const after = restarted.client(TEST_CREDENTIAL);
    const attributes = await after.call('GetQueueAttributes', { queueName: 'durable' });
    expect(attributes).toMatchObject({ code: 0, inactiveMsgNum: 0, delayMsgNum: 0 });

    const received = await drainQueue(after, 'durable');
    const comparison = compareWithAcknowledged(swarm, received);
    expect(comparison.lost, `${comparison.lost.length} of ${swarm.acked.size} acknowledged lost`).toEqual([]);
    expect(comparison.duplicates).toEqual([]);
    expect(comparison.neverSent).toEqual([]);
    expect(comparison.partialBatches).toEqual([]);
    expect(attributes['activeMsgNum']).toBe(received.length);

    expect(await after.call('GetQueueAttributes', { queueName: 'durable' })).toMatchObject({
      code: 0,
      activeMsgNum: 0,
      inactiveMsgNum: 0,
    });
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });

  it('keeps received messages invisible and their receipt handles valid when the process is killed', async () => {
    // Long enough for a restart to fit inside it (checked below), short enough to wait for.
    const visibilityTimeoutSeconds = 5;
    const dataDir = createDataDir();
    const server = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const client = server.client(TEST_CREDENTIAL);
    expect(
      await client.call('CreateQueue', {
        queueName: 'visibility',
        visibilityTimeout: visibilityTimeoutSeconds,
      }),
    ).toMatchObject({ code: 0 });
    const bodies = Array.from({ length: 10 }, (_, i) => `message-${i}`);
    expect(
      await client.call('BatchSendMessage', { queueName: 'visibility', ...arrayParams('msgBody', bodies) }),
    ).toMatchObject({ code: 0 });

    const receivedAtMs = Date.now();
    const first = await client.call('BatchReceiveMessage', { queueName: 'visibility', numOfMsg: 4 });
    expect(first).toMatchObject({ code: 0 });
    const inflight = first['msgInfoList'] as ReceivedMessage[];
    expect(inflight).toHaveLength(4);
    expect(await client.call('GetQueueAttributes', { queueName: 'visibility' })).toMatchObject({
      activeMsgNum: 6,
      inactiveMsgNum: 4,
    });
    server.kill('SIGKILL');
    expect(await server.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });

    const restarted = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const after = restarted.client(TEST_CREDENTIAL);
    const attributes = await after.call('GetQueueAttributes', { queueName: 'visibility' });
    const [kept, ...others] = inflight as [ReceivedMessage, ...ReceivedMessage[]];
    const deleted = await after.call('DeleteMessage', {
      queueName: 'visibility',
      receiptHandle: kept.receiptHandle,
    });
    // Both answers came before the visibility timeout could end, so the messages were still in flight.
    expect(Date.now() - receivedAtMs, 'restart took longer than the visibility timeout').toBeLessThan(
      visibilityTimeoutSeconds * 1000,
    );
    expect(attributes).toMatchObject({ code: 0, activeMsgNum: 6, inactiveMsgNum: 4, delayMsgNum: 0 });
    expect(deleted).toMatchObject({ code: 0 });

    // Only the never-received messages are receivable now.
    const active = await drainQueue(after, 'visibility');
    const inflightBodies = new Set(inflight.map((m) => m.msgBody));
    expect(active.map((m) => m.msgBody).sort()).toEqual(bodies.filter((b) => !inflightBodies.has(b)).sort());

    // The other three come back once their visibility timeout ends, received for the second time.
    const redelivered: ReceivedMessage[] = [];
    await waitFor(
      async () => {
        const reply = await after.call('BatchReceiveMessage', {
          queueName: 'visibility',
          numOfMsg: 16,
          pollingWaitSeconds: 1,
        });
        if (reply.code === 0) redelivered.push(...(reply['msgInfoList'] as ReceivedMessage[]));
        else expect(reply.code).toBe(7000);
        return redelivered.length >= others.length;
      },
      20_000,
      'messages to become visible again',
    );
    expect(redelivered.map((m) => [m.msgBody, m.msgId, m.dequeueCount]).sort()).toEqual(
      others.map((m) => [m.msgBody, m.msgId, 2]).sort(),
    );
    await deleteMessages(after, 'visibility', redelivered);
    expect(await after.call('GetQueueAttributes', { queueName: 'visibility' })).toMatchObject({
      activeMsgNum: 0,
      inactiveMsgNum: 0,
    });
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });
});
