import type { Database, Statement } from 'better-sqlite3';

interface Tally {
  calls: number;
  nanos: bigint;
}

/**
 * Times every SQL statement of one connection, by its text: what a V8 CPU profile cannot show, since time
 * inside better-sqlite3's native calls counts to the JavaScript function that called them. Attach before
 * statements are prepared; costs about 0.2 µs a call. For profiling runs (`OPENCMQ_SQL_TIMING_FILE`,
 * `npm run bench -- <scenario> --cpu-prof`), not for production.
 */
export class StatementTiming {
  readonly #tallies = new Map<string, Tally>();

  constructor(db: Database) {
    const prepare = db.prepare.bind(db);
    const exec = db.exec.bind(db);
    const pragma = db.pragma.bind(db);
    db.prepare = ((source: string) => this.#wrap(prepare(source), source)) as Database['prepare'];
    db.exec = (source: string) => this.#time(source, () => exec(source));
    db.pragma = (source: string, options?: { simple?: boolean }) =>
      this.#time(`PRAGMA ${source}`, () => pragma(source, options));
  }

  /** The statements by total time, most first: total ms, calls, µs a call, and the SQL (first 100 chars). */
  report(limit = 40): string {
    const rows = [...this.#tallies.entries()]
      .sort((a, b) => (b[1].nanos > a[1].nanos ? 1 : b[1].nanos < a[1].nanos ? -1 : 0))
      .slice(0, limit);
    const lines = ['| total ms | calls | µs a call | statement |', '|--:|--:|--:|---|'];
    for (const [sql, tally] of rows) {
      const ms = Number(tally.nanos) / 1e6;
      const text = sql.replace(/\s+/g, ' ').trim().slice(0, 100).replaceAll('|', '\\|');
      lines.push(
        `| ${ms.toFixed(1)} | ${tally.calls} | ${((ms * 1000) / tally.calls).toFixed(1)} | \`${text}\` |`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  #wrap(statement: Statement, source: string): Statement {
    const methods = statement as unknown as Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown>;
    for (const name of ['run', 'get', 'all'] as const) {
      const original = methods[name].bind(statement);
      methods[name] = (...args: unknown[]) => this.#time(source, () => original(...args));
    }
    return statement;
  }

  #time<T>(source: string, call: () => T): T {
    const started = process.hrtime.bigint();
    try {
      return call();
    } finally {
      const elapsed = process.hrtime.bigint() - started;
      const tally = this.#tallies.get(source);
      if (tally === undefined) this.#tallies.set(source, { calls: 1, nanos: elapsed });
      else {
        tally.calls++;
        tally.nanos += elapsed;
      }
    }
  }
}
