import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUE_DEFAULTS } from '@opencmq/protocol';
import { isDomainError, type ErrorCode } from '../domain/errors.js';
import type { QueueAttributes } from '../domain/queue.js';
import { parseReceiptHandle } from '../domain/receipt-handle.js';
import type { Store } from './store.js';

/**
 * The one suite every storage engine passes. Time is passed explicitly (`nowMs`), so the suite needs no
 * fake timers and runs the same against engines in other processes.
 */
export function runStoreConformance(engineName: string, createStore: () => Promise<Store> | Store): void {
  const T0 = 1_700_000_000_000;
  const attrs = (patch: Partial<QueueAttributes> = {}): QueueAttributes => ({
    maxMsgHeapNum: QUEUE_DEFAULTS.maxMsgHeapNum,
    pollingWaitSeconds: 0,
    visibilityTimeoutSeconds: 30,
    maxMsgSizeBytes: QUEUE_DEFAULTS.maxMsgSizeBytes,
    msgRetentionSeconds: 3600,
    rewindSeconds: 0,
    ...patch,
  });
  const vt = (seconds: number) => ({ max: 16, visibilityTimeoutMs: seconds * 1000 });
  const send = (name: string, bodies: string[], nowMs = T0, delaySeconds = 0) =>
    store.sendMessages(
      name,
      bodies.map((body) => ({ body, delaySeconds })),
      nowMs,
    );
  const rejectsWith = async (promise: Promise<unknown>, code: ErrorCode) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDomainError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  };

  let store: Store;

  describe(`store conformance: ${engineName}`, () => {
    beforeEach(async () => {
      store = await createStore();
      await store.createQueue({ name: 'Orders', attributes: attrs(), nowMs: T0, maxQueues: 100 });
    });
    afterEach(async () => {
      await store.close();
    });

    describe('queues', () => {
      it('finds a queue by any casing of its name and keeps the casing it was created with', async () => {
        const queue = await store.getQueue('ORDERS');
        expect(queue?.name).toBe('Orders');
        expect(queue?.queueId).toMatch(/^queue-[0-9a-v]{12}$/);
        expect(queue?.createdAtMs).toBe(T0);
        expect(queue?.attributes).toEqual(attrs());
      });

      it('refuses a second queue whose name differs only in case', async () => {
        await rejectsWith(
          store.createQueue({ name: 'orders', attributes: attrs(), nowMs: T0, maxQueues: 100 }),
          'QUEUE_ALREADY_EXISTS',
        );
      });

      it('refuses a queue beyond the queue limit', async () => {
        await rejectsWith(
          store.createQueue({ name: 'second', attributes: attrs(), nowMs: T0, maxQueues: 1 }),
          'QUEUE_LIMIT_REACHED',
        );
      });

      it('lists queues by name with search, offset and limit, and counts all matches', async () => {
        for (const name of ['alpha-1', 'alpha-2', 'beta', 'ALPHA-3']) {
          await store.createQueue({ name, attributes: attrs(), nowMs: T0, maxQueues: 100 });
        }
        const all = await store.listQueues({ offset: 0, limit: 50 });
        expect(all.total).toBe(5);
        expect(all.queues.map((q) => q.name)).toEqual(['alpha-1', 'alpha-2', 'ALPHA-3', 'beta', 'Orders']);
        const page = await store.listQueues({ searchWord: 'Alpha', offset: 1, limit: 1 });
        expect(page.total).toBe(3);
        expect(page.queues.map((q) => q.name)).toEqual(['alpha-2']);
      });

      it('updates only the attributes given and stamps the modification time', async () => {
        const updated = await store.updateQueue('orders', { visibilityTimeoutSeconds: 99 }, T0 + 5000);
        expect(updated.attributes).toEqual(attrs({ visibilityTimeoutSeconds: 99 }));
        expect(updated.modifiedAtMs).toBe(T0 + 5000);
        expect((await store.getQueue('Orders'))?.attributes.visibilityTimeoutSeconds).toBe(99);
      });

      it('deletes a queue with its messages, and a new queue of that name starts empty', async () => {
        await send('Orders', ['a', 'b']);
        await store.deleteQueue('orders');
        expect(await store.getQueue('Orders')).toBeUndefined();
        await rejectsWith(send('Orders', ['c']), 'QUEUE_NOT_FOUND');
        await store.createQueue({ name: 'Orders', attributes: attrs(), nowMs: T0, maxQueues: 100 });
        expect(await store.receiveMessages('Orders', vt(30), T0)).toEqual([]);
        expect((await store.getQueueStats('Orders', T0)).activeMsgNum).toBe(0);
      });

      it('answers QUEUE_NOT_FOUND for every operation on a missing queue', async () => {
        await rejectsWith(store.updateQueue('nope', {}, T0), 'QUEUE_NOT_FOUND');
        await rejectsWith(store.deleteQueue('nope'), 'QUEUE_NOT_FOUND');
        await rejectsWith(send('nope', ['x']), 'QUEUE_NOT_FOUND');
        await rejectsWith(store.receiveMessages('nope', vt(30), T0), 'QUEUE_NOT_FOUND');
        await rejectsWith(store.deleteMessages('nope', [{ msgId: '1', token: 1 }], T0), 'QUEUE_NOT_FOUND');
        await rejectsWith(store.getQueueStats('nope', T0), 'QUEUE_NOT_FOUND');
      });
    });

    describe('messages', () => {
      it('sends, receives and deletes a message with all its delivery fields', async () => {
        const [id] = await send('Orders', ['hello'], T0);
        const [message] = await store.receiveMessages(
          'orders',
          { max: 1, visibilityTimeoutMs: 30_000 },
          T0 + 1000,
        );
        expect(message).toMatchObject({
          msgId: id,
          body: 'hello',
          enqueuedAtMs: T0,
          firstDequeuedAtMs: T0 + 1000,
          nextVisibleAtMs: T0 + 31_000,
          dequeueCount: 1,
        });
        expect(message!.receiptHandle).toMatch(/^[A-Za-z0-9%#:_-]{1,256}$/);
        const outcome = await store.deleteMessages(
          'Orders',
          [parseReceiptHandle(message!.receiptHandle)],
          T0 + 2000,
        );
        expect(outcome).toEqual(['deleted']);
        expect(await store.getQueueStats('Orders', T0 + 2000)).toEqual({
          activeMsgNum: 0,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
          oldestEnqueuedAtMs: undefined,
        });
      });

      it('returns unique ids in input order and keeps bodies byte for byte', async () => {
        const bodies = ['first', 'ünïcødé ✓ 消息', '', 'x'.repeat(10_000), 'a&b=c+d%20'];
        const ids = await send('Orders', bodies);
        expect(new Set(ids).size).toBe(bodies.length);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        expect(received.map((m) => m.body).sort()).toEqual([...bodies].sort());
        expect(new Map(received.map((m) => [m.msgId, m.body]))).toEqual(
          new Map(ids.map((id, i) => [id, bodies[i]])),
        );
      });

      it('receives at most max messages, oldest first', async () => {
        await send('Orders', ['m1', 'm2', 'm3'], T0);
        await send('Orders', ['m4'], T0 + 10);
        const first = await store.receiveMessages('Orders', { max: 2, visibilityTimeoutMs: 30_000 }, T0 + 20);
        expect(first.map((m) => m.body)).toEqual(['m1', 'm2']);
        const rest = await store.receiveMessages('Orders', vt(30), T0 + 20);
        expect(rest.map((m) => m.body)).toEqual(['m3', 'm4']);
        expect(await store.receiveMessages('Orders', vt(30), T0 + 20)).toEqual([]);
      });

      it('keeps exact active, inactive and delayed counts through every transition', async () => {
        await send('Orders', ['a', 'b', 'c'], T0);
        await send('Orders', ['d1', 'd2'], T0, 10);
        expect(await store.getQueueStats('Orders', T0)).toMatchObject({
          activeMsgNum: 3,
          inactiveMsgNum: 0,
          delayMsgNum: 2,
        });
        await store.receiveMessages('Orders', { max: 2, visibilityTimeoutMs: 5000 }, T0 + 1000);
        expect(await store.getQueueStats('Orders', T0 + 1000)).toMatchObject({
          activeMsgNum: 1,
          inactiveMsgNum: 2,
          delayMsgNum: 2,
        });
        expect(await store.getQueueStats('Orders', T0 + 6000)).toMatchObject({
          activeMsgNum: 3,
          inactiveMsgNum: 0,
          delayMsgNum: 2,
        });
        expect(await store.getQueueStats('Orders', T0 + 10_000)).toMatchObject({
          activeMsgNum: 5,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
        });
      });

      it('keeps a delayed message invisible until its delay ends', async () => {
        await send('Orders', ['later'], T0, 5);
        expect(await store.receiveMessages('Orders', vt(30), T0 + 4999)).toEqual([]);
        expect(await store.nextVisibleAtMs('Orders', T0 + 4999)).toBe(T0 + 5000);
        const [message] = await store.receiveMessages('Orders', vt(30), T0 + 5000);
        expect(message?.body).toBe('later');
      });

      it('makes an undeleted message visible again after its visibility timeout', async () => {
        await send('Orders', ['retry-me'], T0);
        const [first] = await store.receiveMessages('Orders', vt(10), T0);
        expect(await store.receiveMessages('Orders', vt(10), T0 + 9999)).toEqual([]);
        expect(await store.nextVisibleAtMs('Orders', T0 + 9999)).toBe(T0 + 10_000);
        const [second] = await store.receiveMessages('Orders', vt(10), T0 + 10_000);
        expect(second).toMatchObject({ msgId: first!.msgId, dequeueCount: 2, firstDequeuedAtMs: T0 });
        expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
      });

      it('fences receipt handles: only the newest receive can delete, and only while invisible', async () => {
        await send('Orders', ['fenced'], T0);
        const [first] = await store.receiveMessages('Orders', vt(10), T0);
        const [second] = await store.receiveMessages('Orders', vt(10), T0 + 10_000);
        const stale = parseReceiptHandle(first!.receiptHandle);
        const current = parseReceiptHandle(second!.receiptHandle);
        expect(await store.deleteMessages('Orders', [stale], T0 + 10_001)).toEqual(['invalid']);
        expect(await store.deleteMessages('Orders', [current], T0 + 20_000)).toEqual(['invalid']);
        const [third] = await store.receiveMessages('Orders', vt(10), T0 + 20_000);
        expect(
          await store.deleteMessages('Orders', [parseReceiptHandle(third!.receiptHandle)], T0 + 20_001),
        ).toEqual(['deleted']);
        expect(
          await store.deleteMessages('Orders', [parseReceiptHandle(third!.receiptHandle)], T0 + 20_002),
        ).toEqual(['invalid']);
      });

      it('does not let a handle of one queue delete in another', async () => {
        await store.createQueue({ name: 'other', attributes: attrs(), nowMs: T0, maxQueues: 100 });
        await send('Orders', ['x']);
        const [message] = await store.receiveMessages('Orders', vt(30), T0);
        expect(await store.deleteMessages('other', [parseReceiptHandle(message!.receiptHandle)], T0)).toEqual(
          ['invalid'],
        );
        expect(await store.deleteMessages('Orders', [{ msgId: '999999999', token: 1 }], T0)).toEqual([
          'invalid',
        ]);
      });

      it('reports one outcome per handle in a batch delete', async () => {
        await send('Orders', ['a', 'b']);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        const handles = received.map((m) => parseReceiptHandle(m.receiptHandle));
        const outcome = await store.deleteMessages(
          'Orders',
          [handles[0]!, { msgId: '1', token: 12345 }, handles[1]!],
          T0,
        );
        expect(outcome).toEqual(['deleted', 'invalid', 'deleted']);
      });

      it('expires messages at the end of retention, in any state', async () => {
        await store.updateQueue('Orders', { msgRetentionSeconds: 60 }, T0);
        await send('Orders', ['old-ready', 'old-inflight'], T0);
        await send('Orders', ['old-delayed'], T0, 50);
        await send('Orders', ['young'], T0 + 30_000);
        await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 600_000 }, T0 + 1);
        expect(await store.getQueueStats('Orders', T0 + 40_000)).toMatchObject({
          activeMsgNum: 2,
          inactiveMsgNum: 1,
          delayMsgNum: 1,
          oldestEnqueuedAtMs: T0,
        });
        expect(await store.getQueueStats('Orders', T0 + 60_000)).toEqual({
          activeMsgNum: 1,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
          oldestEnqueuedAtMs: T0 + 30_000,
        });
        const received = await store.receiveMessages('Orders', vt(30), T0 + 60_000);
        expect(received.map((m) => m.body)).toEqual(['young']);
      });

      it('never delivers or deletes an expired message that was not swept yet', async () => {
        await store.updateQueue('Orders', { msgRetentionSeconds: 60 }, T0);
        await send('Orders', ['short-lived'], T0);
        const [message] = await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 120_000 }, T0);
        expect(
          await store.deleteMessages('Orders', [parseReceiptHandle(message!.receiptHandle)], T0 + 60_000),
        ).toEqual(['invalid']);
      });

      it('sweeps expired messages across queues up to a limit', async () => {
        await store.createQueue({
          name: 'other',
          attributes: attrs({ msgRetentionSeconds: 60 }),
          nowMs: T0,
          maxQueues: 100,
        });
        await store.updateQueue('Orders', { msgRetentionSeconds: 60 }, T0);
        await send('Orders', ['a', 'b', 'c']);
        await send('other', ['d', 'e']);
        expect(await store.expireMessages(T0 + 59_999, 100)).toBe(0);
        expect(await store.expireMessages(T0 + 60_000, 4)).toBe(4);
        expect(await store.expireMessages(T0 + 60_000, 100)).toBe(1);
        expect((await store.getQueueStats('Orders', T0 + 60_000)).activeMsgNum).toBe(0);
      });

      it('reports the enqueue time of the oldest message not yet deleted', async () => {
        await send('Orders', ['first'], T0);
        await send('Orders', ['second'], T0 + 5000);
        const [first] = await store.receiveMessages(
          'Orders',
          { max: 1, visibilityTimeoutMs: 30_000 },
          T0 + 6000,
        );
        expect((await store.getQueueStats('Orders', T0 + 6000)).oldestEnqueuedAtMs).toBe(T0);
        await store.deleteMessages('Orders', [parseReceiptHandle(first!.receiptHandle)], T0 + 6000);
        expect((await store.getQueueStats('Orders', T0 + 6000)).oldestEnqueuedAtMs).toBe(T0 + 5000);
      });

      it('refuses a whole batch that would pass maxMsgHeapNum and stores none of it', async () => {
        await store.updateQueue('Orders', { maxMsgHeapNum: 3 }, T0);
        await send('Orders', ['a', 'b']);
        await rejectsWith(send('Orders', ['c', 'd']), 'QUEUE_FULL');
        expect((await store.getQueueStats('Orders', T0)).activeMsgNum).toBe(2);
        await send('Orders', ['c']);
        expect((await store.getQueueStats('Orders', T0)).activeMsgNum).toBe(3);
      });

      it('signals waiting consumers when messages become ready', async () => {
        const signals: Array<[string, number]> = [];
        const stop = store.onMessagesReady((key, count) => signals.push([key, count]));
        await send('Orders', ['a', 'b']);
        await send('Orders', ['delayed'], T0, 1);
        expect(signals).toContainEqual(['orders', 2]);
        stop();
        await send('Orders', ['c']);
        expect(signals.filter(([, n]) => n === 1)).toEqual([]);
      });

      it('gives each concurrent receiver different messages', async () => {
        await send(
          'Orders',
          Array.from({ length: 16 }, (_, i) => `m${i}`),
        );
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.receiveMessages('Orders', { max: 3, visibilityTimeoutMs: 30_000 }, T0),
          ),
        );
        const ids = results.flat().map((m) => m.msgId);
        expect(ids.length).toBe(16);
        expect(new Set(ids).size).toBe(16);
      });
    });
  });
}
