import { afterEach, describe, expect, it } from 'vitest';
import type { CmqEnvelope } from '../support/cmq-client.js';
import { TEST_CREDENTIAL, waitFor } from '../support/test-server.js';
import {
  arrayParams,
  cleanupProcesses,
  compareWithAcknowledged,
  createDataDir,
  drainQueue,
  startSendSwarm,
  startServer,
} from './server-process.js';

/**
 * SIGTERM is a graceful shutdown: the server stops accepting, answers long polls at once with 7000,
 * lets requests in flight finish, closes the store and exits 0; a restart sees everything acknowledged.
 */

const ENV = {
  OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId,
  OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey,
  // Longer than any wait below: a long poll still open when this ran out would be cut at connection
  // level, not answered, and the test would see it.
  OPENCMQ_SHUTDOWN_TIMEOUT_MS: '20000',
};
const LONG_POLLS = 8;

afterEach(cleanupProcesses);

describe('SIGTERM shutdown', () => {
  it('answers long polls with 7000 at once, exits 0 and keeps what was acknowledged when sent SIGTERM', async () => {
    const dataDir = createDataDir();
    const server = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const client = server.client(TEST_CREDENTIAL);
    expect(await client.call('CreateQueue', { queueName: 'idle' })).toMatchObject({ code: 0 });
    expect(await client.call('CreateQueue', { queueName: 'work' })).toMatchObject({ code: 0 });
    const bodies = Array.from({ length: 20 }, (_, i) => `before-shutdown-${i}`);
    const sent = await client.call('BatchSendMessage', {
      queueName: 'work',
      ...arrayParams('msgBody', bodies.slice(0, 16)),
    });
    expect(sent).toMatchObject({ code: 0 });
    const msgIds = (sent['msgList'] as Array<{ msgId: string }>).map((m) => m.msgId);
    for (const body of bodies.slice(16)) {
      const reply = await client.call('SendMessage', { queueName: 'work', msgBody: body });
      expect(reply).toMatchObject({ code: 0 });
      msgIds.push(String(reply['msgId']));
    }

    const answers: Array<CmqEnvelope | Error> = [];
    const longPolls = Array.from({ length: LONG_POLLS }, () =>
      client.call('ReceiveMessage', { queueName: 'idle', pollingWaitSeconds: 30 }).then(
        (reply) => answers.push(reply),
        (error: Error) => answers.push(error),
      ),
    );
    // The long polls were written before these probes, which take the same path through the server
    // (receive on the same queue), so by the time the probes are answered the long polls are waiting.
    for (let i = 0; i < 3; i++) {
      expect(await client.call('ReceiveMessage', { queueName: 'idle', pollingWaitSeconds: 0 })).toMatchObject(
        {
          code: 7000,
        },
      );
    }
    expect(answers).toEqual([]);

    const sigtermAtMs = Date.now();
    server.kill('SIGTERM');
    await Promise.all(longPolls);
    const answeredAfterMs = Date.now() - sigtermAtMs;
    expect(answers).toHaveLength(LONG_POLLS);
    for (const answer of answers) expect(answer).toMatchObject({ code: 7000 });
    // Answered by the shutdown itself: far below the 30 s wait and the 20 s shutdown timeout.
    expect(answeredAfterMs).toBeLessThan(10_000);
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });

    const restarted = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const received = await drainQueue(restarted.client(TEST_CREDENTIAL), 'work');
    expect(received.map((m) => [m.msgBody, m.msgId]).sort()).toEqual(
      bodies.map((body, i) => [body, msgIds[i]]).sort(),
    );
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });

  it('acknowledges or refuses at connection level every send in flight when sent SIGTERM', async () => {
    const dataDir = createDataDir();
    const server = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const client = server.client(TEST_CREDENTIAL);
    expect(await client.call('CreateQueue', { queueName: 'busy' })).toMatchObject({ code: 0 });

    const swarm = startSendSwarm(client, 'busy', 16);
    await waitFor(() => swarm.acked.size >= 300 || swarm.unexpected.length > 0, 20_000, 'acknowledgements');
    const inFlightAtSigterm = swarm.inFlight;
    server.kill('SIGTERM');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    await swarm.done;
    expect(inFlightAtSigterm).toBeGreaterThan(0);
    // Every send got an acknowledgement or a broken connection, never an error answer.
    expect(swarm.unexpected).toEqual([]);
    expect(swarm.refusals).toHaveLength(16);

    const restarted = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env: ENV });
    const received = await drainQueue(restarted.client(TEST_CREDENTIAL), 'busy');
    const comparison = compareWithAcknowledged(swarm, received);
    expect(comparison.lost, `${comparison.lost.length} of ${swarm.acked.size} acknowledged lost`).toEqual([]);
    expect(comparison.duplicates).toEqual([]);
    expect(comparison.neverSent).toEqual([]);
    expect(comparison.partialBatches).toEqual([]);
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });
});
