import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalSync } from './wal-sync.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function walFile(): WalSync {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-wal-sync-'));
  const path = join(dir, 'test.db-wal');
  writeFileSync(path, 'frames');
  const wal = new WalSync(path);
  cleanups.push(() => {
    wal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return wal;
}

const afterSync = (wal: WalSync) =>
  new Promise<number>((resolve, reject) =>
    wal.afterSync((error) => (error === undefined ? resolve(wal.syncs) : reject(error))),
  );

describe('WalSync', () => {
  it('starts a sync at once for the first caller and serves everyone who came meanwhile with the next one', async () => {
    const wal = walFile();
    expect(await Promise.all([afterSync(wal), afterSync(wal), afterSync(wal)])).toEqual([1, 2, 2]);
    expect(wal.syncs).toBe(2);
  });

  it('queues callers behind a running fdatasync and starts their sync before the finished one calls back', async () => {
    const wal = walFile();
    let queuedSeenByFirst: boolean | undefined;
    let queuedAfterThird: boolean | undefined;
    let third: Promise<number> | undefined;
    const first = new Promise<void>((resolve) =>
      wal.afterSync(() => {
        // The second caller's sync is already running: nothing waits, and a third caller waits behind it.
        queuedSeenByFirst = wal.hasQueuedSync;
        third = afterSync(wal);
        queuedAfterThird = wal.hasQueuedSync;
        resolve();
      }),
    );
    const second = afterSync(wal);
    expect(wal.hasQueuedSync).toBe(true);
    await first;
    expect(queuedSeenByFirst).toBe(false);
    expect(queuedAfterThird).toBe(true);
    expect(await second).toBe(2);
    expect(await third).toBe(3);
  });

  it('fails every caller from the first failed fdatasync on', async () => {
    // fdatasync of /dev/null fails with EINVAL.
    const wal = new WalSync('/dev/null');
    cleanups.push(() => wal.close());
    await expect(afterSync(wal)).rejects.toThrow(/fdatasync of \/dev\/null failed/);
    expect(wal.failure).toBeDefined();
    await expect(afterSync(wal)).rejects.toThrow(/fdatasync of \/dev\/null failed/);
    expect(wal.syncs).toBe(1);
  });
});
