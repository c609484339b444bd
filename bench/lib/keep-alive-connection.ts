import { connect, type Socket } from 'node:net';

/**
 * One HTTP/1.1 keep-alive connection with one request in flight, written straight on a socket.
 *
 * Why not node:http's client: on a 2-core machine the load generator shares the CPUs with the server, so
 * every cycle it spends is taken from the system under test. This writes a request as one string and
 * reads only the status line and Content-Length, without node:http's agent, parser and events. Both
 * servers under test send a Content-Length; a response without one is an error here, never a guess.
 */
export interface HttpResponse {
  readonly status: number;
  readonly body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

export class KeepAliveConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void } | undefined;
  #closed = false;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  /** POSTs `body` to `path`; reconnects first when the server closed the previous connection. */
  async post(path: string, body: string, contentType: string): Promise<HttpResponse> {
    if (this.#pending !== undefined) throw new Error('one request at a time per connection');
    const socket = this.#socket ?? (await this.#connect());
    const length = Buffer.byteLength(body);
    const request =
      `POST ${path} HTTP/1.1\r\nHost: ${this.#host}:${this.#port}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n${body}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      this.#pending = { resolve, reject };
      socket.write(request);
    });
  }

  /** Destroys the socket; a request in flight rejects. */
  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#fail(new Error('connection closed by the client'));
  }

  #connect(): Promise<Socket> {
    if (this.#closed) return Promise.reject(new Error('connection closed by the client'));
    this.#connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
      socket.once('connect', () => {
        this.#socket = socket;
        this.#connecting = undefined;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.#onData(chunk));
      socket.on('error', (error) => {
        this.#connecting = undefined;
        reject(error);
        this.#fail(error);
      });
      socket.on('close', () => {
        if (this.#socket === socket) this.#socket = undefined;
        this.#buffer = Buffer.alloc(0);
        this.#fail(new Error('connection closed by the server'));
      });
    });
    return this.#connecting;
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headEnd = this.#buffer.indexOf(HEAD_END);
    if (headEnd === -1) return;
    const head = this.#buffer.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (match === null) {
      this.#socket?.destroy();
      this.#fail(new Error(`response without Content-Length: ${head.split('\r\n', 1)[0]}`));
      return;
    }
    const bodyStart = headEnd + HEAD_END.length;
    const bodyEnd = bodyStart + Number(match[1]);
    if (this.#buffer.length < bodyEnd) return;
    const body = this.#buffer.subarray(bodyStart, bodyEnd);
    this.#buffer = this.#buffer.length === bodyEnd ? Buffer.alloc(0) : this.#buffer.subarray(bodyEnd);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve({ status, body });
  }
}
