import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QUEUE_DEFAULTS } from '@opencmq/protocol';
import type { Clock } from '../domain/clock.js';
import { isDomainError, type ErrorCode } from '../domain/errors.js';
import type { ReceivedMessage } from '../domain/message.js';
import type { QueueAttributes } from '../domain/queue.js';
// The memory engine stands in for the store port; the service itself only knows the port.
import { createMemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { QueueService, type QueueServiceLimits, type ReceiveOptions } from './queue-service.js';

const T0 = 1_700_000_000_000;
const clock: Clock = { nowMs: () => Date.now() };

const attrs = (patch: Partial<QueueAttributes> = {}): QueueAttributes => ({
  maxMsgHeapNum: QUEUE_DEFAULTS.maxMsgHeapNum,
  pollingWaitSeconds: 0,
  visibilityTimeoutSeconds: 30,
  maxMsgSizeBytes: 1024,
  msgRetentionSeconds: 3600,
  rewindSeconds: 0,
  deadLetterPolicy: null,
  deduplicationWindowSeconds: 300,
  trace: false,
  ...patch,
});

/** A receive in progress, with its result once it has resolved. */
interface Pending {
  done: boolean;
  result: ReceivedMessage[] | undefined;
  promise: Promise<ReceivedMessage[]>;
}

/** Lets resolved promises run without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

const expectDomainError = async (promise: Promise<unknown>, code: ErrorCode) => {
  const error = await rejection(promise);
  expect(isDomainError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error;
};

describe('QueueService', () => {
  let store: Store;
  let service: QueueService;
  let inFlight: Pending[];

  const createService = (limits: Partial<QueueServiceLimits> = {}) =>
    new QueueService(store, clock, {
      maxQueues: 100,
      batchTotalBytes: 4096,
      // Far beyond every wait below, so only signals and deadlines end a wait unless a test says so.
      longPollBackstopMs: 120_000,
      ...limits,
    });

  const receive = (options: Partial<ReceiveOptions> = {}, name = 'q'): Pending => {
    const pending: Pending = { done: false, result: undefined, promise: Promise.resolve([]) };
    pending.promise = service
      .receiveMessages(name, { max: 16, waitSeconds: undefined, ...options })
      .then((messages) => {
        pending.done = true;
        pending.result = messages;
        return messages;
      });
    inFlight.push(pending);
    return pending;
  };

  const send = (bodies: string[], delaySeconds = 0, name = 'q') =>
    service.sendMessages(
      name,
      bodies.map((body) => ({ body, delaySeconds })),
    );

  beforeEach(async () => {
    vi.useFakeTimers({ now: T0 });
    inFlight = [];
    store = createMemoryStore();
    service = createService();
    await service.createQueue('q', attrs());
  });

  afterEach(async () => {
    // Answer the receives a test left waiting before the store goes away under them.
    service.stopWaiting();
    await Promise.allSettled(inFlight.map((p) => p.promise));
    await store.close();
    vi.useRealTimers();
  });

  describe('receiveMessages with a wait', () => {
    it('returns at once when a message is ready', async () => {
      await send(['hello']);
      const pending = receive({ waitSeconds: 10 });
      await settle();
      expect(pending.done).toBe(true);
      expect(pending.result?.map((m) => m.body)).toEqual(['hello']);
      expect(Date.now()).toBe(T0);
    });

    it('resolves empty exactly at the deadline when the queue stays empty', async () => {
      const pending = receive({ waitSeconds: 5 });
      await vi.advanceTimersByTimeAsync(4999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.done).toBe(true);
      expect(pending.result).toEqual([]);
    });

    it('resolves empty exactly at the deadline when the backstop wakes it on the way', async () => {
      service = createService({ longPollBackstopMs: 700 });
      const pending = receive({ waitSeconds: 5 });
      await vi.advanceTimersByTimeAsync(4999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.done).toBe(true);
      expect(pending.result).toEqual([]);
    });

    it('returns at once without waiting when waitSeconds is 0', async () => {
      await service.setQueueAttributes('q', { pollingWaitSeconds: 10 });
      const pending = receive({ waitSeconds: 0 });
      await settle();
      expect(pending.result).toEqual([]);
    });

    it("waits for the queue's pollingWaitSeconds when waitSeconds is undefined", async () => {
      await service.setQueueAttributes('q', { pollingWaitSeconds: 3 });
      const pending = receive({ waitSeconds: undefined });
      await vi.advanceTimersByTimeAsync(2999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.result).toEqual([]);
    });

    it('wakes as soon as a message is sent during the wait', async () => {
      const pending = receive({ waitSeconds: 10 });
      await vi.advanceTimersByTimeAsync(2000);
      expect(pending.done).toBe(false);
      expect(service.waitingReceivers('q')).toBe(1);
      await send(['late']);
      await settle();
      expect(pending.result?.map((m) => m.body)).toEqual(['late']);
      expect(Date.now()).toBe(T0 + 2000);
      expect(service.waitingReceivers('q')).toBe(0);
    });

    it('wakes when a message is sent to the queue under another casing of its name', async () => {
      const pending = receive({ waitSeconds: 10 }, 'Q');
      await settle();
      await send(['x'], 0, 'q');
      await settle();
      expect(pending.result).toHaveLength(1);
    });

    it("wakes as soon as a delayed message's delay ends", async () => {
      await send(['later'], 3);
      const pending = receive({ waitSeconds: 10 });
      await vi.advanceTimersByTimeAsync(2999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.result?.map((m) => m.body)).toEqual(['later']);
      expect(Date.now()).toBe(T0 + 3000);
    });

    it("wakes as soon as an in-flight message's visibility timeout ends", async () => {
      await service.setQueueAttributes('q', { visibilityTimeoutSeconds: 4 });
      await send(['again']);
      const first = await service.receiveMessages('q', { max: 1, waitSeconds: 0 });
      expect(first).toHaveLength(1);
      const pending = receive({ waitSeconds: 10 });
      await vi.advanceTimersByTimeAsync(3999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.result?.map((m) => [m.body, m.dequeueCount])).toEqual([['again', 2]]);
    });

    it('resolves empty at the deadline when a delayed message becomes ready only after it', async () => {
      await send(['too-late'], 20);
      const pending = receive({ waitSeconds: 5 });
      await vi.advanceTimersByTimeAsync(4999);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.result).toEqual([]);
    });

    it('wakes only one of many waiters when one message is sent', async () => {
      const waiters = [
        receive({ waitSeconds: 10 }),
        receive({ waitSeconds: 10 }),
        receive({ waitSeconds: 10 }),
      ];
      await settle();
      expect(service.waitingReceivers('q')).toBe(3);
      await send(['one']);
      await settle();
      expect(waiters.map((w) => w.done)).toEqual([true, false, false]);
      expect(waiters[0]!.result).toHaveLength(1);
      expect(service.waitingReceivers('q')).toBe(2);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(waiters.map((w) => w.result)).toEqual([expect.any(Array), [], []]);
    });

    it('serves n waiters one message each when a batch of n is sent to receivers taking one', async () => {
      const waiters = Array.from({ length: 5 }, () => receive({ waitSeconds: 10, max: 1 }));
      await settle();
      await send(['a', 'b', 'c']);
      await settle();
      expect(waiters.map((w) => w.done)).toEqual([true, true, true, false, false]);
      expect(waiters.slice(0, 3).map((w) => w.result?.[0]?.body)).toEqual(['a', 'b', 'c']);
      expect(service.waitingReceivers('q')).toBe(2);
    });

    it('wakes one receiver taking up to 16 when a batch of 3 is sent, and it takes all three', async () => {
      const waiters = Array.from({ length: 5 }, () => receive({ waitSeconds: 10, max: 16 }));
      await settle();
      const looks = vi.spyOn(store, 'receiveMessages');
      await send(['a', 'b', 'c']);
      await settle();
      // One batch covers the three: no other receiver is woken to find nothing.
      expect(looks).toHaveBeenCalledTimes(1);
      expect(waiters.map((w) => w.done)).toEqual([true, false, false, false, false]);
      expect(waiters[0]!.result?.map((m) => m.body)).toEqual(['a', 'b', 'c']);
      expect(service.waitingReceivers('q')).toBe(4);
    });

    it('answers every waiter with [] at once when stopWaiting is called', async () => {
      const waiters = [
        receive({ waitSeconds: 10 }),
        receive({ waitSeconds: 20 }),
        receive({ waitSeconds: 30 }),
      ];
      await settle();
      service.stopWaiting();
      await settle();
      expect(waiters.map((w) => w.result)).toEqual([[], [], []]);
      expect(Date.now()).toBe(T0);
      expect(service.waitingReceivers('q')).toBe(0);
    });

    it('returns at once after stopWaiting when a new receive asks to wait', async () => {
      service.stopWaiting();
      const pending = receive({ waitSeconds: 10 });
      await settle();
      expect(pending.result).toEqual([]);
      await send(['still-works']);
      expect(await service.receiveMessages('q', { max: 16, waitSeconds: 10 })).toHaveLength(1);
    });

    it('finds a message by the backstop when no signal announces it', async () => {
      const quiet = createMemoryStore();
      // A store whose ready signal never fires, like a peer process writing to a shared engine.
      vi.spyOn(quiet, 'onMessagesReady').mockImplementation(() => () => undefined);
      await store.close();
      store = quiet;
      service = createService({ longPollBackstopMs: 1000 });
      await service.createQueue('q', attrs());
      const pending = receive({ waitSeconds: 10 });
      await vi.advanceTimersByTimeAsync(200);
      await send(['unannounced']);
      await vi.advanceTimersByTimeAsync(799);
      expect(pending.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(pending.result?.map((m) => m.body)).toEqual(['unannounced']);
      expect(Date.now()).toBe(T0 + 1000);
    });

    it('fails with QUEUE_NOT_FOUND when the queue does not exist', async () => {
      await expectDomainError(
        service.receiveMessages('missing', { max: 1, waitSeconds: 10 }),
        'QUEUE_NOT_FOUND',
      );
      expect(service.waitingReceivers('missing')).toBe(0);
    });
  });

  describe('sendMessages validation', () => {
    it('accepts a body when it is exactly maxMsgSize bytes', async () => {
      await expect(send(['x'.repeat(1024)])).resolves.toHaveLength(1);
    });

    it('fails with MESSAGE_TOO_LARGE when the body is one byte over maxMsgSize', async () => {
      await expectDomainError(send(['x'.repeat(1025)]), 'MESSAGE_TOO_LARGE');
    });

    it('counts UTF-8 bytes, not characters, when the body holds multi-byte characters', async () => {
      // 342 characters of 3 bytes each: 1026 bytes, over 1024 although the string length is 342.
      await expectDomainError(send(['你'.repeat(342)]), 'MESSAGE_TOO_LARGE');
      await expect(send(['你'.repeat(341)])).resolves.toHaveLength(1);
      // A 4-byte emoji is two UTF-16 units: 256 of them are 1024 bytes, 257 are 1028.
      await expect(send(['😀'.repeat(256)])).resolves.toHaveLength(1);
      await expectDomainError(send(['😀'.repeat(257)]), 'MESSAGE_TOO_LARGE');
    });

    it('fails with DELAY_OUT_OF_RANGE when the delay exceeds the retention', async () => {
      await expectDomainError(send(['x'], 3601), 'DELAY_OUT_OF_RANGE');
      await expect(send(['x'], 3600)).resolves.toHaveLength(1);
    });

    it('fails with BATCH_TOO_LARGE and stores nothing when the batch total is over the limit', async () => {
      const body = 'x'.repeat(1000);
      await expectDomainError(send([body, body, body, body, 'x'.repeat(97)]), 'BATCH_TOO_LARGE');
      const { stats } = await service.getQueue('q');
      expect(stats.activeMsgNum).toBe(0);
    });

    it('accepts a batch when its total is exactly the limit', async () => {
      const body = 'x'.repeat(1024);
      await expect(send([body, body, body, body])).resolves.toHaveLength(4);
    });

    it('checks every message of a batch when one in the middle is too large', async () => {
      await expectDomainError(send(['a', 'x'.repeat(1025), 'b']), 'MESSAGE_TOO_LARGE');
      expect((await service.getQueue('q')).stats.activeMsgNum).toBe(0);
    });

    it('fails with QUEUE_NOT_FOUND when the queue does not exist', async () => {
      await expectDomainError(send(['x'], 0, 'missing'), 'QUEUE_NOT_FOUND');
    });
  });

  describe('deleteMessages', () => {
    it("returns 'malformed' for each malformed handle and deletes the valid ones", async () => {
      await send(['a']);
      const [message] = await service.receiveMessages('q', { max: 1, waitSeconds: 0 });
      const results = await service.deleteMessages('q', ['garbage', message!.receiptHandle, '1:', '1:ABC']);
      expect(results).toEqual(['malformed', 'deleted', 'malformed', 'malformed']);
      expect((await service.getQueue('q')).stats.inactiveMsgNum).toBe(0);
    });

    it("returns 'invalid' when a well-formed handle names no received message", async () => {
      expect(await service.deleteMessages('q', ['999:abc'])).toEqual(['invalid']);
    });

    it("returns 'malformed' for every handle when none is well-formed", async () => {
      expect(await service.deleteMessages('q', ['x', 'y'])).toEqual(['malformed', 'malformed']);
    });

    it('fails with QUEUE_NOT_FOUND when the queue is missing and every handle is malformed', async () => {
      await expectDomainError(service.deleteMessages('missing', ['x']), 'QUEUE_NOT_FOUND');
    });

    it('fails with QUEUE_NOT_FOUND when the queue is missing and a handle is well-formed', async () => {
      await expectDomainError(service.deleteMessages('missing', ['1:abc']), 'QUEUE_NOT_FOUND');
    });
  });
});
