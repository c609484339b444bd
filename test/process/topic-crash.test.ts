import { afterEach, describe, expect, it } from 'vitest';
import type { CmqEnvelope, CmqTestClient } from '../support/cmq-client.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';
import { TEST_CREDENTIAL, waitFor } from '../support/test-server.js';
import {
  arrayParams,
  BATCH_SIZE,
  cleanupProcesses,
  createDataDir,
  drainQueue,
  startServer,
  type ServerProcess,
} from './server-process.js';

/**
 * Topics under kill -9 on the SQLite engine: a publish reaches every subscription or none (one transaction
 * for the whole fan-out, acknowledged or not), and pending push deliveries keep their retry state across a
 * restart and are delivered once the endpoint recovers.
 */

const ENV = { OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId, OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey };
const PUBLISHERS = 16;
/** Acknowledged publishes to collect before the kill: some hundreds, while every publisher keeps going. */
const ACKED_BEFORE_KILL = 600;

const sinks: HttpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  await cleanupProcesses();
});

const start = (dataDir: string, env: Readonly<Record<string, string>> = {}) =>
  startServer({ args: ['--port', '0', '--data-dir', dataDir], env: { ...ENV, ...env } });

async function ok(reply: Promise<CmqEnvelope>): Promise<CmqEnvelope> {
  const envelope = await reply;
  if (envelope.code !== 0) throw new Error(`expected code 0, got ${JSON.stringify(envelope)}`);
  return envelope;
}

interface PublishSwarm {
  /** Bodies whose publish was answered with code 0. */
  readonly acked: ReadonlySet<string>;
  /** Every body ever published, answered or not. */
  readonly attempted: ReadonlySet<string>;
  /** Batches whose request broke at connection level (their fate is unknown). */
  readonly unansweredBatches: readonly (readonly string[])[];
  readonly refusals: readonly unknown[];
  readonly unexpected: readonly CmqEnvelope[];
  readonly inFlight: number;
  readonly done: Promise<void>;
}

/**
 * `publishers` concurrent loops over keep-alive HTTP alternating PublishMessage and BatchPublishMessage x16,
 * every body unique. A loop stops at its first connection-level failure or non-zero answer.
 */
function startPublishSwarm(client: CmqTestClient, topicName: string, publishers: number): PublishSwarm {
  const acked = new Set<string>();
  const attempted = new Set<string>();
  const unansweredBatches: string[][] = [];
  const refusals: unknown[] = [];
  const unexpected: CmqEnvelope[] = [];
  let inFlight = 0;
  const publisher = async (worker: number) => {
    for (let round = 0; ; round++) {
      const size = round % 2 === 0 ? 1 : BATCH_SIZE;
      const bodies = Array.from({ length: size }, (_, i) => `p${worker}-r${round}-m${i}-${'z'.repeat(48)}`);
      for (const body of bodies) attempted.add(body);
      inFlight++;
      let reply: CmqEnvelope;
      try {
        reply =
          size === 1
            ? await client.call('PublishMessage', { topicName, msgBody: bodies[0]! })
            : await client.call('BatchPublishMessage', { topicName, ...arrayParams('msgBody', bodies) });
      } catch (error) {
        if (size > 1) unansweredBatches.push(bodies);
        refusals.push(error);
        return;
      } finally {
        inFlight--;
      }
      const ids =
        reply.code !== 0
          ? []
          : size === 1
            ? [reply['msgId']]
            : ((reply['msgList'] as Array<{ msgId?: unknown }> | undefined) ?? []).map((m) => m.msgId);
      if (ids.length !== size || ids.some((id) => typeof id !== 'string' || id === '')) {
        unexpected.push(reply);
        return;
      }
      for (const body of bodies) acked.add(body);
    }
  };
  const done = Promise.all(Array.from({ length: publishers }, (_, w) => publisher(w))).then(() => {});
  return {
    acked,
    attempted,
    unansweredBatches,
    refusals,
    unexpected,
    get inFlight() {
      return inFlight;
    },
    done,
  };
}

async function subscriptionStats(client: CmqTestClient, topicName: string, subscriptionName: string) {
  const reply = await ok(client.call('GetSubscriptionAttributes', { topicName, subscriptionName }));
  return {
    msgCount: reply['msgCount'] as number,
    deliveredCount: reply['deliveredCount'] as number,
    pendingCount: reply['pendingCount'] as number,
    failedAttempts: reply['failedAttempts'] as number,
    droppedCount: reply['droppedCount'] as number,
  };
}

async function kill(server: ServerProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  server.kill(signal);
  expect(await server.waitForExit()).toEqual(
    signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null },
  );
}

describe('topics across a crash', () => {
  it('stores every publish in all three subscribed queues or in none when killed during concurrent publishes', async () => {
    const queues = ['fan-a', 'fan-b', 'fan-c'];
    const dataDir = createDataDir();
    const server = await start(dataDir);
    const client = server.client(TEST_CREDENTIAL);
    await ok(client.call('CreateTopic', { topicName: 'fanout' }));
    for (const queueName of queues) {
      await ok(client.call('CreateQueue', { queueName }));
      await ok(
        client.call('Subscribe', {
          topicName: 'fanout',
          subscriptionName: `to-${queueName}`,
          protocol: 'queue',
          endpoint: queueName,
        }),
      );
    }

    const swarm = startPublishSwarm(client, 'fanout', PUBLISHERS);
    await waitFor(
      () => swarm.acked.size >= ACKED_BEFORE_KILL || swarm.unexpected.length > 0,
      20_000,
      'acknowledgements',
    );
    const inFlightAtKill = swarm.inFlight;
    await kill(server, 'SIGKILL');
    await swarm.done;
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(swarm.unexpected).toEqual([]);
    expect(swarm.refusals).toHaveLength(PUBLISHERS);
    expect(swarm.acked.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);

    const restarted = await start(dataDir);
    const after = restarted.client(TEST_CREDENTIAL);
    const stats = await Promise.all(queues.map((q) => subscriptionStats(after, 'fanout', `to-${q}`)));
    const drained = await Promise.all(queues.map((q) => drainQueue(after, q)));

    const stored = drained.map((messages) => messages.map((m) => m.msgBody));
    for (const [i, bodies] of stored.entries()) {
      const queueName = queues[i]!;
      const seen = new Set(bodies);
      expect(bodies.length - seen.size, `duplicates in ${queueName}`).toBe(0);
      const lost = [...swarm.acked].filter((body) => !seen.has(body));
      expect(lost, `${lost.length} of ${swarm.acked.size} acknowledged missing from ${queueName}`).toEqual(
        [],
      );
      expect(
        bodies.filter((body) => !swarm.attempted.has(body)),
        `never published, in ${queueName}`,
      ).toEqual([]);
      // Stored is delivered for a queue subscription: msgCount (routed) counts exactly what the queue holds.
      expect(stats[i], queueName).toEqual({
        msgCount: bodies.length,
        deliveredCount: bodies.length,
        pendingCount: 0,
        failedAttempts: 0,
        droppedCount: 0,
      });
    }
    // All or nothing: the same bodies in every queue, acknowledged or not, and no batch in part.
    const [first, ...others] = stored.map((bodies) => [...bodies].sort());
    for (const other of others) expect(other).toEqual(first);
    const inFirst = new Set(first);
    const partial = swarm.unansweredBatches
      .map((batch) => batch.filter((body) => inFirst.has(body)).length)
      .filter((count) => count !== 0 && count !== BATCH_SIZE);
    expect(partial, 'batches stored in part').toEqual([]);

    for (const queueName of queues) {
      expect(await after.call('GetQueueAttributes', { queueName })).toMatchObject({
        code: 0,
        activeMsgNum: 0,
        inactiveMsgNum: 0,
      });
    }
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'delivers pending pushes with their retry state after a restart when the server was stopped with %s',
    async (signal) => {
      // Short pushes keep the leases (push timeout + 5 s) that a stopped dispatcher leaves behind short too.
      const env = { OPENCMQ_PUSH_TIMEOUT_MS: '1000' };
      const sink = await startHttpSink(500);
      sinks.push(sink);
      const dataDir = createDataDir();
      const server = await start(dataDir, env);
      const client = server.client(TEST_CREDENTIAL);
      await ok(client.call('CreateTopic', { topicName: 'pushed' }));
      await ok(
        client.call('Subscribe', {
          topicName: 'pushed',
          subscriptionName: 'hook',
          protocol: 'http',
          endpoint: sink.url,
          notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
        }),
      );
      const bodies = Array.from({ length: 5 }, (_, i) => `pending-${i}`);
      await ok(
        client.call('BatchPublishMessage', { topicName: 'pushed', ...arrayParams('msgBody', bodies) }),
      );

      const pushedBodies = (from: number) =>
        new Set(sink.requests.slice(from).map((r) => (JSON.parse(r.body) as { msgBody: string }).msgBody));
      // Every body pushed and refused at least once; the retries come 1 s, 2 s, 4 s... after each failure.
      await waitFor(
        () => bodies.every((b) => pushedBodies(0).has(b)),
        10_000,
        'a first push of each message',
      );
      let before = await subscriptionStats(client, 'pushed', 'hook');
      await waitFor(
        async () => {
          before = await subscriptionStats(client, 'pushed', 'hook');
          return before.failedAttempts >= 5 && before.pendingCount === 5;
        },
        10_000,
        'five failed attempts',
      );
      expect(before).toMatchObject({ msgCount: 5, deliveredCount: 0, droppedCount: 0 });

      await kill(server, signal);
      const seenBeforeRestart = sink.requests.length;
      sink.setBehaviour('ok');
      const restarted = await start(dataDir, env);
      const after = restarted.client(TEST_CREDENTIAL);

      // Due again at their retry time (at most 4 s away here) or when a cut-off lease ends (6 s).
      await waitFor(
        () => bodies.every((b) => pushedBodies(seenBeforeRestart).has(b)),
        20_000,
        'each message pushed after the restart',
      );
      let final = await subscriptionStats(after, 'pushed', 'hook');
      await waitFor(
        async () => {
          final = await subscriptionStats(after, 'pushed', 'hook');
          return final.deliveredCount === 5;
        },
        10_000,
        'five deliveries',
      );
      expect(final).toMatchObject({ msgCount: 5, deliveredCount: 5, pendingCount: 0, droppedCount: 0 });
      // The failures counted before the stop are still there: the retry state was on disk.
      expect(final.failedAttempts).toBeGreaterThanOrEqual(before.failedAttempts);
      expect(await after.call('GetTopicAttributes', { topicName: 'pushed' })).toMatchObject({
        code: 0,
        msgCount: 0,
      });
      expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    },
  );
});
