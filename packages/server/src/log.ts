import type { Clock } from './domain/clock.js';

/** Structured logs, one JSON object per line on stderr. The only logger; pass it down. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level: at, msg: message };
    for (const [key, value] of Object.entries(fields ?? {})) {
      record[key] = value instanceof Error ? { message: value.message, stack: value.stack } : value;
    }
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** While a task keeps failing (a full disk), one error a minute, not one a try. */
export const REPEAT_LOG_MS = 60_000;

/**
 * The failures of a task retried on a timer (the maintenance sweep, a push worker): the first of a run of
 * failures is logged as `<subject> failed`, then at most one every REPEAT_LOG_MS with how many failures
 * were not logged since, and the first success after them as `<subject> recovered` with their count.
 */
export class RepeatedFailureLog {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #subject: string;
  readonly #fields: Record<string, unknown>;
  #failing = 0;
  #unlogged = 0;
  #loggedAtMs = 0;

  constructor(log: Logger, clock: Clock, subject: string, fields: Record<string, unknown> = {}) {
    this.#log = log;
    this.#clock = clock;
    this.#subject = subject;
    this.#fields = fields;
  }

  failed(error: unknown): void {
    this.#failing++;
    const nowMs = this.#clock.nowMs();
    if (this.#failing > 1 && nowMs - this.#loggedAtMs < REPEAT_LOG_MS) {
      this.#unlogged++;
      return;
    }
    const repeated = this.#unlogged > 0 ? { failuresNotLogged: this.#unlogged } : {};
    this.#log.error(`${this.#subject} failed`, { ...this.#fields, error, ...repeated });
    this.#loggedAtMs = nowMs;
    this.#unlogged = 0;
  }

  succeeded(): void {
    if (this.#failing === 0) return;
    this.#log.info(`${this.#subject} recovered`, { ...this.#fields, failures: this.#failing });
    this.#failing = 0;
    this.#unlogged = 0;
  }
}
