import { afterEach, describe, expect, it } from 'vitest';
import { REPEAT_LOG_MS, type Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { Maintenance } from './maintenance.js';

const running: Maintenance[] = [];
afterEach(async () => {
  for (const maintenance of running.splice(0)) await maintenance.close();
});

/** Runs maintenance every 5 ms over a store whose expiry fails while `failing` is true. */
function setUp() {
  const state = { failing: true, runs: 0, nowMs: 1_000_000 };
  const store = {
    expireMessages: () => {
      state.runs++;
      return state.failing ? Promise.reject(new Error('database or disk is full')) : Promise.resolve(0);
    },
  } as unknown as Store;
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }> = [];
  const record =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const log: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const maintenance = new Maintenance(store, { nowMs: () => state.nowMs }, log, {
    intervalMs: 5,
    chunk: 100,
    traceRetentionMs: 1000,
    traceMaxEvents: 1000,
  });
  running.push(maintenance);
  return { state, lines };
}

async function untilRuns(state: { runs: number }, runs: number): Promise<void> {
  while (state.runs < runs) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('Maintenance', () => {
  it('logs a run of failures once a minute with the count left unlogged, and its end', async () => {
    const { state, lines } = setUp();
    await untilRuns(state, 10);
    expect(lines.map((l) => l.message)).toEqual(['maintenance failed']);
    expect(String((lines[0]!.fields!['error'] as Error).message)).toBe('database or disk is full');

    state.nowMs += REPEAT_LOG_MS;
    const before = state.runs;
    await untilRuns(state, before + 2);
    expect(lines.map((l) => l.message)).toEqual(['maintenance failed', 'maintenance failed']);
    expect(lines[1]!.fields!['failuresNotLogged']).toBeGreaterThanOrEqual(9);

    state.failing = false;
    const failedRuns = state.runs;
    await untilRuns(state, failedRuns + 3);
    expect(lines.slice(2)).toEqual([
      { level: 'info', message: 'maintenance recovered', fields: { failures: expect.any(Number) } },
    ]);
    expect(lines[2]!.fields!['failures']).toBeGreaterThanOrEqual(11);
  });

  it('logs the first failure of a new run at once', async () => {
    const { state, lines } = setUp();
    await untilRuns(state, 2);
    state.failing = false;
    await untilRuns(state, state.runs + 2);
    state.failing = true;
    await untilRuns(state, state.runs + 2);
    expect(lines.map((l) => l.message)).toEqual([
      'maintenance failed',
      'maintenance recovered',
      'maintenance failed',
    ]);
  });
});
