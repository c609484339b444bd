import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { decodeForm } from '@opencmq/protocol';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import { AdminApi } from './admin/admin-api.js';
import type { CmqDispatcher } from './cmq/dispatch.js';
import { envelope, type CmqResponse } from './cmq/dispatch.js';
import type { ParsedRequest, RefusalReason } from './wire/request-parser.js';
import type { WireResponse } from './wire/wire-response.js';
import { WireServer } from './wire/wire-server.js';

const MAX_HEAD_BYTES = 65_536;

export interface CmqServerOptions {
  readonly maxRequestBytes: number;
  readonly maxParams: number;
  readonly keepAliveTimeoutMs: number;
}

/**
 * The HTTP transport of the CMQ v2 API (cmq-api.md §1.2): any path, GET (query string) or POST (body
 * parsed as a form whatever the Content-Type). Always HTTP 200 with a JSON envelope: CMQ clients treat
 * any other status as a network failure. Heads and bodies are bounded by the parser before they are
 * buffered (docs/decisions/0013).
 */
export class CmqHttpServer {
  readonly #server: WireServer;
  readonly #dispatcher: CmqDispatcher;
  readonly #admin: AdminApi;
  readonly #clock: Clock;
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
    this.#options = options;
    // GET carries every parameter in the URL: 64 KiB of request head. The request timeout is longer than
    // the 30 s longest long poll only matters for receiving a request; answering one has no timeout.
    this.#server = new WireServer(
      {
        onRequest: (request) => this.#handle(request),
        onRefused: (reason, detail) => this.#refused(reason, detail),
        onError: (error) => log.error('request failed', { error }),
      },
      {
        maxHeadBytes: MAX_HEAD_BYTES,
        maxBodyBytes: options.maxRequestBytes,
        headersTimeoutMs: 30_000,
        requestTimeoutMs: 120_000,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      },
    );
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return this.#server.listen(port, host);
  }

  /** Stops accepting connections and waits up to `timeoutMs` for requests in flight, then closes sockets. */
  async close(timeoutMs: number): Promise<void> {
    const closed = this.#server.stopAccepting();
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.#server.destroyAll();
    await closed;
  }

  #nextRequestId(): string {
    return `${this.#requestPrefix}-${(++this.#requestCounter).toString(36)}`;
  }

  /**
   * Counts the request in flight until it is answered. No async frame of its own: a pending long poll
   * holds whatever its chain keeps alive until answered (see CmqDispatcher).
   */
  #handle(request: ParsedRequest): Promise<WireResponse> | WireResponse {
    this.#inFlight++;
    let answer: Promise<WireResponse> | WireResponse;
    try {
      answer = this.#answer(request);
    } catch (error) {
      this.#answered();
      throw error;
    }
    if (!(answer instanceof Promise)) {
      this.#answered();
      return answer;
    }
    return answer.then(this.#answeredWith, this.#failedWith);
  }

  readonly #answeredWith = (response: WireResponse): WireResponse => {
    this.#answered();
    return response;
  };

  readonly #failedWith = (error: unknown): never => {
    this.#answered();
    throw error;
  };

  #answered(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #answer(request: ParsedRequest): Promise<WireResponse> | WireResponse {
    const requestId = this.#nextRequestId();
    const { method, target } = request;
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = queryAt === -1 ? '' : target.slice(queryAt + 1);

    if (AdminApi.matches(path)) return this.#admin.handle(request, path);
    if (method !== 'GET' && method !== 'POST') {
      return cmq(envelope('BAD_METHOD', [method.slice(0, 16)], requestId), true);
    }
    const body = method === 'POST' ? request.body : '';
    const text = query.length > 0 && body.length > 0 ? `${query}&${body}` : query || body;
    const form = decodeForm(text, this.#options.maxParams);
    if (!form.ok) {
      const { error } = form;
      const response =
        error.kind === 'duplicate'
          ? envelope('NOT_REPEATABLE', [error.key.slice(0, 64)], requestId)
          : error.kind === 'malformed'
            ? envelope(
                'REQUEST_TOO_LARGE',
                [
                  `parameter ${error.key.slice(0, 64)} (a malformed %-escape, or escapes not of UTF-8)`,
                  `${this.#options.maxRequestBytes} bytes`,
                ],
                requestId,
              )
            : envelope('REQUEST_TOO_LARGE', ['parameters', `${error.limit} parameters`], requestId);
      return cmq(response, false);
    }
    return this.#dispatcher.dispatchThen(
      {
        method,
        hostHeader: request.headers.get('host'),
        path,
        params: form.params,
        requestId,
        nowMs: this.#clock.nowMs(),
      },
      answerOk,
    );
  }

  #refused(reason: RefusalReason | 'timeout', detail: string): WireResponse {
    const requestId = this.#nextRequestId();
    switch (reason) {
      case 'head-too-large':
        return cmq(
          envelope(
            'REQUEST_TOO_LARGE',
            ['request line and headers', `${MAX_HEAD_BYTES} bytes (use POST)`],
            requestId,
          ),
          true,
        );
      case 'body-too-large':
        return cmq(
          envelope(
            'REQUEST_TOO_LARGE',
            ['request body', `${this.#options.maxRequestBytes} bytes`],
            requestId,
          ),
          true,
        );
      case 'timeout':
      case 'malformed':
        // Not a CMQ request at all (HTTP 400), or one not received within the headers or request timeout
        // (HTTP 408): an HTTP error status, with the envelope saying why.
        return {
          status: reason === 'timeout' ? 408 : 400,
          body: JSON.stringify(
            envelope(
              'REQUEST_TOO_LARGE',
              [`the HTTP request (${detail})`, `${MAX_HEAD_BYTES} bytes`],
              requestId,
            ),
          ),
          close: true,
        };
    }
  }
}

const answerOk = (response: CmqResponse): WireResponse => cmq(response, false);

function cmq(response: CmqResponse, close: boolean): WireResponse {
  return close
    ? { status: 200, body: JSON.stringify(response), close }
    : { status: 200, body: JSON.stringify(response) };
}
