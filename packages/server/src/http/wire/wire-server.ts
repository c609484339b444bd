import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RequestParser, type ParserLimits } from './request-parser.js';
import { SharedReadBuffer, type OnBytes } from './shared-read-buffer.js';
import { WireConnection, type WireHandlers, type WireTimeouts } from './wire-connection.js';

export interface WireServerOptions extends ParserLimits, WireTimeouts {}

/**
 * A small HTTP/1.1 server on node:net for the CMQ port (docs/decisions/0013): it parses requests with
 * `RequestParser`, answers them in order per connection, and enforces the head, request and keep-alive
 * timeouts with one timer for all connections. It carries what the CMQ protocol needs and nothing else:
 * no upgrades, no trailers handed on, no response streaming.
 */
export class WireServer {
  readonly #server: Server;
  readonly #connections = new Set<WireConnection>();
  readonly #options: WireServerOptions;
  readonly #handlers: WireHandlers;
  readonly #reads = new SharedReadBuffer();
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #stopped: Promise<void> | undefined;
  /** Resolves `stopAccepting`'s wait for the last connection, once it is asked for. */
  #drained: (() => void) | undefined;

  constructor(handlers: WireHandlers, options: WireServerOptions) {
    this.#handlers = handlers;
    this.#options = options;
    // Accepted paused: each socket's handle moves to one that reads into the shared buffer (#accept).
    // (WireConnection turns Nagle's algorithm off on it.)
    this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        this.#timer = setInterval(() => this.#checkTimeouts(), 1000);
        this.#timer.unref();
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Whether any connection is receiving or answering a request. */
  get busy(): boolean {
    for (const connection of this.#connections) if (!connection.idle) return true;
    return false;
  }

  /**
   * Stops accepting; idle connections close now, the others after their answer in progress. Resolves when
   * the last connection has closed; calling it again returns the same promise.
   */
  stopAccepting(): Promise<void> {
    if (this.#stopped === undefined) {
      this.#closing = true;
      // The server does not count adopted sockets (SharedReadBuffer): its close callback only says the
      // listener is closed, and the connections are waited for here.
      const listenerClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      const drained = new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      this.#stopped = Promise.all([listenerClosed, drained]).then(() => undefined);
      for (const connection of this.#connections) connection.closeWhenIdle();
      this.#resolveIfDrained();
    }
    return this.#stopped;
  }

  /** Destroys every connection still open (after `stopAccepting`, once answers had their time). */
  destroyAll(): void {
    for (const connection of this.#connections) connection.destroy();
    clearInterval(this.#timer);
  }

  #accept(accepted: Socket): void {
    if (this.#closing) {
      accepted.destroy();
      return;
    }
    const parser = new RequestParser(this.#options);
    const connection = new WireConnection(
      this.#opener(accepted),
      parser,
      this.#handlers,
      this.#options,
      this.#options.maxHeadBytes + this.#options.maxBodyBytes,
    );
    this.#connections.add(connection);
    connection.onClose(() => {
      this.#connections.delete(connection);
      this.#resolveIfDrained();
    });
  }

  /**
   * Made outside #accept: a closure there that captured `accepted` would share its scope's context with the
   * connection's onClose listener, which would then keep the accepted (and replaced) Socket alive for the
   * connection's life, 0.6-0.8 KB each (`bench/waiting-receiver-memory.ts`).
   */
  #opener(accepted: Socket): (onBytes: OnBytes) => Socket {
    return (onBytes) => this.#reads.adopt(accepted, onBytes);
  }

  #resolveIfDrained(): void {
    if (this.#drained !== undefined && this.#connections.size === 0) this.#drained();
  }

  #checkTimeouts(): void {
    const now = Date.now();
    for (const connection of this.#connections) connection.checkTimeout(now);
  }
}
