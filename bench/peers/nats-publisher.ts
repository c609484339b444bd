import { createInbox, type Msg, type NatsConnection } from 'nats';
import { makeBody, nowMs } from '../lib/body.js';
import type { MeterSink } from '../lib/meter.js';
import { Semaphore } from '../lib/semaphore.js';
import type { Worker } from '../lib/workload.js';

export interface NatsPublisherOptions {
  readonly subject: string;
  /** Publishes awaiting their PubAck. */
  readonly window: number;
  readonly gate: Semaphore;
  readonly meter: MeterSink;
  /** A publish whose PubAck has not come within this bound is an error; default 10 s. */
  readonly pubAckBoundMs?: number;
}

const DEFAULT_PUB_ACK_BOUND_MS = 10_000;

/**
 * A JetStream publisher with a window of asynchronous publishes, the way JetStream clients publish
 * asynchronously (Go's `PublishAsync`): each message is a core NATS publish to the stream's subject with
 * a reply subject under the publisher's own inbox, and the stream's PubAck (or error) comes back there.
 * nats.js's `js.publish` is a request per message instead: a promise chain, a timer, a stack captured
 * for its traces and an error object built for every request it settles (`noAsyncTraces` drops only the
 * capture). With it the load generator was `pipeline`'s limit for NATS: 1.02 cores at 12.8k msgs/s
 * (`npm run bench -- pipeline --quick --systems nats`), 0.97 cores at 20.8k with `noAsyncTraces`; with
 * this publisher 0.66 cores at 38.1k, and the NATS server is the limit.
 *
 * A publish holds its window slot until its PubAck arrives (the consumers count what is received). A
 * failed publish (an error PubAck, no stream to answer, no PubAck within the bound) gives its backlog
 * permit back and is counted as an error. When the run stops, the publisher waits for its outstanding
 * PubAcks (each bounded) before it unsubscribes.
 */
export function natsPublisher(connection: NatsConnection, options: NatsPublisherOptions): Worker {
  const boundMs = options.pubAckBoundMs ?? DEFAULT_PUB_ACK_BOUND_MS;
  return async (run) => {
    const window = new Semaphore(options.window);
    void run.whenStopped.then(() => window.close());
    const inbox = createInbox();
    // Publishes awaiting their PubAck, by reply token, in the order they went out (with their time).
    const outstanding = new Map<number, number>();
    let noneOutstanding: (() => void) | undefined;
    const settle = (token: number, error: unknown) => {
      // A PubAck arriving after its bound was already counted as an error.
      if (!outstanding.delete(token)) return;
      window.release();
      if (error !== undefined) {
        options.gate.release(1);
        options.meter.error(error);
      }
      if (outstanding.size === 0) noneOutstanding?.();
    };
    const subscription = connection.subscribe(`${inbox}.*`, {
      callback: (error, message) => {
        if (error !== null) options.meter.error(error);
        else settle(Number(message.subject.slice(inbox.length + 1)), pubAckError(message));
      },
    });
    const sweep = setInterval(
      () => {
        const expired = nowMs() - boundMs;
        for (const [token, publishedAtMs] of outstanding) {
          if (publishedAtMs > expired) break;
          settle(token, new Error(`no PubAck within ${boundMs} ms`));
        }
      },
      Math.min(1_000, boundMs),
    );
    let token = 0;
    try {
      while (!run.stopped) {
        if (!(await options.gate.acquire(1))) break;
        // Stopped while waiting: the permit goes back, or a drained backlog never reads as empty.
        if (run.stopped || !(await window.acquire())) {
          options.gate.release(1);
          break;
        }
        token++;
        const publishedAtMs = nowMs();
        outstanding.set(token, publishedAtMs);
        try {
          connection.publish(options.subject, Buffer.from(makeBody(publishedAtMs)), {
            reply: `${inbox}.${token}`,
          });
        } catch (error) {
          // The connection is closed: this message never went out.
          settle(token, error);
          break;
        }
      }
      if (outstanding.size > 0) await new Promise<void>((resolve) => (noneOutstanding = resolve));
    } finally {
      clearInterval(sweep);
      subscription.unsubscribe();
    }
  };
}

/** Why a PubAck reports a failed publish, or undefined for a stored message. */
function pubAckError(message: Msg): Error | undefined {
  const headers = message.headers;
  // A status message: 503 when no stream listens on the subject.
  if (headers?.hasError === true) return new Error(`publish failed: ${headers.code} ${headers.description}`);
  let ack: { error?: { code?: number; description?: string }; seq?: unknown };
  try {
    ack = message.json();
  } catch {
    return new Error('publish failed: the PubAck is not JSON');
  }
  if (ack.error !== undefined) {
    return new Error(`publish failed: ${ack.error.code ?? ''} ${ack.error.description ?? ''}`.trim());
  }
  if (typeof ack.seq !== 'number') return new Error('publish failed: a PubAck without a sequence');
  return undefined;
}
