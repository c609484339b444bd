import type { Socket } from 'node:net';
import type { RequestParser } from './request-parser.js';
import { type ParsedRequest, type RefusalReason } from './request-parser.js';
import type { OnBytes } from './shared-read-buffer.js';
import { encodeResponse, type EncodedResponse, type WireResponse } from './wire-response.js';

export interface WireHandlers {
  /** Answers one complete request; must not throw (a throw is answered 500 and the connection closed). */
  onRequest(request: ParsedRequest): Promise<WireResponse> | WireResponse;
  /**
   * Answers a request the parser refused, or one not received within the header or request timeout
   * ('timeout'); the connection closes after it.
   */
  onRefused(reason: RefusalReason | 'timeout', detail: string): WireResponse;
  onError(error: unknown): void;
}

export interface WireTimeouts {
  /** From a request's first byte until its head is complete. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte until it is complete (its answer may then take as long as it takes). */
  readonly requestTimeoutMs: number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveTimeoutMs: number;
}

const CONTINUE = '100 Continue';

/**
 * One client connection: requests are parsed as bytes arrive and answered strictly in order, one at a
 * time, so pipelined requests get their answers in sequence (RFC 9112 §9.3.2). Reading pauses while a
 * request is being answered and more than one request's worth of bytes is waiting, and while the socket's
 * write buffer is full, so a client that sends without reading cannot grow the server's memory.
 */
export class WireConnection {
  readonly #socket: Socket;
  readonly #parser: RequestParser;
  readonly #handlers: WireHandlers;
  readonly #timeouts: WireTimeouts;
  readonly #maxBufferedBytes: number;
  #busy = false;
  #closing = false;
  #finished = false;
  #continued = false;
  /** Wall-clock deadline (Date.now ms) of the current phase; 0 while a request is being answered. */
  #deadlineMs = 0;
  #requestStartedAtMs = 0;

  /** `open` returns the connection's socket, which hands what it reads to the function it is given. */
  constructor(
    open: (onBytes: OnBytes) => Socket,
    parser: RequestParser,
    handlers: WireHandlers,
    timeouts: WireTimeouts,
    maxBufferedBytes: number,
  ) {
    this.#socket = open((bytes) => this.#onData(bytes));
    this.#parser = parser;
    this.#handlers = handlers;
    this.#timeouts = timeouts;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#deadlineMs = Date.now() + timeouts.keepAliveTimeoutMs;
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('drain', () => this.#resume());
  }

  /** Calls `listener` once the socket has closed. */
  onClose(listener: () => void): void {
    this.#socket.once('close', listener);
  }

  /** Whether no request is being received or answered, so the connection can be closed without loss. */
  get idle(): boolean {
    return !this.#busy && !this.#parser.midRequest;
  }

  /** Closes now if idle, else after the answer in progress (which then says `Connection: close`). */
  closeWhenIdle(): void {
    this.#closing = true;
    if (this.idle) this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** Called about once a second by the server: enforces the header, request and keep-alive timeouts. */
  checkTimeout(nowMs: number): void {
    if (this.#deadlineMs === 0 || nowMs < this.#deadlineMs || this.#socket.destroyed) return;
    if (this.#parser.midRequest) {
      const answer = this.#handlers.onRefused('timeout', 'not received in time');
      this.#finish(encodeResponse(answer, false, false), false);
    } else this.#socket.destroy();
  }

  /** `chunk` may be a view of a buffer reused for the next read: the parser copies what it keeps. */
  #onData(chunk: Buffer): void {
    if (this.#finished) return;
    if (!this.#parser.midRequest && !this.#busy) {
      this.#requestStartedAtMs = Date.now();
      this.#deadlineMs = this.#requestStartedAtMs + this.#timeouts.headersTimeoutMs;
    }
    this.#parser.push(chunk);
    if (this.#busy) {
      if (this.#parser.bufferedBytes > this.#maxBufferedBytes) this.#socket.pause();
    } else {
      this.#drive();
    }
    this.#parser.copyUnconsumed();
  }

  #resume(): void {
    if (this.#busy || this.#socket.destroyed) return;
    this.#socket.resume();
    this.#drive();
  }

  /** Answers every complete request waiting, in order, until one is incomplete or being answered. */
  #drive(): void {
    while (!this.#busy && !this.#finished && !this.#socket.destroyed) {
      if (this.#socket.writableNeedDrain) {
        this.#socket.pause();
        return;
      }
      const result = this.#parser.next();
      if (result.kind === 'incomplete') {
        if (result.head !== undefined) {
          this.#deadlineMs = this.#requestStartedAtMs + this.#timeouts.requestTimeoutMs;
          if (result.head.expectContinue && !this.#continued) {
            this.#continued = true;
            this.#socket.write(`HTTP/1.1 ${CONTINUE}\r\n\r\n`);
          }
        }
        return;
      }
      if (result.kind === 'refused') {
        const response = this.#handlers.onRefused(result.reason, result.detail);
        this.#finish(encodeResponse(response, false, result.head?.method === 'HEAD'), false);
        return;
      }
      this.#answer(result.request);
    }
  }

  #answer(request: ParsedRequest): void {
    this.#busy = true;
    this.#continued = false;
    this.#deadlineMs = 0;
    let answer: Promise<WireResponse> | WireResponse;
    try {
      answer = this.#handlers.onRequest(request);
    } catch (error) {
      this.#failed(error);
      return;
    }
    // Only what the answer needs is kept while it is prepared (a long poll waits up to 30 s): not the
    // request's head and body.
    const { keepAlive } = request;
    const head = request.method === 'HEAD';
    if (answer instanceof Promise) {
      answer.then(
        (response) => this.#respond(keepAlive, head, response),
        (error: unknown) => this.#failed(error),
      );
    } else {
      this.#respond(keepAlive, head, answer);
    }
  }

  #respond(requestKeepAlive: boolean, head: boolean, response: WireResponse): void {
    this.#busy = false;
    if (this.#socket.destroyed) return;
    const keepAlive = requestKeepAlive && !this.#closing && response.close !== true;
    const nowMs = Date.now();
    const encoded = encodeResponse(response, keepAlive, head, nowMs);
    if (!keepAlive) {
      this.#finish(encoded, true);
      return;
    }
    this.#socket.write(encoded.text, encoded.encoding);
    // The next request starts now, even if its bytes came while this one was answered (pipelined).
    this.#requestStartedAtMs = nowMs;
    this.#deadlineMs =
      nowMs + (this.#parser.midRequest ? this.#timeouts.headersTimeoutMs : this.#timeouts.keepAliveTimeoutMs);
    if (this.#socket.isPaused()) this.#socket.resume();
    this.#drive();
  }

  #failed(error: unknown): void {
    this.#busy = false;
    this.#handlers.onError(error);
    if (this.#socket.destroyed) return;
    this.#finish(
      encodeResponse({ status: 500, body: '{"error":"internal","message":"internal error"}' }, false, false),
      false,
    );
  }

  /**
   * Writes a last answer and closes. After a clean exchange (`graceful`) the socket half-closes and reads
   * on, discarding, until the client closes its side; after a refusal the request's unread bytes may be
   * arbitrarily many, so the socket is destroyed as soon as the answer is flushed. Either way it is gone
   * within the keep-alive timeout.
   */
  #finish(answer: EncodedResponse, graceful: boolean): void {
    this.#finished = true;
    this.#deadlineMs = 0;
    const socket = this.#socket;
    socket.end(answer.text, answer.encoding);
    if (graceful) socket.resume();
    else socket.once('finish', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), this.#timeouts.keepAliveTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}
