import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../domain/errors.js';
import { GroupCommit } from './group-commit.js';
import { WalSync } from './wal-sync.js';

const opened: Array<{ db: Database; wal: WalSync; dir: string }> = [];
afterEach(() => {
  for (const { db, wal, dir } of opened.splice(0)) {
    db.close();
    wal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A disk slower by `holdMs` a sync: each real fdatasync's callers are called back that much later, and the
 * sync counts as running until then, so writes queued on the next few turns surely queue during a sync.
 */
class SlowWalSync extends WalSync {
  readonly #holdMs: number;
  #holding = 0;

  constructor(walPath: string, holdMs: number) {
    super(walPath);
    this.#holdMs = holdMs;
  }

  override get running(): boolean {
    return super.running || this.#holding > 0;
  }

  override afterSync(done: (error: Error | undefined) => void): void {
    super.afterSync((error) => {
      this.#holding++;
      setTimeout(() => {
        this.#holding--;
        done(error);
      }, this.#holdMs);
    });
  }
}

/**
 * A real SQLite file in WAL mode with synchronous=NORMAL, as openSqliteStore sets it up; with `slowSyncMs`,
 * each sync lasts that much longer (SlowWalSync).
 */
function setUp(walPath?: string, slowSyncMs?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-group-commit-'));
  const db = new BetterSqlite3(join(dir, 'test.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  const path = walPath ?? `${db.name}-wal`;
  const wal = slowSyncMs === undefined ? new WalSync(path) : new SlowWalSync(path, slowSyncMs);
  opened.push({ db, wal, dir });
  const rollbacks = { count: 0 };
  /** Every hook call in order, with what the table held at that moment. */
  const events: string[] = [];
  const count = () => db.prepare('SELECT COUNT(*) FROM t').pluck().get() as number;
  const commit = new GroupCommit(db, wal, {
    onRollback: (scope) => {
      rollbacks.count++;
      events.push(`rollback ${scope}`);
    },
    onKept: () => events.push(`kept ${count()}`),
    beforeWrites: () => events.push(`before writes ${count()}`),
    beforeCommit: () => events.push(`before commit ${count()}`),
    onCommit: () => events.push(`commit ${count()}`),
  });
  const insert = db.prepare<[string]>('INSERT INTO t (v) VALUES (?)');
  const rows = () => db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all();
  return { db, wal, commit, insert, rows, rollbacks, events };
}

/** Resolves once `first`'s fdatasync runs, or (on a disk faster than these turns) once `first` has settled. */
async function untilSyncing(wal: WalSync, first: Promise<unknown>): Promise<void> {
  let settled = false;
  void first.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!wal.running && !settled) await new Promise((resolve) => setImmediate(resolve));
}

describe('GroupCommit with WalSync', () => {
  it('acknowledges writes only after the WAL was fdatasynced, once for all writes queued in one turn', async () => {
    const { wal, commit, insert, rows } = setUp();
    const syncsAtAck: number[] = [];
    const writes = ['a', 'b', 'c'].map((v) =>
      commit.run(() => insert.run(v)).then(() => syncsAtAck.push(wal.syncs)),
    );
    await Promise.all(writes);
    expect(syncsAtAck).toEqual([1, 1, 1]);
    expect(rows()).toEqual(['a', 'b', 'c']);
  });

  it('runs after-commit hooks before the sync and writes queued during a sync in the next batch', async () => {
    const { wal, commit, insert } = setUp();
    let syncsAtHook = -1;
    const first = commit.run((afterCommit) => {
      insert.run('first');
      afterCommit(() => {
        syncsAtHook = wal.syncs;
        return false;
      });
    });
    // Queued after the first batch has committed, while its fdatasync runs on the thread pool (or, on a
    // disk faster than these turns, after it).
    await untilSyncing(wal, first);
    const second = commit.run(() => insert.run('second'));
    await first;
    expect(syncsAtHook).toBe(0);
    expect(wal.syncs).toBe(1);
    await second;
    expect(wal.syncs).toBe(2);
  });

  it('holds writes queued during a sync until it has ended, then commits them as one batch', async () => {
    const { wal, commit, insert, rows } = setUp(undefined, 50);
    const first = commit.run(() => insert.run('first'));
    await untilSyncing(wal, first);
    // Three writes queued on three turns while the first batch's sync runs (it lasts 50 ms more here).
    const runningWhenQueued: boolean[] = [];
    const runningWhenRun: boolean[] = [];
    const later: Array<Promise<unknown>> = [];
    for (const v of ['a', 'b', 'c']) {
      runningWhenQueued.push(wal.running);
      later.push(commit.run(() => runningWhenRun.push(wal.running) && insert.run(v)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([first, ...later]);
    expect(runningWhenRun).toEqual([false, false, false]);
    expect(rows()).toEqual(['first', 'a', 'b', 'c']);
    expect(wal.syncs).toBe(commit.stats.batches);
    // All three queued during the first sync, and they ran as one batch after it.
    expect(runningWhenQueued).toEqual([true, true, true]);
    expect(commit.stats.batches).toBe(2);
  });

  it('flushes what queued during a sync one turn after its answers, so a write sent in reply joins the batch', async () => {
    const { wal, commit, insert, rows } = setUp(undefined, 50);
    const first = commit.run(() => insert.run('first'));
    await untilSyncing(wal, first);
    expect(wal.running).toBe(true);
    const during = commit.run(() => insert.run('during'));
    // A client answered by the sync sends its next write at once: here one immediate after the answer.
    const reply = first.then(
      () => new Promise((resolve) => setImmediate(() => resolve(commit.run(() => insert.run('reply'))))),
    );
    await Promise.all([first, during, reply]);
    expect(rows()).toEqual(['first', 'during', 'reply']);
    expect(commit.stats.batches).toBe(2);
  });

  it("lets a write queued in reaction to a batch's after-commit hooks share its sync when the disk was idle", async () => {
    const { wal, commit, insert, rows } = setUp();
    let reaction: Promise<unknown> | undefined;
    await commit.run((afterCommit) => {
      insert.run('send');
      afterCommit(() => {
        // A long-polling receiver woken by the send: its write is queued a few microtasks later.
        void Promise.resolve().then(() => (reaction = commit.run(() => insert.run('receive'))));
        return true;
      });
    });
    expect(reaction).toBeDefined();
    await reaction;
    expect(rows()).toEqual(['send', 'receive']);
    expect(wal.syncs).toBe(1);
  });

  it('starts the sync at once when no after-commit hook woke anyone', async () => {
    const { wal, commit, insert, rows } = setUp();
    let runningAfterHooks: boolean | undefined;
    let later: Promise<unknown> | undefined;
    await commit.run((afterCommit) => {
      insert.run('send');
      // A send to a queue nobody waits on: the signal wakes no one.
      afterCommit(() => false);
      afterCommit(() => {
        // Seen a microtask after the hooks: the batch's sync has been asked for already, without waiting a
        // turn for writes its hooks might have caused; a write queued now waits for the next one.
        void Promise.resolve().then(() => {
          runningAfterHooks = wal.running;
          later = commit.run(() => insert.run('later'));
        });
        return false;
      });
    });
    expect(runningAfterHooks).toBe(true);
    await later;
    expect(rows()).toEqual(['send', 'later']);
    expect(wal.syncs).toBe(2);
  });

  it('rolls back only the operation that throws and reports the rollback when one operation of a batch fails', async () => {
    const { commit, insert, rows, rollbacks } = setUp();
    const results = await Promise.allSettled([
      commit.run(() => insert.run('kept')),
      commit.run(() => {
        insert.run('undone');
        throw new Error('refused');
      }),
      commit.run(() => insert.run('also kept')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['kept', 'also kept']);
    expect(rollbacks.count).toBe(1);
  });

  it('tells the store where the transaction stands: each operation kept or undone, then before and after COMMIT', async () => {
    const { commit, insert, events } = setUp();
    await Promise.allSettled([
      commit.run(() => insert.run('kept')),
      commit.run(() => {
        insert.run('undone');
        throw new Error('refused');
      }),
      commit.run(() => insert.run('also kept')),
    ]);
    expect(events).toEqual([
      'before writes 0',
      'kept 1',
      'before writes 1',
      'rollback operation',
      'before writes 1',
      'kept 2',
      'before writes 2',
      'before commit 2',
      'commit 2',
    ]);
  });

  it("opens a lazy operation's savepoint only when it begins writing, after the writes held back before it", async () => {
    const { commit, insert, rows, events } = setUp();
    const results = await Promise.allSettled([
      commit.run(() => insert.run('first')),
      // Writes nothing: no held-back writes are flushed for it, and its failure undoes nothing.
      commit.run(
        () => {
          throw new Error('queue full');
        },
        { lazySavepoint: true },
      ),
      commit.run(
        (_afterCommit, beginWrites) => {
          beginWrites();
          insert.run('undone');
          throw new Error('refused after writing');
        },
        { lazySavepoint: true },
      ),
      commit.run(
        (_afterCommit, beginWrites) => {
          beginWrites();
          beginWrites();
          insert.run('lazy but kept');
        },
        { lazySavepoint: true },
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['first', 'lazy but kept']);
    expect(events).toEqual([
      'before writes 0',
      'kept 1',
      'rollback operation',
      'before writes 1',
      'rollback operation',
      'before writes 1',
      'kept 2',
      'before writes 2',
      'before commit 2',
      'commit 2',
    ]);
  });

  it('rolls the whole batch back when writes held back by earlier operations fail, even if the operation catches it', async () => {
    const { db, wal, insert, rows } = setUp();
    const scopes: string[] = [];
    let heldBack = 0;
    const commit = new GroupCommit(db, wal, {
      onRollback: (scope) => scopes.push(scope),
      beforeWrites: () => {
        if (++heldBack === 2) throw new Error('disk full');
      },
    });
    const results = await Promise.allSettled([
      commit.run(() => insert.run('a')),
      commit.run(
        (_afterCommit, beginWrites) => {
          try {
            beginWrites();
          } catch {
            // An operation that swallows the error still fails with its batch.
          }
          return 'answered';
        },
        { lazySavepoint: true },
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(rows()).toEqual([]);
    expect(scopes).toEqual(['batch']);
  });

  it('rolls the whole batch back when the last writes before COMMIT fail', async () => {
    const { db, wal, insert, rows } = setUp();
    const scopes: string[] = [];
    const commit = new GroupCommit(db, wal, {
      onRollback: (scope) => scopes.push(scope),
      beforeCommit: () => {
        throw new Error('disk full');
      },
    });
    const results = await Promise.allSettled([
      commit.run(() => insert.run('a')),
      commit.run(() => insert.run('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(rows()).toEqual([]);
    expect(scopes).toEqual(['batch']);
  });

  it('answers a full database with STORE_FULL, rolling back the batch SQLite gave up, and works again with space', async () => {
    const { db, wal, commit, insert, rows } = setUp();
    await commit.run(() => insert.run('before'));
    // A real SQLITE_FULL: the database may not grow past one more page. SQLite then rolls the whole
    // transaction back, so every operation of the batch fails, not only the one that hit the limit.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    const big = 'x'.repeat(64 * 1024);
    const results = await Promise.allSettled([
      commit.run(() => insert.run('small')),
      commit.run(() => insert.run(big)),
    ]);
    for (const result of results) {
      const reason = result.status === 'rejected' ? (result.reason as unknown) : undefined;
      expect(isDomainError(reason, 'STORE_FULL')).toBe(true);
      expect((reason as Error).message).toMatch(
        /disk holding the data directory is full; this request wrote nothing/,
      );
    }
    expect(rows()).toEqual(['before']);

    // The same from the batch's last writes, outside any operation's savepoint.
    const lastWrites = new GroupCommit(db, wal, {
      onRollback: () => undefined,
      beforeCommit: () => insert.run(big),
    });
    const batch = await Promise.allSettled([lastWrites.run(() => insert.run('a'))]);
    expect(batch[0].status === 'rejected' && isDomainError(batch[0].reason, 'STORE_FULL')).toBe(true);
    expect(rows()).toEqual(['before']);

    // Space again: the store works as before, and nothing acknowledged was lost.
    db.pragma('max_page_count = 1000000');
    await commit.run(() => insert.run(big));
    expect(rows()).toEqual(['before', big]);
  });

  it('fails the batch with STORE_UNAVAILABLE and refuses later writes unrun when fdatasync fails', async () => {
    // fdatasync of /dev/null fails with EINVAL: a real failing sync.
    const { commit, insert } = setUp('/dev/null');
    const first = await commit.run(() => insert.run('x')).catch((error: unknown) => error);
    expect(isDomainError(first) && first.code).toBe('STORE_UNAVAILABLE');
    expect(String((first as Error).message)).toMatch(/fdatasync of \/dev\/null failed/);
    let ran = false;
    const second = await commit
      .run(() => {
        ran = true;
      })
      .catch((error: unknown) => error);
    expect(isDomainError(second) && second.code).toBe('STORE_UNAVAILABLE');
    expect(ran).toBe(false);
  });

  it('resolves drain only after the last batch is synced', async () => {
    const { wal, commit, insert } = setUp();
    void commit.run(() => insert.run('x'));
    await commit.drain();
    expect(wal.syncs).toBe(1);
  });
});
