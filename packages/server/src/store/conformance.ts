import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordReadySignals, rejectsWith, T0, testQueueAttributes } from './conformance-support.js';
import type { DeadLetterPolicy } from '../domain/dead-letter-policy.js';
import type { ReceivedMessage } from '../domain/message.js';
import type { QueueAttributes } from '../domain/queue.js';
import { parseReceiptHandle } from '../domain/receipt-handle.js';
import type { Store } from './store.js';

/**
 * The one suite every storage engine passes. Time is passed explicitly (`nowMs`), so the suite needs no
 * fake timers and runs the same against engines in other processes.
 */
export function runStoreConformance(engineName: string, createStore: () => Promise<Store> | Store): void {
  const attrs = testQueueAttributes;
  const vt = (seconds: number) => ({ max: 16, visibilityTimeoutMs: seconds * 1000 });
  const send = (name: string, bodies: string[], nowMs = T0, delaySeconds = 0) =>
    store.sendMessages(
      name,
      bodies.map((body) => ({ body, delaySeconds })),
      nowMs,
    );
  const sendWithIds = (name: string, items: Array<[string, string | undefined]>, nowMs = T0) =>
    store.sendMessages(
      name,
      items.map(([body, deduplicationId]) => ({ body, delaySeconds: 0, deduplicationId })),
      nowMs,
    );
  const createQueue = (name: string, patch: Partial<QueueAttributes> = {}, nowMs = T0) =>
    store.createQueue({ name, attributes: attrs(patch), nowMs, maxQueues: 100 });
  const handleOf = (message: ReceivedMessage | undefined) => parseReceiptHandle(message!.receiptHandle);
  const byReceiveCount = (deadLetterQueue: string, maxReceiveCount: number): DeadLetterPolicy => ({
    deadLetterQueue,
    policy: 0,
    maxReceiveCount,
  });
  const byTimeToLive = (deadLetterQueue: string, maxTimeToLiveSeconds: number): DeadLetterPolicy => ({
    deadLetterQueue,
    policy: 1,
    maxTimeToLiveSeconds,
  });

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
          retainedMsgNum: 0,
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

      it('stores sends of one turn in order, with or without deduplication ids, for a receive of that turn', async () => {
        // Not awaited one by one: an engine may run them as one batch (SQLite holds plain sends' rows back).
        const [a, b, c, received] = await Promise.all([
          send('Orders', ['a1', 'a2']),
          sendWithIds('Orders', [['b', 'k1']]),
          send('Orders', ['c']),
          store.receiveMessages('Orders', vt(30), T0),
          send('Orders', ['after the receive']),
        ]);
        expect(received.map((m) => m.body)).toEqual(['a1', 'a2', 'b', 'c']);
        expect(received.map((m) => m.msgId)).toEqual([...a, ...b, ...c]);
        const rest = await store.receiveMessages('Orders', vt(30), T0);
        expect(rest.map((m) => m.body)).toEqual(['after the receive']);
        expect(new Set([...a, ...b, ...c, rest[0]!.msgId]).size).toBe(5);
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

      it('takes the messages visible longest, not the lowest ids, when a timed-out one comes back', async () => {
        await send('Orders', ['first'], T0);
        await store.receiveMessages('Orders', vt(10), T0);
        // 'first' is visible again from T0 + 10 s; these two from T0 + 5 s and T0 + 8 s.
        await send('Orders', ['second'], T0 + 5000);
        await send('Orders', ['third'], T0 + 8000);
        const two = await store.receiveMessages(
          'Orders',
          { max: 2, visibilityTimeoutMs: 30_000 },
          T0 + 20_000,
        );
        expect(two.map((m) => m.body)).toEqual(['second', 'third']);
        const [last] = await store.receiveMessages('Orders', vt(30), T0 + 20_000);
        expect(last).toMatchObject({ body: 'first', dequeueCount: 2, firstDequeuedAtMs: T0 });
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

      it('deletes once when a batch names a message twice, whichever of its handles comes first', async () => {
        await send('Orders', ['twice', 'stale-first']);
        const [twice, staleFirst] = (await store.receiveMessages('Orders', vt(10), T0)).map((m) =>
          parseReceiptHandle(m.receiptHandle),
        );
        expect(await store.deleteMessages('Orders', [twice!, twice!], T0 + 1)).toEqual([
          'deleted',
          'invalid',
        ]);
        const [again] = await store.receiveMessages('Orders', vt(10), T0 + 10_000);
        const current = parseReceiptHandle(again!.receiptHandle);
        expect(current.msgId).toBe(staleFirst!.msgId);
        expect(await store.deleteMessages('Orders', [staleFirst!, current], T0 + 10_001)).toEqual([
          'invalid',
          'deleted',
        ]);
        expect((await store.getQueueStats('Orders', T0 + 10_002)).inactiveMsgNum).toBe(0);
      });

      it('sends, receives and deletes batches larger than 16 in order', async () => {
        const bodies = Array.from({ length: 40 }, (_, i) => `m${i}`);
        const ids = await store.sendMessages(
          'Orders',
          bodies.map((body) => ({ body, delaySeconds: 0 })),
          T0,
        );
        expect(new Set(ids).size).toBe(40);
        const received = await store.receiveMessages('Orders', { max: 40, visibilityTimeoutMs: 30_000 }, T0);
        expect(received.map((m) => m.body)).toEqual(bodies);
        expect(received.map((m) => m.msgId)).toEqual(ids);
        const outcome = await store.deleteMessages(
          'Orders',
          received.map((m) => parseReceiptHandle(m.receiptHandle)),
          T0 + 1,
        );
        expect(outcome).toEqual(new Array(40).fill('deleted'));
        expect(await store.getQueueStats('Orders', T0 + 1)).toMatchObject({
          activeMsgNum: 0,
          inactiveMsgNum: 0,
        });
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
          retainedMsgNum: 0,
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

      it('does not count messages past their retention toward maxMsgHeapNum', async () => {
        await store.updateQueue('Orders', { maxMsgHeapNum: 2, msgRetentionSeconds: 60 }, T0);
        await send('Orders', ['a', 'b'], T0);
        await rejectsWith(send('Orders', ['c'], T0 + 59_000), 'QUEUE_FULL');
        // Nothing has settled the queue since the two expired: the send itself must see it.
        await send('Orders', ['d', 'e'], T0 + 61_000);
        expect((await store.getQueueStats('Orders', T0 + 61_000)).activeMsgNum).toBe(2);
      });

      it('signals waiting consumers when messages become ready', async () => {
        const { signals, stop } = recordReadySignals(store);
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

    describe('dead-letter queues', () => {
      it('answers QUEUE_NOT_FOUND for the sources of a missing queue', async () => {
        await rejectsWith(store.listDeadLetterSources('no-such-queue'), 'QUEUE_NOT_FOUND');
      });

      it('accepts a dead-letter queue named in any casing and returns the casing it was created with', async () => {
        await createQueue('Dead-Letters');
        const source = await createQueue('src', { deadLetterPolicy: byReceiveCount('DEAD-letters', 3) });
        expect(source.attributes.deadLetterPolicy).toEqual(byReceiveCount('Dead-Letters', 3));
        expect((await store.getQueue('SRC'))?.attributes.deadLetterPolicy).toEqual(
          byReceiveCount('Dead-Letters', 3),
        );
        const updated = await store.updateQueue(
          'orders',
          { deadLetterPolicy: byTimeToLive('dead-letters', 600) },
          T0 + 1,
        );
        expect(updated.attributes.deadLetterPolicy).toEqual(byTimeToLive('Dead-Letters', 600));
        const sources = await store.listDeadLetterSources('DEAD-LETTERS');
        expect(sources.map((q) => q.name)).toEqual(['Orders', 'src']);
        expect(await store.listDeadLetterSources('Orders')).toEqual([]);
      });

      it('refuses a policy whose dead-letter queue does not exist', async () => {
        await rejectsWith(
          createQueue('src', { deadLetterPolicy: byReceiveCount('missing', 3) }),
          'DEAD_LETTER_QUEUE_NOT_FOUND',
        );
        expect(await store.getQueue('src')).toBeUndefined();
        await rejectsWith(
          store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('missing', 3) }, T0),
          'DEAD_LETTER_QUEUE_NOT_FOUND',
        );
        expect((await store.getQueue('Orders'))?.attributes.deadLetterPolicy).toBeNull();
      });

      it('refuses chains: a dead-letter queue with a policy, or a policy on a dead-letter queue', async () => {
        await createQueue('dlq');
        await createQueue('other-dlq');
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 3) }, T0);
        await rejectsWith(
          createQueue('src', { deadLetterPolicy: byReceiveCount('orders', 3) }),
          'DEAD_LETTER_CHAIN',
        );
        await rejectsWith(
          store.updateQueue('DLQ', { deadLetterPolicy: byReceiveCount('other-dlq', 3) }, T0),
          'DEAD_LETTER_CHAIN',
        );
        expect((await store.getQueue('dlq'))?.attributes.deadLetterPolicy).toBeNull();
        expect(await store.getQueue('src')).toBeUndefined();
      });

      it('refuses a queue as its own dead-letter queue and a maxTimeToLive not below retention', async () => {
        await createQueue('dlq');
        await rejectsWith(
          store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('ORDERS', 1) }, T0),
          'DEAD_LETTER_INVALID',
        );
        await rejectsWith(
          store.updateQueue('Orders', { deadLetterPolicy: byTimeToLive('dlq', 3600) }, T0),
          'DEAD_LETTER_INVALID',
        );
        const updated = await store.updateQueue(
          'Orders',
          { deadLetterPolicy: byTimeToLive('dlq', 3599) },
          T0,
        );
        expect(updated.attributes.deadLetterPolicy).toEqual(byTimeToLive('dlq', 3599));
      });

      it('lets a dead-letter queue serve 6 source queues and refuses a 7th', async () => {
        await createQueue('dlq');
        for (let i = 1; i <= 6; i++)
          await createQueue(`src-${i}`, { deadLetterPolicy: byReceiveCount('dlq', 3) });
        await rejectsWith(
          createQueue('src-7', { deadLetterPolicy: byReceiveCount('dlq', 3) }),
          'DEAD_LETTER_SOURCES_LIMIT',
        );
        expect(await store.getQueue('src-7')).toBeUndefined();
        await rejectsWith(
          store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 3) }, T0),
          'DEAD_LETTER_SOURCES_LIMIT',
        );
        // A queue that already names the dead-letter queue is not counted twice.
        await store.updateQueue('src-3', { deadLetterPolicy: byTimeToLive('DLQ', 600) }, T0);
        expect(await store.listDeadLetterSources('dlq')).toHaveLength(6);
        const removed = await store.updateQueue('src-1', { deadLetterPolicy: null }, T0);
        expect(removed.attributes.deadLetterPolicy).toBeNull();
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 3) }, T0);
        expect((await store.listDeadLetterSources('dlq')).map((q) => q.name)).toEqual([
          'Orders',
          'src-2',
          'src-3',
          'src-4',
          'src-5',
          'src-6',
        ]);
      });

      it('refuses to delete a dead-letter queue in use, and deletes it once no policy names it', async () => {
        await createQueue('dlq');
        await send('dlq', ['kept']);
        await createQueue('src', { deadLetterPolicy: byReceiveCount('dlq', 3) });
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 3) }, T0);
        await rejectsWith(store.deleteQueue('DLQ'), 'DEAD_LETTER_QUEUE_IN_USE');
        expect(await store.getQueue('dlq')).toBeDefined();
        expect((await store.getQueueStats('dlq', T0)).activeMsgNum).toBe(1);
        await store.updateQueue('src', { deadLetterPolicy: null }, T0);
        await rejectsWith(store.deleteQueue('dlq'), 'DEAD_LETTER_QUEUE_IN_USE');
        await store.deleteQueue('Orders');
        expect(await store.listDeadLetterSources('dlq')).toEqual([]);
        await store.deleteQueue('dlq');
        expect(await store.getQueue('dlq')).toBeUndefined();
      });

      it('moves a message whose visibility ends after exactly maxReceiveCount receives', async () => {
        await createQueue('dlq');
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 2) }, T0);
        const { signals, stop } = recordReadySignals(store);
        const [id] = await send('Orders', ['poison'], T0);
        const [first] = await store.receiveMessages('Orders', vt(10), T0 + 1000);
        // One receive is below the limit: the message comes back to its queue.
        const [second] = await store.receiveMessages('Orders', vt(10), T0 + 11_000);
        expect(first?.msgId).toBe(id);
        expect(second).toMatchObject({ msgId: id, dequeueCount: 2 });
        expect((await store.getQueueStats('Orders', T0 + 20_999)).inactiveMsgNum).toBe(1);
        expect((await store.getQueueStats('dlq', T0 + 20_999)).activeMsgNum).toBe(0);
        expect(await store.getQueueStats('Orders', T0 + 21_000)).toEqual({
          activeMsgNum: 0,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
          oldestEnqueuedAtMs: undefined,
          retainedMsgNum: 0,
        });
        expect(await store.getQueueStats('dlq', T0 + 21_000)).toMatchObject({
          activeMsgNum: 1,
          inactiveMsgNum: 0,
          oldestEnqueuedAtMs: T0,
        });
        expect(signals).toContainEqual(['dlq', 1]);
        stop();
        expect(await store.receiveMessages('Orders', vt(10), T0 + 21_000)).toEqual([]);
        const [moved] = await store.receiveMessages('dlq', vt(30), T0 + 21_000);
        expect(moved).toMatchObject({
          msgId: id,
          body: 'poison',
          enqueuedAtMs: T0,
          firstDequeuedAtMs: T0 + 1000,
          nextVisibleAtMs: T0 + 51_000,
          dequeueCount: 3,
        });
        expect(await store.deleteMessages('Orders', [handleOf(second)], T0 + 21_000)).toEqual(['invalid']);
        expect(await store.deleteMessages('dlq', [handleOf(moved)], T0 + 21_000)).toEqual(['deleted']);
      });

      it('moves messages not consumed within maxTimeToLive exactly at the deadline, in-flight ones once visible', async () => {
        await createQueue('dlq');
        await store.updateQueue('Orders', { deadLetterPolicy: byTimeToLive('dlq', 300) }, T0);
        await send('Orders', ['held', 'edge'], T0);
        await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 400_000 }, T0);
        // Visible again exactly at its deadline: it moves instead of becoming ready.
        await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 300_000 }, T0);
        await send('Orders', ['ready'], T0);
        await send('Orders', ['delayed'], T0, 600);
        await send('Orders', ['young'], T0 + 1000);
        expect(await store.getQueueStats('Orders', T0 + 299_999)).toMatchObject({
          activeMsgNum: 2,
          inactiveMsgNum: 2,
          delayMsgNum: 1,
        });
        expect(await store.getQueueStats('Orders', T0 + 300_000)).toMatchObject({
          activeMsgNum: 1,
          inactiveMsgNum: 1,
          delayMsgNum: 0,
        });
        expect((await store.getQueueStats('dlq', T0 + 300_000)).activeMsgNum).toBe(3);
        expect((await store.getQueueStats('Orders', T0 + 301_000)).activeMsgNum).toBe(0);
        expect((await store.getQueueStats('Orders', T0 + 399_999)).inactiveMsgNum).toBe(1);
        expect(await store.getQueueStats('Orders', T0 + 400_000)).toMatchObject({
          activeMsgNum: 0,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
        });
        const moved = await store.receiveMessages('dlq', vt(30), T0 + 400_000);
        expect(moved.map((m) => m.body).sort()).toEqual(['delayed', 'edge', 'held', 'ready', 'young']);
        expect(moved.find((m) => m.body === 'held')).toMatchObject({
          enqueuedAtMs: T0,
          firstDequeuedAtMs: T0,
          dequeueCount: 2,
        });
        expect(moved.find((m) => m.body === 'delayed')).toMatchObject({ enqueuedAtMs: T0, dequeueCount: 1 });
      });

      it('moves into a dead-letter queue beyond its maxMsgHeapNum, with exact counts', async () => {
        await createQueue('dlq', { maxMsgHeapNum: 1 });
        await send('dlq', ['direct']);
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 1) }, T0);
        await send('Orders', ['a', 'b'], T0);
        await store.receiveMessages('Orders', vt(10), T0);
        expect((await store.getQueueStats('Orders', T0 + 10_000)).activeMsgNum).toBe(0);
        expect(await store.getQueueStats('dlq', T0 + 10_000)).toMatchObject({
          activeMsgNum: 3,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
        });
        await rejectsWith(send('dlq', ['more'], T0 + 10_000), 'QUEUE_FULL');
      });

      it('keeps the enqueue time, so the dead-letter queue retention counts from the first send', async () => {
        await createQueue('dlq', { msgRetentionSeconds: 600 });
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 1) }, T0);
        await send('Orders', ['old'], T0);
        await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 500_000 }, T0);
        expect((await store.getQueueStats('Orders', T0 + 500_000)).activeMsgNum).toBe(0);
        expect((await store.getQueueStats('dlq', T0 + 599_999)).activeMsgNum).toBe(1);
        expect((await store.getQueueStats('dlq', T0 + 600_000)).activeMsgNum).toBe(0);
      });

      it('moves due messages of every queue in the background sweep', async () => {
        await createQueue('dlq');
        await store.updateQueue('Orders', { deadLetterPolicy: byTimeToLive('dlq', 300) }, T0);
        const [id] = await send('Orders', ['a', 'b'], T0);
        expect(await store.expireMessages(T0 + 300_000, 100)).toBe(0);
        expect((await store.getQueueStats('dlq', T0 + 300_000)).activeMsgNum).toBe(2);
        expect((await store.getMessage('dlq', id!, T0 + 300_000))?.queueName).toBe('dlq');
      });

      it('redrives messages oldest first to the queue each came from, ready at once with a fresh count', async () => {
        await createQueue('dlq');
        await send('dlq', ['direct'], T0);
        await createQueue('src2', { deadLetterPolicy: byReceiveCount('dlq', 1) });
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 1) }, T0);
        const [o1] = await send('Orders', ['o1'], T0);
        const [s1] = await send('src2', ['s1'], T0 + 1);
        await send('Orders', ['o2'], T0 + 2);
        await store.receiveMessages('Orders', vt(10), T0 + 10);
        await store.receiveMessages('src2', vt(10), T0 + 10);
        await store.getQueueStats('Orders', T0 + 10_010);
        await store.getQueueStats('src2', T0 + 10_010);
        expect((await store.getQueueStats('dlq', T0 + 10_010)).activeMsgNum).toBe(4);
        const { signals, stop } = recordReadySignals(store);
        expect(await store.redriveMessages('DLQ', { max: 2 }, T0 + 20_000)).toBe(2);
        stop();
        expect(signals).toContainEqual(['orders', 1]);
        expect(signals).toContainEqual(['src2', 1]);
        expect((await store.getQueueStats('dlq', T0 + 20_000)).activeMsgNum).toBe(2);
        expect((await store.getQueueStats('src2', T0 + 20_000)).activeMsgNum).toBe(1);
        expect(await store.getMessage('src2', s1!, T0 + 20_000)).toMatchObject({
          state: 'ready',
          enqueuedAtMs: T0 + 1,
          firstDequeuedAtMs: 0,
          nextVisibleAtMs: T0 + 20_000,
          dequeueCount: 0,
        });
        const [back] = await store.receiveMessages('Orders', vt(10), T0 + 20_000);
        expect(back).toMatchObject({
          msgId: o1,
          enqueuedAtMs: T0,
          firstDequeuedAtMs: T0 + 20_000,
          dequeueCount: 1,
        });
        expect(await store.redriveMessages('dlq', { max: 10 }, T0 + 20_001)).toBe(1);
        // A message sent straight to the dead-letter queue has no queue to go back to.
        expect(await store.redriveMessages('dlq', { max: 10 }, T0 + 20_002)).toBe(0);
        const [direct] = await store.receiveMessages('dlq', vt(10), T0 + 20_002);
        expect(direct?.body).toBe('direct');
      });

      it('redrives to a named queue, leaves in-flight messages, and refuses a missing queue', async () => {
        await createQueue('dlq');
        await createQueue('elsewhere');
        await store.updateQueue('Orders', { deadLetterPolicy: byReceiveCount('dlq', 1) }, T0);
        await send('Orders', ['a', 'b'], T0);
        await store.receiveMessages('Orders', vt(10), T0);
        await store.getQueueStats('Orders', T0 + 10_000);
        const [inFlight] = await store.receiveMessages(
          'dlq',
          { max: 1, visibilityTimeoutMs: 30_000 },
          T0 + 10_000,
        );
        expect(inFlight?.body).toBe('a');
        await rejectsWith(
          store.redriveMessages('dlq', { destinationQueueName: 'missing', max: 10 }, T0 + 10_001),
          'QUEUE_NOT_FOUND',
        );
        await rejectsWith(store.redriveMessages('nope', { max: 10 }, T0 + 10_001), 'QUEUE_NOT_FOUND');
        expect(
          await store.redriveMessages('dlq', { destinationQueueName: 'ELSEWHERE', max: 10 }, T0 + 10_001),
        ).toBe(1);
        const moved = await store.receiveMessages('elsewhere', vt(10), T0 + 10_001);
        expect(moved.map((m) => [m.body, m.dequeueCount])).toEqual([['b', 1]]);
        expect(await store.getQueueStats('dlq', T0 + 10_001)).toMatchObject({
          activeMsgNum: 0,
          inactiveMsgNum: 1,
        });
      });

      it('leaves a dead-lettered message whose source queue was deleted, even if recreated', async () => {
        await createQueue('dlq');
        await createQueue('src', { deadLetterPolicy: byReceiveCount('dlq', 1) });
        await send('src', ['orphan'], T0);
        await store.receiveMessages('src', vt(10), T0);
        await store.getQueueStats('src', T0 + 10_000);
        await store.deleteQueue('src');
        expect(await store.redriveMessages('dlq', { max: 10 }, T0 + 10_000)).toBe(0);
        // A queue created again under the name is another queue.
        await createQueue('src', {}, T0 + 10_000);
        expect(await store.redriveMessages('dlq', { max: 10 }, T0 + 10_000)).toBe(0);
        expect((await store.getQueueStats('dlq', T0 + 10_000)).activeMsgNum).toBe(1);
        expect((await store.getQueueStats('src', T0 + 10_000)).activeMsgNum).toBe(0);
      });
    });

    describe('rewind', () => {
      it('refuses to rewind a queue with rewind off, or a missing queue', async () => {
        await rejectsWith(store.rewindQueue('Orders', T0, T0), 'REWIND_DISABLED');
        await rejectsWith(store.rewindQueue('nope', T0, T0), 'QUEUE_NOT_FOUND');
      });

      it('retains a message deleted within rewindSeconds of its enqueue, outside every other count', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        await send('Orders', ['a'], T0);
        await send('Orders', ['b'], T0 + 1000);
        const [a] = await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 30_000 }, T0 + 2000);
        expect(await store.deleteMessages('Orders', [handleOf(a)], T0 + 2000)).toEqual(['deleted']);
        expect(await store.getQueueStats('Orders', T0 + 2000)).toEqual({
          activeMsgNum: 1,
          inactiveMsgNum: 0,
          delayMsgNum: 0,
          oldestEnqueuedAtMs: T0 + 1000,
          retainedMsgNum: 1,
        });
        const rest = await store.receiveMessages('Orders', vt(30), T0 + 2000);
        expect(rest.map((m) => m.body)).toEqual(['b']);
        expect(await store.deleteMessages('Orders', [handleOf(a)], T0 + 2000)).toEqual(['invalid']);
      });

      it('keeps a retained message until exactly enqueue time + rewindSeconds', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        await send('Orders', ['a', 'b'], T0);
        const [a, b] = await store.receiveMessages('Orders', { max: 2, visibilityTimeoutMs: 700_000 }, T0);
        await store.deleteMessages('Orders', [handleOf(b)], T0 + 599_999);
        expect((await store.getQueueStats('Orders', T0 + 599_999)).retainedMsgNum).toBe(1);
        // Deleted at the end of its window: gone at once.
        expect(await store.deleteMessages('Orders', [handleOf(a)], T0 + 600_000)).toEqual(['deleted']);
        expect((await store.getQueueStats('Orders', T0 + 600_000)).retainedMsgNum).toBe(0);
        expect(await store.rewindQueue('Orders', T0, T0 + 600_000)).toBe(0);
      });

      it('rewinds every retained message enqueued at or after startMs, oldest first, with its receive count', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        await send('Orders', ['m1'], T0);
        await send('Orders', ['m2'], T0 + 1000);
        await send('Orders', ['m3'], T0 + 2000);
        await send('Orders', ['m4'], T0 + 3000);
        const received = await store.receiveMessages('Orders', vt(30), T0 + 5000);
        const handle = (body: string) => handleOf(received.find((m) => m.body === body));
        await store.deleteMessages('Orders', [handle('m3'), handle('m1'), handle('m2')], T0 + 5000);
        const { signals, stop } = recordReadySignals(store);
        expect(await store.rewindQueue('ORDERS', T0 + 1000, T0 + 6000)).toBe(2);
        stop();
        expect(signals).toContainEqual(['orders', 2]);
        expect(await store.getQueueStats('Orders', T0 + 6000)).toMatchObject({
          activeMsgNum: 2,
          inactiveMsgNum: 1,
          retainedMsgNum: 1,
        });
        const rewound = await store.receiveMessages('Orders', vt(30), T0 + 6000);
        expect(rewound.map((m) => [m.body, m.dequeueCount, m.enqueuedAtMs])).toEqual([
          ['m2', 2, T0 + 1000],
          ['m3', 2, T0 + 2000],
        ]);
        // m4 was never deleted: the rewind left it in flight with its handle valid.
        expect(await store.deleteMessages('Orders', [handle('m4')], T0 + 6000)).toEqual(['deleted']);
        expect(await store.rewindQueue('Orders', T0, T0 + 7000)).toBe(2);
        const again = await store.receiveMessages('Orders', vt(30), T0 + 7000);
        expect(again.map((m) => m.body)).toEqual(['m1', 'm4']);
      });

      it('drops every retained message when rewind is turned off', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        await send('Orders', ['a', 'b'], T0);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        await store.deleteMessages('Orders', received.map(handleOf), T0);
        expect((await store.getQueueStats('Orders', T0)).retainedMsgNum).toBe(2);
        await store.updateQueue('Orders', { rewindSeconds: 0 }, T0);
        expect((await store.getQueueStats('Orders', T0)).retainedMsgNum).toBe(0);
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        expect(await store.rewindQueue('Orders', T0, T0)).toBe(0);
      });

      it('forgets retained messages with a deleted queue', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        await send('Orders', ['a'], T0);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        await store.deleteMessages('Orders', received.map(handleOf), T0);
        await store.deleteQueue('Orders');
        await createQueue('Orders', { rewindSeconds: 600 });
        expect((await store.getQueueStats('Orders', T0)).retainedMsgNum).toBe(0);
        expect(await store.rewindQueue('Orders', T0, T0)).toBe(0);
      });
    });

    describe('deduplication', () => {
      it('applies a changed window to ids already recorded', async () => {
        await store.updateQueue('Orders', { deduplicationWindowSeconds: 300 }, T0);
        const [first] = await store.sendMessages(
          'Orders',
          [{ body: 'a', delaySeconds: 0, deduplicationId: 'k' }],
          T0,
        );
        await store.updateQueue('Orders', { deduplicationWindowSeconds: 100 }, T0 + 1);
        const [later] = await store.sendMessages(
          'Orders',
          [{ body: 'a', delaySeconds: 0, deduplicationId: 'k' }],
          T0 + 150_000,
        );
        expect(later).not.toBe(first);
        await store.updateQueue('Orders', { deduplicationWindowSeconds: 900 }, T0 + 150_001);
        const [again] = await store.sendMessages(
          'Orders',
          [{ body: 'a', delaySeconds: 0, deduplicationId: 'k' }],
          T0 + 550_000,
        );
        expect(again).toBe(later);
      });

      it('stores a resend within the window once and returns the first id', async () => {
        const [first] = await sendWithIds('Orders', [['first', 'k1']], T0);
        const [again] = await sendWithIds('Orders', [['again', 'k1']], T0 + 299_999);
        expect(again).toBe(first);
        expect((await store.getQueueStats('Orders', T0 + 299_999)).activeMsgNum).toBe(1);
        const received = await store.receiveMessages('Orders', vt(30), T0 + 299_999);
        expect(received.map((m) => [m.msgId, m.body])).toEqual([[first, 'first']]);
      });

      it('stores a resend exactly at the end of the window as a new message that starts a new window', async () => {
        const [first] = await sendWithIds('Orders', [['x', 'k1']], T0);
        const [second] = await sendWithIds('Orders', [['x', 'k1']], T0 + 300_000);
        expect(second).not.toBe(first);
        expect(await sendWithIds('Orders', [['x', 'k1']], T0 + 599_999)).toEqual([second]);
        const [third] = await sendWithIds('Orders', [['x', 'k1']], T0 + 600_000);
        expect([first, second]).not.toContain(third);
        expect((await store.getQueueStats('Orders', T0 + 600_000)).activeMsgNum).toBe(3);
      });

      it('returns the recorded id even after that message was deleted', async () => {
        const [first] = await sendWithIds('Orders', [['x', 'k1']], T0);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        await store.deleteMessages('Orders', received.map(handleOf), T0);
        expect(await sendWithIds('Orders', [['x', 'k1']], T0 + 1000)).toEqual([first]);
        expect((await store.getQueueStats('Orders', T0 + 1000)).activeMsgNum).toBe(0);
      });

      it('stores a repeated id of one batch once and gives every repeat the first id', async () => {
        const ids = await sendWithIds(
          'Orders',
          [
            ['a', 'k1'],
            ['b', 'k2'],
            ['c', 'k1'],
            ['d', undefined],
            ['e', 'k2'],
          ],
          T0,
        );
        expect(ids[2]).toBe(ids[0]);
        expect(ids[4]).toBe(ids[1]);
        expect(new Set([ids[0], ids[1], ids[3]]).size).toBe(3);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        expect(received.map((m) => m.body).sort()).toEqual(['a', 'b', 'd']);
      });

      it('counts only the messages it stores against maxMsgHeapNum', async () => {
        await store.updateQueue('Orders', { maxMsgHeapNum: 2 }, T0);
        const [a] = await sendWithIds('Orders', [['a', 'k1']], T0);
        const [again, b] = await sendWithIds(
          'Orders',
          [
            ['a', 'k1'],
            ['b', 'k2'],
          ],
          T0,
        );
        expect(again).toBe(a);
        await rejectsWith(sendWithIds('Orders', [['c', 'k3']], T0), 'QUEUE_FULL');
        expect(await sendWithIds('Orders', [['b', 'k2']], T0)).toEqual([b]);
        // The refused send recorded nothing: after room is made, k3 stores a new message.
        const [first] = await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 30_000 }, T0);
        await store.deleteMessages('Orders', [handleOf(first)], T0);
        const [c] = await sendWithIds('Orders', [['c', 'k3']], T0);
        expect([a, b]).not.toContain(c);
        expect((await store.getQueueStats('Orders', T0)).activeMsgNum).toBe(2);
      });

      it('does not deduplicate with a window of 0, without an id, or across queues', async () => {
        await store.updateQueue('Orders', { deduplicationWindowSeconds: 0 }, T0);
        const [w1] = await sendWithIds('Orders', [['x', 'k1']], T0);
        const [w2] = await sendWithIds('Orders', [['x', 'k1']], T0);
        expect(w2).not.toBe(w1);
        // Sends while the window was 0 recorded nothing.
        await store.updateQueue('Orders', { deduplicationWindowSeconds: 300 }, T0);
        const [w3] = await sendWithIds('Orders', [['x', 'k1']], T0);
        expect([w1, w2]).not.toContain(w3);
        const [n1, n2] = await sendWithIds(
          'Orders',
          [
            ['y', undefined],
            ['y', undefined],
          ],
          T0,
        );
        expect(n2).not.toBe(n1);
        await createQueue('other');
        const [elsewhere] = await sendWithIds('other', [['x', 'k1']], T0);
        expect([w1, w2, w3]).not.toContain(elsewhere);
        expect((await store.getQueueStats('Orders', T0)).activeMsgNum).toBe(5);
      });

      it('forgets deduplication ids with a deleted queue', async () => {
        const [first] = await sendWithIds('Orders', [['x', 'k1']], T0);
        await store.deleteQueue('Orders');
        await createQueue('Orders');
        const [second] = await sendWithIds('Orders', [['x', 'k1']], T0 + 1);
        expect(second).not.toBe(first);
        expect((await store.getQueueStats('Orders', T0 + 1)).activeMsgNum).toBe(1);
      });
    });

    describe('message lookup and trace', () => {
      it('looks a message up in each state with its delivery fields', async () => {
        await store.updateQueue('Orders', { rewindSeconds: 600 }, T0);
        const [id] = await send('Orders', ['ready ✓'], T0);
        const [later] = await send('Orders', ['later'], T0, 60);
        const base = { msgId: id, queueName: 'Orders', enqueuedAtMs: T0, bodyBytes: 9 };
        expect(await store.getMessage('orders', id!, T0 + 1)).toEqual({
          ...base,
          state: 'ready',
          firstDequeuedAtMs: 0,
          nextVisibleAtMs: T0,
          dequeueCount: 0,
        });
        expect(await store.getMessage('Orders', later!, T0 + 1)).toEqual({
          msgId: later,
          queueName: 'Orders',
          state: 'delayed',
          enqueuedAtMs: T0,
          firstDequeuedAtMs: 0,
          nextVisibleAtMs: T0 + 60_000,
          dequeueCount: 0,
          bodyBytes: 5,
        });
        await store.receiveMessages('Orders', vt(30), T0 + 1000);
        expect(await store.getMessage('Orders', id!, T0 + 1000)).toEqual({
          ...base,
          state: 'inflight',
          firstDequeuedAtMs: T0 + 1000,
          nextVisibleAtMs: T0 + 31_000,
          dequeueCount: 1,
        });
        expect(await store.getMessage('Orders', id!, T0 + 31_000)).toEqual({
          ...base,
          state: 'ready',
          firstDequeuedAtMs: T0 + 1000,
          nextVisibleAtMs: T0 + 31_000,
          dequeueCount: 1,
        });
        const [again] = await store.receiveMessages('Orders', vt(30), T0 + 31_000);
        await store.deleteMessages('Orders', [handleOf(again)], T0 + 31_000);
        expect(await store.getMessage('Orders', id!, T0 + 31_000)).toEqual({
          ...base,
          state: 'retained',
          firstDequeuedAtMs: T0 + 1000,
          nextVisibleAtMs: 0,
          dequeueCount: 2,
        });
        await createQueue('other');
        expect(await store.getMessage('other', id!, T0 + 31_000)).toBeUndefined();
        expect(await store.getMessage('Orders', '999999999', T0 + 31_000)).toBeUndefined();
        await rejectsWith(store.getMessage('nope', id!, T0), 'QUEUE_NOT_FOUND');
      });

      it('finds no message once it is deleted without rewind, or expired', async () => {
        await store.updateQueue('Orders', { msgRetentionSeconds: 60 }, T0);
        const [a, b] = await send('Orders', ['a', 'b'], T0);
        const [first] = await store.receiveMessages('Orders', { max: 1, visibilityTimeoutMs: 30_000 }, T0);
        expect(first?.msgId).toBe(a);
        await store.deleteMessages('Orders', [handleOf(first)], T0);
        expect(await store.getMessage('Orders', a!, T0)).toBeUndefined();
        expect((await store.getMessage('Orders', b!, T0 + 59_999))?.state).toBe('ready');
        expect(await store.getMessage('Orders', b!, T0 + 60_000)).toBeUndefined();
      });

      it('records the lifecycle of a traced message with its details', async () => {
        await store.updateQueue('Orders', { trace: true, rewindSeconds: 600 }, T0);
        const [id] = await send('Orders', ['x'], T0);
        const [message] = await store.receiveMessages('Orders', vt(30), T0 + 1000);
        await store.deleteMessages('Orders', [handleOf(message)], T0 + 2000);
        await store.rewindQueue('Orders', T0, T0 + 3000);
        expect(await store.getTrace('ORDERS', id!)).toEqual([
          { msgId: id, atMs: T0, event: 'sent', detail: '' },
          { msgId: id, atMs: T0 + 1000, event: 'received', detail: message!.receiptHandle },
          { msgId: id, atMs: T0 + 2000, event: 'deleted', detail: message!.receiptHandle },
          { msgId: id, atMs: T0 + 3000, event: 'rewound', detail: '' },
        ]);
        await rejectsWith(store.getTrace('nope', id!), 'QUEUE_NOT_FOUND');
      });

      it('records nothing for a queue with trace off', async () => {
        const [id] = await send('Orders', ['x'], T0);
        const received = await store.receiveMessages('Orders', vt(30), T0);
        await store.deleteMessages('Orders', received.map(handleOf), T0);
        expect(await store.getTrace('Orders', id!)).toEqual([]);
      });

      it('follows a message to its dead-letter queue and back, asked through either queue', async () => {
        await createQueue('dlq', { trace: true });
        await store.updateQueue('Orders', { trace: true, deadLetterPolicy: byReceiveCount('dlq', 1) }, T0);
        const [id] = await send('Orders', ['x'], T0);
        const [first] = await store.receiveMessages('Orders', vt(10), T0);
        await store.getQueueStats('Orders', T0 + 10_000);
        const [second] = await store.receiveMessages('dlq', vt(30), T0 + 11_000);
        expect(await store.redriveMessages('dlq', { max: 10 }, T0 + 41_000)).toBe(1);
        const expected = [
          { msgId: id, atMs: T0, event: 'sent', detail: '' },
          { msgId: id, atMs: T0, event: 'received', detail: first!.receiptHandle },
          { msgId: id, atMs: T0 + 10_000, event: 'dead-lettered', detail: 'dlq' },
          { msgId: id, atMs: T0 + 11_000, event: 'received', detail: second!.receiptHandle },
          { msgId: id, atMs: T0 + 41_000, event: 'redriven', detail: 'Orders' },
        ];
        expect(await store.getTrace('dlq', id!)).toEqual(expected);
        expect(await store.getTrace('orders', id!)).toEqual(expected);
      });

      it('records expiry', async () => {
        await store.updateQueue('Orders', { trace: true, msgRetentionSeconds: 60 }, T0);
        const [id] = await send('Orders', ['x'], T0);
        expect(await store.expireMessages(T0 + 60_000, 100)).toBe(1);
        expect(await store.getTrace('Orders', id!)).toEqual([
          { msgId: id, atMs: T0, event: 'sent', detail: '' },
          { msgId: id, atMs: T0 + 60_000, event: 'expired', detail: '' },
        ]);
      });

      it('orders events by time even when they were recorded out of order', async () => {
        await store.updateQueue('Orders', { trace: true }, T0);
        const [id] = await send('Orders', ['x'], T0);
        const [message] = await store.receiveMessages('Orders', vt(30), T0 + 2000);
        expect(await store.deleteMessages('Orders', [handleOf(message)], T0 + 1500)).toEqual(['deleted']);
        const events = await store.getTrace('Orders', id!);
        expect(events.map((e) => [e.event, e.atMs])).toEqual([
          ['sent', T0],
          ['deleted', T0 + 1500],
          ['received', T0 + 2000],
        ]);
      });

      it('prunes events older than a time and the oldest beyond a count in the background sweep', async () => {
        await store.updateQueue('Orders', { trace: true }, T0);
        const [a] = await send('Orders', ['a'], T0);
        const [b] = await send('Orders', ['b'], T0 + 1000);
        const [c] = await send('Orders', ['c'], T0 + 2000);
        await store.receiveMessages('Orders', vt(30), T0 + 3000);
        await store.expireMessages(T0 + 3000, 100, { traceBeforeMs: T0 + 1000, traceMaxEvents: 100 });
        expect((await store.getTrace('Orders', a!)).map((e) => e.event)).toEqual(['received']);
        expect((await store.getTrace('Orders', b!)).map((e) => e.event)).toEqual(['sent', 'received']);
        await store.expireMessages(T0 + 3000, 100, { traceBeforeMs: 0, traceMaxEvents: 3 });
        for (const id of [a, b, c]) {
          expect((await store.getTrace('Orders', id!)).map((e) => [e.event, e.atMs])).toEqual([
            ['received', T0 + 3000],
          ]);
        }
      });
    });
  });
}
