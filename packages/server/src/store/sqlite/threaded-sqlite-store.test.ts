import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.js';
import { testQueueAttributes } from '../conformance-support.js';
import { runStoreConformance } from '../conformance.js';
import { runTopicStoreConformance } from '../topic-conformance.js';
import { openSqliteStore } from './open-sqlite-store.js';
import { openThreadedSqliteStore } from './threaded-sqlite-store.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-thread-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const openThreaded = async () => {
  const store = openThreadedSqliteStore({ dataDir: freshDir() });
  await store.opened;
  return store;
};

// The same suites as the in-process engine: the thread boundary must not change any behaviour.
runStoreConformance('sqlite on its own thread', openThreaded);
runTopicStoreConformance('sqlite on its own thread', openThreaded);

describe('threaded sqlite store', () => {
  const T0 = 1_700_000_000_000;

  it('keeps DomainError codes across the thread boundary', async () => {
    const store = await openThreaded();
    try {
      const failed = await store.getQueueStats('missing', T0).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(DomainError);
      expect((failed as DomainError).code).toBe('QUEUE_NOT_FOUND');
      expect((failed as DomainError).detail).toBe('missing');
    } finally {
      await store.close();
    }
  });

  it('forwards the wake-up hint of a send to listeners on the calling thread', async () => {
    const store = await openThreaded();
    try {
      await store.createQueue({ name: 'Hints', attributes: testQueueAttributes(), nowMs: T0, maxQueues: 10 });
      const hints: Array<[string, number]> = [];
      store.onMessagesReady((key, count) => hints.push([key, count]));
      await store.sendMessages(
        'Hints',
        [
          { body: 'a', delaySeconds: 0 },
          { body: 'b', delaySeconds: 0 },
        ],
        T0,
      );
      expect(hints).toEqual([['hints', 2]]);
    } finally {
      await store.close();
    }
  });

  it('fails opening with STORE_UNAVAILABLE while another process holds the database', async () => {
    const dataDir = freshDir();
    const holder = openSqliteStore({ dataDir });
    const store = openThreadedSqliteStore({ dataDir });
    try {
      const failed = await store.opened.catch((error: unknown) => error);
      expect((failed as DomainError).code).toBe('STORE_UNAVAILABLE');
      await expect(store.getQueue('any')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await store.close();
      await holder.close();
    }
  });

  it('rejects calls after close and closes the database so it can be opened again', async () => {
    const dataDir = freshDir();
    const store = openThreadedSqliteStore({ dataDir });
    await store.opened;
    await store.createQueue({ name: 'kept', attributes: testQueueAttributes(), nowMs: T0, maxQueues: 10 });
    await store.close();
    await expect(store.getQueue('kept')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const reopened = openSqliteStore({ dataDir });
    try {
      expect((await reopened.getQueue('kept'))?.name).toBe('kept');
    } finally {
      await reopened.close();
    }
  });
});
