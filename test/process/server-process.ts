import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CmqTestClient, type CmqEnvelope } from '../support/cmq-client.js';

/**
 * The real server as a child process (`node --import tsx packages/server/src/main.ts`), for the promises
 * only a process can test: kill -9, SIGTERM, exit codes, what is printed. Every process and data dir
 * made here is tracked; `cleanupProcesses()` (afterEach) kills what is left and removes the dirs, and an
 * exit hook SIGKILLs stragglers if the test runner itself dies first. Below the process: the traffic the
 * process tests share (a swarm of senders, draining a queue, comparing what came back with what was
 * acknowledged).
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = 'packages/server/src/main.ts';
const LISTENING = /^opencmq listening on (.+):(\d+)$/m;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  readonly args?: readonly string[];
  /**
   * Added to the environment; `undefined` removes a variable. OPENCMQ_* variables of the test runner are
   * never inherited, and OPENCMQ_LOG_LEVEL defaults to `warn` so a failure still shows what went wrong.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const live = new Set<ServerProcess>();
const dataDirs = new Set<string>();
let exitHookInstalled = false;

export class ServerProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  #stdout = '';
  #stderr = '';
  #exit: ProcessExit | undefined;
  #port: number | undefined;
  readonly #outputListeners = new Set<() => void>();

  constructor(options: ServerProcessOptions = {}) {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('OPENCMQ_')) env[key] = value;
    }
    env['OPENCMQ_LOG_LEVEL'] = 'warn';
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    this.#child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...(options.args ?? [])], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    installExitHook();
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk;
      this.#notify();
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
      this.#notify();
    });
    // 'close' (not 'exit') so that all output has been read by the time `exited` resolves.
    this.exited = new Promise((resolveExit) => {
      this.#child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        this.#notify();
        resolveExit(this.#exit);
      });
      this.#child.once('error', (error) => {
        this.#stderr += `\n[spawn error] ${error.message}`;
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The exit status once the process has ended (and its output is read), else undefined. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** The port from the `opencmq listening on HOST:PORT` line; throws before `listening()` resolved. */
  get port(): number {
    if (this.#port === undefined) throw new Error('the server has not printed its listening line yet');
    return this.#port;
  }

  /** Waits for the `listening on` line and returns the port; rejects if the process exits first. */
  async listening(timeoutMs = 20_000): Promise<number> {
    const match = await this.waitForStdout(LISTENING, timeoutMs);
    this.#port = Number(match[2]);
    return this.#port;
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or on timeout. */
  waitForStdout(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    return new Promise((resolveMatch, reject) => {
      const check = () => {
        const match = pattern.exec(this.#stdout);
        if (match) return done(() => resolveMatch(match));
        if (this.#exit) {
          return done(() =>
            reject(
              new Error(
                `server exited (${describeExit(this.#exit!)}) before printing ${pattern}\n${this.output()}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out waiting for ${pattern} on stdout\n${this.output()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#outputListeners.delete(check);
        settle();
      };
      this.#outputListeners.add(check);
      check();
    });
  }

  /** Sends a signal (no-op once the process has ended). */
  kill(signal: NodeJS.Signals): void {
    if (this.#exit === undefined) this.#child.kill(signal);
  }

  /** Waits for the process to end; past `timeoutMs` it is SIGKILLed and the wait rejects. */
  async waitForExit(timeoutMs = 20_000): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.kill('SIGKILL');
      await this.exited;
      throw new Error(`server did not exit within ${timeoutMs} ms\n${this.output()}`);
    }
    return result;
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ProcessExit> {
    this.kill(signal);
    return this.waitForExit(timeoutMs);
  }

  /** A signing test client for this server. */
  client(credential: { secretId: string; secretKey: string }): CmqTestClient {
    return new CmqTestClient({ port: this.port, ...credential });
  }

  /** stdout and stderr, for failure messages. */
  output(): string {
    return `--- stdout ---\n${this.#stdout}\n--- stderr ---\n${this.#stderr}`;
  }

  #notify(): void {
    for (const listener of [...this.#outputListeners]) listener();
  }
}

/** Spawns the server and waits until it listens (pass `--port 0` to get a free port). */
export async function startServer(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const server = new ServerProcess(options);
  await server.listening();
  return server;
}

/** Runs the server command to its end (for --help and refused configurations). */
export async function runToExit(
  options: ServerProcessOptions = {},
  timeoutMs = 20_000,
): Promise<ProcessExit & { stdout: string; stderr: string }> {
  const server = new ServerProcess(options);
  const exit = await server.waitForExit(timeoutMs);
  return { ...exit, stdout: server.stdout, stderr: server.stderr };
}

/** A fresh temp dir, removed by `cleanupProcesses()`. */
export function createDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-process-'));
  dataDirs.add(dir);
  return dir;
}

/** For afterEach: SIGKILLs every server still running, waits for them to end and removes the data dirs. */
export async function cleanupProcesses(): Promise<void> {
  const running = [...live];
  for (const server of running) server.kill('SIGKILL');
  await Promise.all(running.map((server) => server.exited));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs.clear();
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of live) server.kill('SIGKILL');
  });
}

/** A message as BatchReceiveMessage returns it. */
export interface ReceivedMessage {
  readonly msgBody: string;
  readonly msgId: string;
  readonly receiptHandle: string;
  readonly dequeueCount: number;
}

/** CMQ batches carry 1 to 16 messages (cmq-api.md §2.8). */
export const BATCH_SIZE = 16;

/** `msgBody.1..n` (or any other array parameter) as CMQ clients send it. */
export function arrayParams(name: string, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value, i) => [`${name}.${i + 1}`, value]));
}

export interface SendSwarm {
  /** body -> msgId of every message whose send was answered with code 0. */
  readonly acked: ReadonlyMap<string, string>;
  /** Every body ever sent, answered or not. */
  readonly attempted: ReadonlySet<string>;
  /** Batches whose request broke at connection level (their fate is unknown). */
  readonly unansweredBatches: readonly (readonly string[])[];
  /** Connection-level failures; each sender stops at its first one. */
  readonly refusals: readonly unknown[];
  /** Answers other than code 0; each sender stops at its first one. */
  readonly unexpected: readonly CmqEnvelope[];
  /** Requests sent and not answered yet. */
  readonly inFlight: number;
  /** Resolves when every sender has stopped. */
  readonly done: Promise<void>;
}

/**
 * `senders` concurrent loops over keep-alive HTTP alternating SendMessage and BatchSendMessage x16, every
 * body unique. A loop stops only when its request fails at connection level (the server went away) or
 * is answered with a non-zero code.
 */
export function startSendSwarm(client: CmqTestClient, queueName: string, senders: number): SendSwarm {
  const acked = new Map<string, string>();
  const attempted = new Set<string>();
  const unansweredBatches: string[][] = [];
  const refusals: unknown[] = [];
  const unexpected: CmqEnvelope[] = [];
  let inFlight = 0;
  const sender = async (worker: number) => {
    for (let round = 0; ; round++) {
      const size = round % 2 === 0 ? 1 : BATCH_SIZE;
      // Bodies carry a tail so a half-written body would not match what was sent.
      const bodies = Array.from({ length: size }, (_, i) => `w${worker}-r${round}-m${i}-${'x'.repeat(64)}`);
      for (const body of bodies) attempted.add(body);
      inFlight++;
      let reply: CmqEnvelope;
      try {
        reply =
          size === 1
            ? await client.call('SendMessage', { queueName, msgBody: bodies[0]! })
            : await client.call('BatchSendMessage', { queueName, ...arrayParams('msgBody', bodies) });
      } catch (error) {
        if (size > 1) unansweredBatches.push(bodies);
        refusals.push(error);
        return;
      } finally {
        inFlight--;
      }
      const ids =
        reply.code !== 0
          ? []
          : size === 1
            ? [reply['msgId']]
            : ((reply['msgList'] as Array<{ msgId?: unknown }> | undefined) ?? []).map((m) => m.msgId);
      if (ids.length !== size || ids.some((id) => typeof id !== 'string' || id === '')) {
        unexpected.push(reply);
        return;
      }
      bodies.forEach((body, i) => acked.set(body, ids[i] as string));
    }
  };
  const done = Promise.all(Array.from({ length: senders }, (_, worker) => sender(worker))).then(() => {});
  return {
    acked,
    attempted,
    unansweredBatches,
    refusals,
    unexpected,
    get inFlight() {
      return inFlight;
    },
    done,
  };
}

/**
 * What a queue drained after a crash or shutdown holds compared with what the swarm was told. Every list
 * is empty when the promise held: nothing acknowledged lost (or with another msgId), nothing twice,
 * nothing that was never sent, no in-flight batch stored in part.
 */
export function compareWithAcknowledged(swarm: SendSwarm, received: readonly ReceivedMessage[]) {
  const byBody = new Map<string, ReceivedMessage>();
  const duplicates: string[] = [];
  for (const message of received) {
    if (byBody.has(message.msgBody)) duplicates.push(message.msgBody);
    byBody.set(message.msgBody, message);
  }
  return {
    lost: [...swarm.acked]
      .filter(([body, msgId]) => byBody.get(body)?.msgId !== msgId)
      .map(([body, msgId]) => ({ body, msgId, found: byBody.get(body)?.msgId })),
    duplicates,
    neverSent: [...byBody.keys()].filter((body) => !swarm.attempted.has(body)),
    partialBatches: swarm.unansweredBatches
      .map((batch) => ({ first: batch[0], stored: batch.filter((body) => byBody.has(body)).length }))
      .filter(({ stored }) => stored !== 0 && stored !== BATCH_SIZE),
  };
}

/** Receives and deletes (4 consumers) until the queue answers "no message"; returns what was received. */
export async function drainQueue(client: CmqTestClient, queueName: string): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const consumer = async () => {
    for (;;) {
      const reply = await client.call('BatchReceiveMessage', {
        queueName,
        numOfMsg: BATCH_SIZE,
        pollingWaitSeconds: 0,
      });
      if (reply.code === 7000) return;
      if (reply.code !== 0) throw new Error(`BatchReceiveMessage failed: ${JSON.stringify(reply)}`);
      const messages = reply['msgInfoList'] as ReceivedMessage[];
      received.push(...messages);
      await deleteMessages(client, queueName, messages);
    }
  };
  await Promise.all(Array.from({ length: 4 }, consumer));
  return received;
}

/** BatchDeleteMessage in batches of 16; throws unless every handle was deleted. */
export async function deleteMessages(
  client: CmqTestClient,
  queueName: string,
  messages: readonly ReceivedMessage[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += BATCH_SIZE) {
    const handles = messages.slice(i, i + BATCH_SIZE).map((m) => m.receiptHandle);
    const reply = await client.call('BatchDeleteMessage', {
      queueName,
      ...arrayParams('receiptHandle', handles),
    });
    if (reply.code !== 0) throw new Error(`BatchDeleteMessage failed: ${JSON.stringify(reply)}`);
  }
}
