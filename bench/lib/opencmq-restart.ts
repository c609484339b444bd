import { setTimeout as sleep } from 'node:timers/promises';
import { callOrThrow, CmqBenchClient, NO_MESSAGE_CODE } from './cmq-client.js';
import { startOpenCmq, type OpenCmqOptions, type OpenCmqServer } from './opencmq-server.js';

export interface RestartTimes {
  /** SIGTERM until the process exited (graceful: answers long polls, closes the store). */
  readonly shutdownSeconds: number;
  /** Spawn until the new process printed that it listens. */
  readonly startSeconds: number;
  /** Listening until the first ReceiveMessage that returned a message. */
  readonly firstMessageSeconds: number;
  /** SIGTERM until the first message: what an operator waits when restarting a loaded server. */
  readonly totalSeconds: number;
}

/**
 * Restarts a server on its data directory and times how long until it serves again: SIGTERM, wait for
 * the exit, start a new process on the same directory, then ReceiveMessage on `queue` until a message
 * comes back (it is deleted, so the queue is left as it was less one message). The queue must hold
 * messages. Returns the new server, which the caller stops.
 */
export async function restartUntilFirstMessage(
  server: OpenCmqServer,
  options: OpenCmqOptions & { readonly dataDir: string },
  queue: string,
  boundMs = 120_000,
): Promise<{ server: OpenCmqServer; times: RestartTimes }> {
  const stoppingAt = performance.now();
  await server.stop();
  const startingAt = performance.now();
  const restarted = await startOpenCmq(options);
  const listeningAt = performance.now();
  const client = new CmqBenchClient(restarted);
  try {
    for (;;) {
      const reply = await client.call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 1 });
      if (reply.code === 0) {
        const receivedAt = performance.now();
        await callOrThrow(client, 'DeleteMessage', {
          queueName: queue,
          receiptHandle: String(reply['receiptHandle']),
        });
        return {
          server: restarted,
          times: {
            shutdownSeconds: (startingAt - stoppingAt) / 1000,
            startSeconds: (listeningAt - startingAt) / 1000,
            firstMessageSeconds: (receivedAt - listeningAt) / 1000,
            totalSeconds: (receivedAt - stoppingAt) / 1000,
          },
        };
      }
      if (reply.code !== NO_MESSAGE_CODE) throw new Error(`ReceiveMessage ${reply.code} ${reply.message}`);
      if (performance.now() - listeningAt > boundMs) {
        throw new Error(`no message within ${boundMs / 1000} s of the restart`);
      }
      await sleep(10);
    }
  } catch (error) {
    await restarted.stop();
    throw error;
  } finally {
    client.close();
  }
}
