import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../../test/support/wait-for.js';
import type { ParsedRequest } from './request-parser.js';
import { SharedReadBuffer } from './shared-read-buffer.js';
import type { WireResponse } from './wire-response.js';
import { WireServer, type WireServerOptions } from './wire-server.js';

const OPTIONS: WireServerOptions = {
  maxHeadBytes: 512,
  maxBodyBytes: 64,
  headersTimeoutMs: 1500,
  requestTimeoutMs: 3000,
  keepAliveTimeoutMs: 1500,
};
/** The server checks deadlines once a second; allow that plus scheduling slack. */
const TICK_MS = 1000;
const SLACK_MS = 500;

type Handler = (request: ParsedRequest) => Promise<WireResponse> | WireResponse;

const echo: Handler = (request) => ({
  status: 200,
  body: JSON.stringify({ method: request.method, target: request.target, body: request.body }),
});

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const harnesses: Array<{ server: WireServer; stop(): Promise<void> }> = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await Promise.all(
    harnesses.splice(0).map(async (harness) => {
      const stopped = harness.stop();
      harness.server.destroyAll();
      await stopped;
    }),
  );
});

async function start(handler: Handler = echo) {
  const requests: ParsedRequest[] = [];
  const errors: unknown[] = [];
  const server = new WireServer(
    {
      onRequest: (request) => {
        requests.push(request);
        return handler(request);
      },
      onRefused: (reason, detail) => ({
        status: reason === 'timeout' ? 408 : 400,
        body: JSON.stringify({ refused: reason, detail }),
      }),
      onError: (error) => errors.push(error),
    },
    OPTIONS,
  );
  const { port } = await server.listen(0, '127.0.0.1');
  let stopped: Promise<void> | undefined;
  // stopAccepting only once: a second server.close() would wait for a 'close' event already emitted.
  const stop = (): Promise<void> => (stopped ??= server.stopAccepting());
  const harness = { port, server, requests, errors, stop };
  harnesses.push(harness);
  return harness;
}

interface Answer {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** A raw client socket that keeps every byte the server sends and notes when the connection closes. */
class RawClient {
  readonly socket: Socket;
  bytes = Buffer.alloc(0);
  closed = false;
  error: NodeJS.ErrnoException | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.on('data', (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      this.#notify();
    });
    this.socket.on('error', (error) => (this.error = error));
    this.socket.on('close', () => {
      this.closed = true;
      this.#notify();
    });
    clients.push(this);
  }

  get text(): string {
    return this.bytes.toString('latin1');
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `condition` holds; it is checked whenever bytes arrive and when the socket closes. */
  until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms; closed: ${this.closed}; received: ${this.text}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Waits for the connection to close; resolves with the milliseconds it took from `sinceMs`. */
  async closedAfter(sinceMs: number, timeoutMs = 8000): Promise<number> {
    await this.until(() => this.closed, timeoutMs);
    return Date.now() - sinceMs;
  }

  /** The complete answers so far; answers at the `bodiless` positions (HEAD) have no body. */
  answers(bodiless: ReadonlySet<number> = new Set()): Answer[] {
    const out: Answer[] = [];
    for (let at = 0; ;) {
      const end = this.bytes.indexOf('\r\n\r\n', at);
      if (end === -1) return out;
      const [statusLine = '', ...lines] = this.bytes.toString('latin1', at, end).split('\r\n');
      const headers = new Map(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      const status = Number(statusLine.split(' ')[1]);
      const length =
        status === 100 || bodiless.has(out.length) ? 0 : Number(headers.get('content-length') ?? 0);
      if (this.bytes.length < end + 4 + length) return out;
      out.push({ status, headers, body: this.bytes.toString('utf8', end + 4, end + 4 + length) });
      at = end + 4 + length;
    }
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

const post = (body: string, target = '/p', extra = '') =>
  `POST ${target} HTTP/1.1\r\nHost: h\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const get = (target: string, extra = '', version = '1.1') => `GET ${target} HTTP/${version}\r\n${extra}\r\n`;
const echoed = (answer: Answer | undefined) =>
  JSON.parse(answer?.body ?? 'null') as { method: string; target: string; body: string };

describe('WireServer', () => {
  it('answers two requests in turn when they come one after the other on a kept-alive connection', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send(post('first'));
    await client.until(() => client.answers().length === 1);
    client.send(post('second', '/q'));
    await client.until(() => client.answers().length === 2);
    const [a, b] = client.answers();
    expect(echoed(a)).toEqual({ method: 'POST', target: '/p', body: 'first' });
    expect(echoed(b)).toEqual({ method: 'POST', target: '/q', body: 'second' });
    expect([a, b].map((answer) => answer?.headers.get('connection'))).toEqual(['keep-alive', 'keep-alive']);
    expect(client.closed).toBe(false);
  });

  it('answers pipelined requests in order when the first answer is the slowest', async () => {
    const log: string[] = [];
    const harness = await start(async (request) => {
      log.push(`start ${request.target}`);
      if (request.target === '/slow') await delay(150);
      log.push(`end ${request.target}`);
      return echo(request);
    });
    const client = new RawClient(harness.port);
    const all = Buffer.from(post('1', '/slow') + post('2', '/fast') + get('/last'));
    client.send(all.subarray(0, 60));
    client.send(all.subarray(60));
    await client.until(() => client.answers().length === 3);
    expect(client.answers().map((a) => echoed(a).target)).toEqual(['/slow', '/fast', '/last']);
    expect(log).toEqual(['start /slow', 'end /slow', 'start /fast', 'end /fast', 'start /last', 'end /last']);
  });

  it('keeps an HTTP/1.0 connection open when the request asks for keep-alive', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send(get('/a', 'Connection: keep-alive\r\n', '1.0'));
    await client.until(() => client.answers().length === 1);
    client.send(get('/b', 'Connection: keep-alive\r\n', '1.0'));
    await client.until(() => client.answers().length === 2);
    expect(client.answers()[0]?.headers.get('connection')).toBe('keep-alive');
    expect(client.closed).toBe(false);
  });

  it.each([
    ['is HTTP/1.0', get('/p', '', '1.0')],
    ['says Connection: close', get('/p', 'Connection: close\r\n')],
  ])('closes the connection after the answer when the request %s', async (_label, text) => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send(text);
    await client.until(() => client.closed);
    const answers = client.answers().map((a) => [echoed(a).target, a.headers.get('connection')]);
    expect(answers).toEqual([['/p', 'close']]);
  });

  // The connection ends after such an answer, so a request behind it must not run (it would never be answered).
  it.each([
    ['Connection: close', 'sync', post('x', '/p', 'Connection: close\r\n')],
    ['Connection: close', 'async', post('x', '/p', 'Connection: close\r\n')],
    ['HTTP/1.0', 'sync', get('/p', '', '1.0')],
    ['a handler that throws', 'sync', post('x', '/p', 'X-Throw: 1\r\n')],
  ])(
    'does not hand on a request pipelined behind %s when the handler answers %s',
    async (_after, how, text) => {
      const harness = await start((request) => {
        if (request.headers.has('x-throw')) throw new Error('thrown');
        return how === 'sync' ? echo(request) : Promise.resolve(echo(request));
      });
      const client = new RawClient(harness.port);
      client.send(text + get('/behind'));
      await client.until(() => client.closed);
      expect(harness.requests.map((r) => r.target)).toEqual(['/p']);
      expect(client.answers().map((a) => a.headers.get('connection'))).toEqual(['close']);
    },
  );

  it('sends 100 Continue before the final answer when the request expects it', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send('POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await client.until(() => client.text.length > 0);
    expect(client.text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    expect(harness.requests).toHaveLength(0);
    client.send('body');
    await client.until(() => client.answers().length === 2);
    const [interim, final] = client.answers();
    expect([interim?.status, final?.status, echoed(final).body]).toEqual([100, 200, 'body']);
  });

  it('answers HEAD with the Content-Length of the body but no body', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send(get('/h').replace('GET', 'HEAD') + get('/g'));
    await client.until(() => client.answers(new Set([0])).length === 2);
    const [head, after] = client.answers(new Set([0]));
    const wouldBe = JSON.stringify({ method: 'HEAD', target: '/h', body: '' });
    expect(head?.headers.get('content-length')).toBe(String(Buffer.byteLength(wouldBe)));
    expect(client.text.indexOf('HTTP/1.1', 1)).toBe(client.text.indexOf('\r\n\r\n') + 4);
    expect(echoed(after).target).toBe('/g');
  });

  it.each([
    ['body-too-large', 'a declared body is too large', 'POST /p HTTP/1.1\r\nContent-Length: 65\r\n\r\n'],
    ['malformed', 'a header name is malformed', `GET / HTTP/1.1\r\nBad Name: 1\r\n\r\n${get('/next')}`],
    ['head-too-large', 'the head is over maxHeadBytes', `GET /${'a'.repeat(600)} HTTP/1.1\r\n\r\n`],
  ])('gives the onRefused answer (%s) and closes when %s', async (reason, _when, text) => {
    const harness = await start();
    const client = new RawClient(harness.port);
    client.send(text);
    await client.until(() => client.closed);
    const answers = client.answers();
    expect(answers.map((a) => [a.status, a.headers.get('connection')])).toEqual([[400, 'close']]);
    expect((JSON.parse(answers[0]?.body ?? '{}') as { refused: string }).refused).toBe(reason);
    expect(harness.requests).toHaveLength(0);
  });

  it.each(['throws', 'rejects'])('answers 500, calls onError and closes when the handler %s', async (how) => {
    const failure = new Error(how);
    const harness = await start(() => {
      if (how === 'throws') throw failure;
      return Promise.reject(failure);
    });
    const client = new RawClient(harness.port);
    client.send(post('x'));
    await client.until(() => client.closed);
    expect(client.answers().map((a) => [a.status, a.headers.get('connection')])).toEqual([[500, 'close']]);
    expect(harness.errors).toEqual([failure]);
  });

  it('answers 408 and closes when half a head is sent and the headers timeout passes', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    const sentAt = Date.now();
    client.send('POST /p HTTP/1.1\r\nHost: h\r\n');
    const elapsed = await client.closedAfter(sentAt);
    expect(elapsed).toBeGreaterThanOrEqual(OPTIONS.headersTimeoutMs - 10);
    expect(elapsed).toBeLessThan(OPTIONS.headersTimeoutMs + TICK_MS + SLACK_MS);
    expect(client.answers().map((a) => [a.status, a.headers.get('connection')])).toEqual([[408, 'close']]);
    expect(harness.requests).toHaveLength(0);
  });

  it('answers 408 and closes when a head is in but the body is not complete within the request timeout', async () => {
    const harness = await start();
    const client = new RawClient(harness.port);
    const sentAt = Date.now();
    client.send('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhalf');
    const elapsed = await client.closedAfter(sentAt);
    expect(elapsed).toBeGreaterThanOrEqual(OPTIONS.requestTimeoutMs - 10);
    expect(client.answers().map((a) => a.status)).toEqual([408]);
  });

  it('closes a connection without an answer when it stays idle for the keep-alive timeout', async () => {
    const harness = await start();
    const used = new RawClient(harness.port);
    const unused = new RawClient(harness.port);
    const connectedAt = Date.now();
    used.send(post('x'));
    await used.until(() => used.answers().length === 1);
    const answeredAt = Date.now();
    const [usedElapsed, unusedElapsed] = await Promise.all([
      used.closedAfter(answeredAt),
      unused.closedAfter(connectedAt),
    ]);
    for (const elapsed of [usedElapsed, unusedElapsed]) {
      expect(elapsed).toBeGreaterThanOrEqual(OPTIONS.keepAliveTimeoutMs - 10);
      expect(elapsed).toBeLessThan(OPTIONS.keepAliveTimeoutMs + TICK_MS + SLACK_MS);
    }
    expect([used.answers().length, unused.bytes.length]).toEqual([1, 0]);
  });

  it('gives a pipelined request its own request timeout when it starts while the previous one is answered', async () => {
    const harness = await start(async (request) => {
      if (request.target === '/slow') await delay(OPTIONS.requestTimeoutMs + 300);
      return echo(request);
    });
    const client = new RawClient(harness.port);
    client.send(get('/slow'));
    await waitFor(() => harness.requests.length === 1, 3000, 'the slow request');
    await delay(OPTIONS.requestTimeoutMs - 400);
    client.send(post('abcd').slice(0, -2));
    await client.until(() => client.answers().length === 1);
    await delay(TICK_MS + 200);
    client.send('cd');
    await client.until(() => client.answers().length === 2 || client.closed);
    expect(client.answers().map((a) => a.status)).toEqual([200, 200]);
    expect(echoed(client.answers()[1]).body).toBe('abcd');
  });

  it('closes idle connections at once and lets a request in progress finish when it stops accepting', async () => {
    const release = deferred();
    const entered = deferred();
    const harness = await start(async (request) => {
      if (request.target === '/hold') {
        entered.resolve();
        await release.promise;
      }
      return echo(request);
    });
    const idle = new RawClient(harness.port);
    idle.send(get('/warm'));
    await idle.until(() => idle.answers().length === 1);
    const partial = new RawClient(harness.port);
    partial.send('GET /partial HTTP/1.1\r\nHo');
    await waitFor(() => harness.server.busy, 3000, 'the partial head to arrive');
    const busy = new RawClient(harness.port);
    busy.send(get('/hold'));
    await entered.promise;

    const stopped = harness.stop();
    await idle.until(() => idle.closed, OPTIONS.keepAliveTimeoutMs - 500);
    expect([busy.closed, partial.closed]).toEqual([false, false]);
    const late = new RawClient(harness.port);
    await late.until(() => late.closed);
    expect(late.error?.code).toBe('ECONNREFUSED');

    release.resolve();
    await busy.until(() => busy.closed);
    expect(busy.answers().map((a) => [echoed(a).target, a.headers.get('connection')])).toEqual([
      ['/hold', 'close'],
    ]);
    expect(partial.closed).toBe(false);
    harness.server.destroyAll();
    await partial.until(() => partial.closed);
    expect(partial.bytes.length).toBe(0);
    await stopped;
  });

  it("keeps each connection's unfinished request its own while every connection reads into one buffer", async () => {
    const harness = await start();
    const bodies = Array.from({ length: 8 }, (_, i) => `body-${i}-`.padEnd(40, String.fromCharCode(97 + i)));
    const clients = bodies.map(() => new RawClient(harness.port));
    const requests = bodies.map((body, i) => Buffer.from(post(body, `/c${i}`)));
    // Each connection sends part of its head, which the parser keeps while the other connections' reads
    // reuse the buffer it arrived in.
    for (const [i, client] of clients.entries()) {
      client.send(requests[i]!.subarray(0, 30));
      await waitFor(
        () => harness.requests.length === 0 && harness.server.busy,
        3000,
        `connection ${i}'s first half`,
      );
      await delay(20);
    }
    for (const [i, client] of clients.entries()) client.send(requests[i]!.subarray(30));
    for (const client of clients) await client.until(() => client.answers().length === 1);
    expect(clients.map((client) => echoed(client.answers()[0]))).toEqual(
      bodies.map((body, i) => ({ method: 'POST', target: `/c${i}`, body })),
    );
  });

  it('lets the socket it accepted be collected once the connection reads through its replacement', async (context) => {
    // Each accepted socket hands its handle to a new one (SharedReadBuffer.adopt); a closure that kept the
    // first alive for the connection's life cost 0.6-0.8 KB of heap per open connection.
    const accepted: Array<WeakRef<Socket>> = [];
    // Wrapped by hand: a vi.spyOn mock records its calls' arguments, which would keep the sockets alive.
    const adopt = Reflect.get<SharedReadBuffer, 'adopt'>(SharedReadBuffer.prototype, 'adopt');
    let replaced = true;
    SharedReadBuffer.prototype.adopt = function (this: SharedReadBuffer, socket, onBytes) {
      accepted.push(new WeakRef(socket));
      // Without `useUserBuffer` on its handle (another Node), the accepted socket is the connection's own.
      const handle = Reflect.get(socket, '_handle') as { useUserBuffer?: unknown } | null;
      if (typeof handle?.useUserBuffer !== 'function') replaced = false;
      return adopt.call(this, socket, onBytes);
    };
    try {
      const harness = await start();
      const clients = Array.from({ length: 10 }, () => new RawClient(harness.port));
      for (const client of clients) {
        client.send(get('/'));
        await client.until(() => client.answers().length === 1);
      }
      expect(accepted).toHaveLength(clients.length);
      if (!replaced)
        context.skip('the socket handles of this Node have no useUserBuffer: nothing was replaced');
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      for (let i = 0; i < 5 && accepted.some((ref) => ref.deref() !== undefined); i++) {
        await delay(10);
        gc();
      }
      expect(accepted.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
      // The connections themselves stay open and keep answering.
      expect(clients.every((client) => !client.closed)).toBe(true);
      clients[0]!.send(get('/again'));
      await clients[0]!.until(() => clients[0]!.answers().length === 2);
    } finally {
      SharedReadBuffer.prototype.adopt = adopt;
    }
  });

  it('sends a Date and a Content-Length counting UTF-8 bytes when the body is not ASCII', async () => {
    const body = 'héllo ✓ 😀';
    const harness = await start(() => ({ status: 200, body, contentType: 'text/plain; charset=utf-8' }));
    const client = new RawClient(harness.port);
    client.send(get('/'));
    await client.until(() => client.answers().length === 1);
    const answer = client.answers()[0];
    expect(answer?.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(answer?.body).toBe(body);
    expect(answer?.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const date = answer?.headers.get('date') ?? '';
    expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(Math.abs(Date.parse(date) - Date.now())).toBeLessThan(5000);
  });
});
