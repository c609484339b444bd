import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeForm } from '@opencmq/protocol';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import type { CmqDispatcher } from './cmq/dispatch.js';
import { envelope, type CmqResponse } from './cmq/dispatch.js';

export interface CmqServerOptions {
  readonly maxRequestBytes: number;
  readonly maxParams: number;
}

/**
 * The HTTP transport of the CMQ v2 API (cmq-api.md §1.2): any path, GET (query string) or POST (body
 * parsed as a form whatever the Content-Type). Always HTTP 200 with a JSON envelope: CMQ clients treat
 * any other status as a network failure. Bodies are bounded before they are read whole.
 */
export class CmqHttpServer {
  readonly #server: Server;
  readonly #dispatcher: CmqDispatcher;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: CmqServerOptions;
  readonly #requestPrefix = randomBytes(4).toString('hex');
  #requestCounter = 0;
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(dispatcher: CmqDispatcher, clock: Clock, log: Logger, options: CmqServerOptions) {
    this.#dispatcher = dispatcher;
    this.#clock = clock;
    this.#log = log;
    this.#options = options;
    this.#server = createServer(
      { keepAliveTimeout: 30_000, requestTimeout: 120_000, headersTimeout: 30_000 },
      (req, res) => {
        this.#inFlight++;
        this.#handle(req, res)
          .catch((error: unknown) => this.#log.error('request failed', { error }))
          .finally(() => {
            this.#inFlight--;
            if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
          });
      },
    );
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and waits up to `timeoutMs` for requests in flight, then closes sockets. */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `${this.#requestPrefix}-${(++this.#requestCounter).toString(36)}`;
    const method = req.method ?? '';
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1);

    if (method !== 'GET' && method !== 'POST') {
      this.#send(res, envelope('BAD_METHOD', [method.slice(0, 16)], requestId), true);
      req.resume();
      return;
    }
    let body = '';
    if (method === 'POST') {
      const read = await readBody(req, this.#options.maxRequestBytes);
      if (!read.ok) {
        this.#send(
          res,
          envelope(
            'REQUEST_TOO_LARGE',
            ['request body', `${this.#options.maxRequestBytes} bytes`],
            requestId,
          ),
          true,
        );
        return;
      }
      body = read.text;
    }
    const text = query.length > 0 && body.length > 0 ? `${query}&${body}` : query || body;
    if (method === 'GET' && text.length > this.#options.maxRequestBytes) {
      this.#send(
        res,
        envelope('REQUEST_TOO_LARGE', ['query string', `${this.#options.maxRequestBytes} bytes`], requestId),
        true,
      );
      return;
    }
    const form = decodeForm(text, this.#options.maxParams);
    if (!form.ok) {
      const response =
        form.error.kind === 'duplicate'
          ? envelope('NOT_REPEATABLE', [form.error.key.slice(0, 64)], requestId)
          : envelope('REQUEST_TOO_LARGE', ['parameters', `${form.error.limit} parameters`], requestId);
      this.#send(res, response, false);
      return;
    }
    const response = await this.#dispatcher.dispatch({
      method,
      hostHeader: req.headers.host,
      path,
      params: form.params,
      requestId,
      nowMs: this.#clock.nowMs(),
    });
    this.#send(res, response, false);
  }

  #send(res: ServerResponse, response: CmqResponse, closeConnection: boolean): void {
    const payload = JSON.stringify(response);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      ...(closeConnection ? { connection: 'close' } : {}),
    });
    res.end(payload);
    // A refused body is not drained: once the answer is out, the connection goes.
    if (closeConnection) res.once('finish', () => res.req.destroy());
  }
}

/** Reads a body up to `limit` bytes; a larger declared or streamed body is refused without buffering it. */
function readBody(req: IncomingMessage, limit: number): Promise<{ ok: true; text: string } | { ok: false }> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        resolve({ ok: false });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => {
      if (!done) resolve({ ok: false });
      done = true;
    });
  });
}
