import { AckPolicy, connect, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { findPidByName } from '../lib/machine.js';
import { packageVersion } from '../lib/package-version.js';
import { nowMs, readSentAt } from '../lib/body.js';
import type { MeterSink } from '../lib/meter.js';
import type { Semaphore } from '../lib/semaphore.js';
import type { Worker } from '../lib/workload.js';
import { PeerUnavailableError } from '../scenarios/scenario.js';
import { redactCredentials } from '../lib/redact-credentials.js';

/**
 * NATS JetStream peer: a work-queue stream on file storage, one durable pull consumer shared by every
 * consumer client, explicit acks (one per message: with several clients on one consumer `AckAll` would
 * ack other clients' messages). Publishers keep a sliding window of unacknowledged publishes
 * (nats-publisher.ts).
 *
 * Durability differs from the other systems: a JetStream PubAck does not wait for fsync. The file store
 * writes each message to the OS and forces a sync on an interval (`sync_interval`, 2 minutes by default
 * per the NATS docs). nats-server 2.9.x has no setting to change that: it rejects `sync_interval` as an
 * unknown field, so `sync_interval: always` needs 2.10 or later.
 */
export const NATS_START_HINT =
  'start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`';

export const NATS_FSYNC_NOTE =
  'PubAck before fsync: the file store syncs on a timer (2 min default; nats-server 2.9 cannot be set to sync every write)';

export async function connectNats(url: string, meter: MeterSink): Promise<NatsConnection> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: url, maxReconnectAttempts: 0 });
  } catch (error) {
    throw new PeerUnavailableError(
      `NATS at ${redactCredentials(url)} is not reachable (${redactCredentials(String(error))}); ${NATS_START_HINT}`,
    );
  }
  void connection.closed().then((error) => {
    if (error !== undefined) meter.error(error);
  });
  return connection;
}

/** The server's process on this machine, for its CPU use; undefined when it runs elsewhere. */
export function natsPid(): number | undefined {
  return findPidByName('nats-server');
}

export function natsVersion(connection: NatsConnection): string {
  const client = packageVersion(new URL('../../node_modules/nats/package.json', import.meta.url));
  return `nats-server ${connection.info?.version ?? 'unknown'} (nats.js ${client})`;
}

/** Creates a file-backed work-queue stream on `subject` and a durable explicit-ack pull consumer. */
export async function createWorkQueue(
  connection: NatsConnection,
  stream: string,
  subject: string,
  durable: string,
): Promise<void> {
  const jsm = await connection.jetstreamManager();
  const hasJetStream = await jsm.getAccountInfo().then(
    () => true,
    () => false,
  );
  if (!hasJetStream) throw new PeerUnavailableError('NATS is running without JetStream (start it with -js)');
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: 1,
  });
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 65_536,
  });
}

export async function deleteStream(connection: NatsConnection, stream: string): Promise<void> {
  const jsm = await connection.jetstreamManager();
  await jsm.streams.delete(stream);
}

export interface NatsConsumerOptions {
  readonly stream: string;
  readonly durable: string;
  /** Messages the client keeps requested ahead (the pull consumer's prefetch). */
  readonly maxMessages: number;
  readonly gate: Semaphore;
  readonly meter: MeterSink;
}

export function natsConsumer(connection: NatsConnection, options: NatsConsumerOptions): Worker {
  return async (run) => {
    const consumer = await connection.jetstream().consumers.get(options.stream, options.durable);
    const messages = await consumer.consume({ max_messages: options.maxMessages });
    void run.whenStopped.then(() => messages.stop());
    for await (const message of messages) {
      options.meter.recordLatencyMs(nowMs() - readSentAt(message.data));
      options.meter.add(1);
      options.gate.release(1);
      message.ack();
      if (run.stopped) break;
    }
  };
}
