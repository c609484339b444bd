import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { decodeForm } from '@opencmq/protocol';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import { AdminApi } from './admin/admin-api.js';
import type { CmqDispatcher } from './cmq/dispatch.js';
import { envelope, type CmqResponse } from './cmq/dispatch.js';

const MAX_HEAD_BYTES = 65_536;

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
  readonly #admin: AdminApi;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: CmqServerOptions;
  readonly #requestPrefix = randomBytes(4).toString('hex');
  #requestCounter = 0;
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(
    dispatcher: CmqDispatcher,
    admin: AdminApi,
    clock: Clock,
    log: Logger,
    options: CmqServerOptions,
  ) {
    this.#dispatcher = dispatcher;
    this.#admin = admin;
    this.#clock = clock;
    this.#log = log;
    this.#options = options;
    this.#server = createServer(
      // GET carries every parameter in the URL: allow 64 KiB of request head (Node's default is 16 KiB);
      // a larger head is answered with a CMQ envelope by #refuseOversizedHead, not a bare 431.
      {
        keepAliveTimeout: 30_000,
        requestTimeout: 120_000,
        headersTimeout: 30_000,
        maxHeaderSize: MAX_HEAD_BYTES,
      },
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
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
      this.#refuseOversizedHead(error, socket),
    );
  }

  #refuseOversizedHead(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (error.code !== 'HPE_HEADER_OVERFLOW' || !socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = `${this.#requestPrefix}-${(++this.#requestCounter).toString(36)}`;
    const payload = JSON.stringify(
      envelope(
        'REQUEST_TOO_LARGE',
        ['request line and headers', `${MAX_HEAD_BYTES} bytes (use POST)`],
        requestId,
      ),
    );
    socket.end(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
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

    if (AdminApi.matches(path)) {
      await this.#admin.handle(req, res, path);
      return;
    }
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
