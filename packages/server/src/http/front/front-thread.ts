import { Worker } from 'node:worker_threads';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { MessageLookup } from '../admin/admin-api.js';
import type { CmqDispatcher } from '../cmq/dispatch.js';
import type { FrontAnswer, FrontCall, FrontOptions, ToFront, ToMain } from './messages.js';
import { TurnBatch } from './turn-batch.js';

/**
 * Runs the HTTP side of the server (sockets, parsing, form decoding, signature checks, JSON answers) on a
 * worker thread, and what needs the store here, on the main thread with the engine: the two halves of a
 * request's CPU time then use two cores. Requests and answers cross in batches, one message per turn of
 * either event loop (docs/decisions/0011).
 */
export class HttpFrontThread {
  readonly #worker: Worker;
  readonly #dispatcher: CmqDispatcher;
  readonly #lookup: MessageLookup;
  readonly #log: Logger;
  readonly #answers: TurnBatch<FrontAnswer>;
  readonly #listening: Promise<{ address: string; port: number }>;
  readonly #whenClosed: Promise<void>;
  #stopping = false;

  /** `dispatcher` runs verified requests: it has no verifier of its own (the HTTP thread checks). */
  constructor(dispatcher: CmqDispatcher, lookup: MessageLookup, options: FrontOptions, log: Logger) {
    this.#dispatcher = dispatcher;
    this.#lookup = lookup;
    this.#log = log;
    this.#worker = new Worker(new URL('./front-entry.js', import.meta.url), { workerData: options });
    this.#answers = new TurnBatch((batch) => this.#post({ kind: 'answers', batch }));
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (closedResolve = resolve));
    this.#listening = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: ToMain) => {
        switch (message.kind) {
          case 'calls':
            for (const item of message.batch) this.#run(item);
            return;
          case 'listening':
            resolve(message.address);
            return;
          case 'listen-failed':
            reject(Object.assign(new Error(message.message), { code: message.code }));
            return;
          case 'closed':
            closedResolve();
            return;
        }
      });
      this.#worker.once('error', (error) => {
        reject(error);
        if (!this.#stopping) this.#log.error('the HTTP thread failed', { error });
      });
      this.#worker.once('exit', (code) => {
        closedResolve();
        reject(new Error(`the HTTP thread exited (code ${code}) before listening`));
      });
    });
    this.#whenClosed = closed;
  }

  /** Resolves with the bound address once the HTTP thread listens; rejects as listen() would. */
  listen(): Promise<{ address: string; port: number }> {
    return this.#listening;
  }

  /** Stops accepting, lets requests in flight finish (up to `timeoutMs`), then ends the thread. */
  async close(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    this.#post({ kind: 'close', timeoutMs });
    await this.#whenClosed;
    await this.#worker.terminate();
  }

  #post(message: ToFront): void {
    this.#worker.postMessage(message);
  }

  #run(item: FrontCall): void {
    const work =
      item.kind === 'cmq'
        ? this.#dispatcher.dispatch(item.request)
        : this.#lookup.getMessage(item.queueName, item.msgId);
    work.then(
      (value) => this.#answers.push({ id: item.id, ok: true, value }),
      (error: unknown) =>
        this.#answers.push({
          id: item.id,
          ok: false,
          error: {
            code: isDomainError(error) ? error.code : undefined,
            message: error instanceof Error ? error.message : String(error),
            ...(isDomainError(error) && error.detail !== undefined ? { detail: error.detail } : {}),
          },
        }),
    );
  }
}
