import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../domain/clock.js';
import { isDomainError, type ErrorCode } from '../domain/errors.js';
import type { QueueAttributes } from '../domain/queue.js';
// The memory engine stands in for the store port; the service itself only knows the port.
import { createMemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { QueueService } from './queue-service.js';

/**
 * Broker-side deduplication over time (docs/queue-features.md): a resend with the same id within the
 * queue's deduplicationWindowSeconds, counted from the first send, stores nothing and answers the first
 * msgId; a resend at exactly first send + window is a new message. The window never outlives retention.
 */

const T0 = 1_700_000_000_000;
const WINDOW_MS = 300_000;
const clock: Clock = { nowMs: () => Date.now() };

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

describe('QueueService deduplication', () => {
  let store: Store;
  let service: QueueService;

  const createQueue = (name: string, patch: Partial<QueueAttributes> = {}) =>
    service.createQueue(name, { msgRetentionSeconds: 3600, deduplicationWindowSeconds: 300, ...patch });

  /** Sends `[body, deduplicationId]` pairs as one batch at the current (fake) time. */
  const send = (items: ReadonlyArray<readonly [string, string | undefined]>, name = 'orders') =>
    service.sendMessages(
      name,
      items.map(([body, deduplicationId]) => ({ body, delaySeconds: 0, deduplicationId })),
    );

  const sendOne = async (body: string, deduplicationId: string | undefined, name = 'orders') => {
    const [msgId] = await send([[body, deduplicationId]], name);
    if (msgId === undefined) throw new Error('no msgId');
    return msgId;
  };

  const storedCount = async (name = 'orders') => {
    const { stats } = await service.getQueue(name);
    return stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum;
  };

  const receiveAll = (name = 'orders') =>
    service.receiveMessages(name, { max: 16, waitSeconds: 0 }).then((ms) => ms.map((m) => [m.msgId, m.body]));

  beforeEach(async () => {
    vi.useFakeTimers({ now: T0 });
    store = createMemoryStore();
    service = new QueueService(store, clock, {
      maxQueues: 100,
      batchTotalBytes: 65_536,
      longPollBackstopMs: 120_000,
    });
    await createQueue('orders');
  });

  afterEach(async () => {
    service.stopWaiting();
    await store.close();
    vi.useRealTimers();
  });

  it('answers the first msgId and stores nothing when the resend comes 1 ms before the window ends', async () => {
    const first = await sendOne('order-1 v1', 'order-1');
    vi.setSystemTime(T0 + WINDOW_MS - 1);
    expect(await sendOne('order-1 v2', 'order-1')).toBe(first);
    expect(await storedCount()).toBe(1);
    expect(await receiveAll()).toEqual([[first, 'order-1 v1']]);
  });

  it('stores a new message when the resend comes exactly at the end of the window, and deduplicates against it', async () => {
    const first = await sendOne('order-1 v1', 'order-1');
    vi.setSystemTime(T0 + WINDOW_MS);
    const second = await sendOne('order-1 v2', 'order-1');
    expect(second).not.toBe(first);
    // The new message starts a new window: a send right after answers the second id.
    vi.setSystemTime(T0 + WINDOW_MS + 1);
    expect(await sendOne('order-1 v3', 'order-1')).toBe(second);
    expect(await storedCount()).toBe(2);
    expect((await receiveAll()).sort()).toEqual(
      [
        [first, 'order-1 v1'],
        [second, 'order-1 v2'],
      ].sort(),
    );
  });

  it('answers the first msgId even after that message was consumed', async () => {
    const first = await sendOne('order-1 v1', 'order-1');
    const [received] = await service.receiveMessages('orders', { max: 1, waitSeconds: 0 });
    expect(received?.msgId).toBe(first);
    expect(await service.deleteMessages('orders', [received!.receiptHandle])).toEqual(['deleted']);
    vi.setSystemTime(T0 + 60_000);
    expect(await sendOne('order-1 v2', 'order-1')).toBe(first);
    expect(await storedCount()).toBe(0);
  });

  it('stores a repeated id of one batch once and answers every repeat with its msgId', async () => {
    const ids = await send([
      ['a', 'order-1'],
      ['b', 'order-2'],
      ['c', 'order-1'],
      ['d', undefined],
      ['e', 'order-1'],
    ]);
    expect(ids).toHaveLength(5);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[4]).toBe(ids[0]);
    expect(new Set([ids[0], ids[1], ids[3]]).size).toBe(3);
    expect(await storedCount()).toBe(3);
    expect((await receiveAll()).map(([, body]) => body).sort()).toEqual(['a', 'b', 'd']);
    // The batch recorded its ids like single sends do.
    vi.setSystemTime(T0 + 1000);
    expect(await send([['again', 'order-2']])).toEqual([ids[1]]);
  });

  it('does not deduplicate when the window is 0', async () => {
    await createQueue('plain', { deduplicationWindowSeconds: 0 });
    const first = await sendOne('x', 'order-1', 'plain');
    const second = await sendOne('x', 'order-1', 'plain');
    const [third, fourth] = await send(
      [
        ['x', 'order-1'],
        ['x', 'order-1'],
      ],
      'plain',
    );
    expect(new Set([first, second, third, fourth]).size).toBe(4);
    expect(await storedCount('plain')).toBe(4);
    expect((await service.getQueue('plain')).queue.attributes.deduplicationWindowSeconds).toBe(0);
  });

  it('keeps deduplication ids per queue', async () => {
    await createQueue('other');
    const here = await sendOne('x', 'order-1');
    const there = await sendOne('x', 'order-1', 'other');
    expect(there).not.toBe(here);
    expect(await storedCount('other')).toBe(1);
  });

  it('lowers the window with retention when retention is set below it without a window', async () => {
    const queue = await service.setQueueAttributes('orders', { msgRetentionSeconds: 120 });
    expect(queue.attributes).toMatchObject({ msgRetentionSeconds: 120, deduplicationWindowSeconds: 120 });
    const first = await sendOne('v1', 'order-1');
    vi.setSystemTime(T0 + 119_999);
    expect(await sendOne('v2', 'order-1')).toBe(first);
    vi.setSystemTime(T0 + 120_000);
    const second = await sendOne('v3', 'order-1');
    expect(second).not.toBe(first);
    // The window follows retention down only: raising retention again leaves it where it went.
    const raised = await service.setQueueAttributes('orders', { msgRetentionSeconds: 3600 });
    expect(raised.attributes).toMatchObject({ msgRetentionSeconds: 3600, deduplicationWindowSeconds: 120 });
  });

  it('keeps an explicit window given with a lower retention when it fits', async () => {
    const queue = await service.setQueueAttributes('orders', {
      msgRetentionSeconds: 200,
      deduplicationWindowSeconds: 60,
    });
    expect(queue.attributes).toMatchObject({ msgRetentionSeconds: 200, deduplicationWindowSeconds: 60 });
  });

  it('refuses an explicit window above retention with ATTRIBUTE_OUT_OF_RANGE and changes nothing', async () => {
    await expectDomainError(
      service.setQueueAttributes('orders', { msgRetentionSeconds: 120, deduplicationWindowSeconds: 300 }),
      'ATTRIBUTE_OUT_OF_RANGE',
    );
    await expectDomainError(
      service.setQueueAttributes('orders', { deduplicationWindowSeconds: 3601 }),
      'ATTRIBUTE_OUT_OF_RANGE',
    );
    await expectDomainError(
      createQueue('short', { msgRetentionSeconds: 60, deduplicationWindowSeconds: 61 }),
      'ATTRIBUTE_OUT_OF_RANGE',
    );
    expect((await service.getQueue('orders')).queue.attributes).toMatchObject({
      msgRetentionSeconds: 3600,
      deduplicationWindowSeconds: 300,
    });
    await expectDomainError(service.getQueue('short'), 'QUEUE_NOT_FOUND');
    // Still a 300 s window: a resend 299.999 s later is deduplicated.
    const first = await sendOne('v1', 'order-1');
    vi.setSystemTime(T0 + WINDOW_MS - 1);
    expect(await sendOne('v2', 'order-1')).toBe(first);
  });
});
