import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmqBenchClient } from '../lib/cmq-client.js';
import { cmqConsumer } from '../lib/cmq-workers.js';
import { directoryBytes } from '../lib/directory-size.js';
import { Meter } from '../lib/meter.js';
import { restartUntilFirstMessage } from '../lib/opencmq-restart.js';
import { openCmqVersion, startOpenCmq, type OpenCmqServer } from '../lib/opencmq-server.js';
import { preloadSqliteQueue } from '../lib/preload-sqlite-queue.js';
import { readRssMiB } from '../lib/process-rss.js';
import { drive } from '../lib/workload.js';
import {
  NOT_SELECTED,
  ratioOf,
  runSystem,
  type Scenario,
  type ScenarioContext,
  type SystemResult,
  type SystemRun,
} from './scenario.js';
import { figureTargetOf, type Figure } from './targets.js';

/**
 * backlog: does receive + delete cost the same with millions of messages waiting as with few? OpenCMQ
 * against itself, through the server and HTTP (bench/store-scaling.ts is the engine-only version).
 *
 * Both runs drain the same number of messages with the same 16 consumers (long-poll BatchReceiveMessage
 * x16 + BatchDeleteMessage, as in pipeline) and no producers: a warm-up stock, then a measured stock.
 * They differ only in what the queue holds: the small run's queue holds exactly those two stocks and
 * ends empty; the backlog run's holds N (1M under --quick, 10M otherwise, --backlog N). Producers would
 * take the server's CPU from the consumers, and a fixed time window would need a stock sized to an
 * unknown rate; counting the same messages in both keeps the one difference the queue's size.
 *
 * The queues are filled in the bench process through the SQLite engine before the server starts on
 * the directory (lib/preload-sqlite-queue.ts): HTTP sends at pipeline rates would take minutes per
 * million. The memory engine lives only inside the server process, so it cannot be preloaded.
 *
 * Also measured on the backlog run: the server's memory (VmRSS) after start, during and at the end, and
 * a restart: SIGTERM, a new process on the same directory, and the first ReceiveMessage that returns a
 * message.
 */
const CONSUMERS = 16;
const BATCH = 16;
const POLLING_WAIT_SECONDS = 5;
const QUICK_BACKLOG = 1_000_000;
const FULL_BACKLOG = 10_000_000;
/**
 * Stocks per second of --warmup and --duration: at the receive + delete rate measured here on the 2-core
 * dev machine (about 20k msgs/s), the measured stock lasts about --duration (160k messages, 8 s, under
 * --quick). The warm-up stock is half as long: the server's JIT and page cache warm in a second.
 */
const WARMUP_MESSAGES_PER_SECOND = 10_000;
const WINDOW_MESSAGES_PER_SECOND = 20_000;
const MIN_WINDOW_MESSAGES = 10_000;
/** A stalled drain still ends: each part is cut at this many times its nominal length, plus 30 s. */
const BOUND_FACTOR = 10;
const BOUND_EXTRA_MS = 30_000;
const RATIO_TARGET = 0.9;
/** The bound, in MB of 10^6 bytes (VmRSS is in KiB; 300 MiB would be 5 % more lenient). */
const RSS_TARGET_MB = 300;
const RESTART_TARGET_SECONDS = 10;
const QUEUE = 'bench-backlog';
const GAUGE = 'server RSS (MB)';
const RSS_PEAK = 'server RSS peak';
const RESTART = 'restart, SIGTERM to first message';
const MEMORY_ENGINE_REASON =
  'the memory engine keeps messages inside the server process, so a backlog cannot be preloaded before it starts (and over HTTP it would take minutes per million); run with --engine sqlite';

export const backlog: Scenario = {
  name: 'backlog',
  title: `receive + delete (${CONSUMERS} consumers, long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage, no producers) from a queue holding a large preloaded backlog, against a queue holding only what the run drains; server memory; restart time`,
  async run(context) {
    const backlogMessages = context.backlogMessages ?? (context.quick ? QUICK_BACKLOG : FULL_BACKLOG);
    const stocks = {
      warmup: Math.round((context.warmupMs / 1000) * WARMUP_MESSAGES_PER_SECOND),
      window: Math.max(
        MIN_WINDOW_MESSAGES,
        Math.round((context.durationMs / 1000) * WINDOW_MESSAGES_PER_SECOND),
      ),
    };
    const smallMessages = stocks.warmup + stocks.window;
    const subject = `opencmq-${context.engine}`;
    const small = `${subject}-small`;
    const large = `${subject}-${countLabel(backlogMessages)}`;
    const drains = `drains ${stocks.warmup.toLocaleString('en-US')} messages (warm-up, not counted), then ${stocks.window.toLocaleString('en-US')} (measured)`;
    const smallSetup = `engine ${context.engine}; a queue preloaded with exactly the ${smallMessages.toLocaleString('en-US')} messages the run drains (it ends empty); ${drains}`;
    const largeSetup = `engine ${context.engine}; a queue preloaded with ${backlogMessages.toLocaleString('en-US')} messages; ${drains}; then a restart (SIGTERM, a new process on the same data directory, ReceiveMessage until a message comes back)`;
    const systems: SystemResult[] =
      context.engine === 'sqlite'
        ? [
            await runSystem(context, small, 'subject', smallSetup, () =>
              runDrain(context, smallMessages, stocks, false),
            ),
            await runSystem(context, large, 'subject', largeSetup, () => {
              if (backlogMessages < smallMessages) {
                throw new Error(
                  `--backlog ${backlogMessages} is smaller than the ${smallMessages} messages the run drains`,
                );
              }
              return runDrain(context, backlogMessages, stocks, true);
            }),
          ]
        : [skipped(context, small, smallSetup), skipped(context, large, largeSetup)];
    const label = countLabel(backlogMessages);
    return {
      scenario: 'backlog',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'none (preloaded bodies carry no send time)',
      settings: {
        consumers: CONSUMERS,
        batch: BATCH,
        bodyBytes: 256,
        pollingWaitSeconds: POLLING_WAIT_SECONDS,
        backlogMessages,
        warmupMessages: stocks.warmup,
        measuredMessages: stocks.window,
      },
      systems,
      ratios: [
        ratioOf(
          systems,
          large,
          small,
          `backlog: ${label}-message queue / small queue, receive+delete msgs/s`,
          RATIO_TARGET,
        ),
      ],
      targets: [
        figureTargetOf(
          systems,
          large,
          RSS_PEAK,
          `backlog: OpenCMQ server RSS peak with ${label} messages`,
          '<=',
          RSS_TARGET_MB,
          'MB',
        ),
        figureTargetOf(
          systems,
          large,
          RESTART,
          `backlog: OpenCMQ restart with ${label} messages, SIGTERM to first message`,
          '<=',
          RESTART_TARGET_SECONDS,
          's',
        ),
      ],
    };
  },
};

/** Preloads a queue with `messages`, starts the server on it, drains the stocks, optionally restarts. */
async function runDrain(
  context: ScenarioContext,
  messages: number,
  stocks: { readonly warmup: number; readonly window: number },
  restart: boolean,
): Promise<SystemRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-bench-backlog-'));
  try {
    const figures: Figure[] = [];
    context.log(`    preloading ${messages.toLocaleString('en-US')} messages into ${dataDir}`);
    const preload = await preloadSqliteQueue({
      dataDir,
      queueName: QUEUE,
      messages,
      onProgress: (sent, seconds) =>
        context.log(`    ${sent.toLocaleString('en-US')} preloaded in ${seconds.toFixed(1)} s`),
    });
    figures.push(
      { name: 'preload', value: preload.seconds, unit: 's' },
      { name: 'preload rate', value: messages / preload.seconds, unit: 'msgs/s' },
      { name: 'data on disk', value: directoryBytes(dataDir) / 1e6, unit: 'MB' },
    );
    const startOptions = {
      repoRoot: context.repoRoot,
      engine: context.engine,
      cpuProfileDir: context.cpuProfileDir,
      nodeOptions: context.nodeOptions,
      dataDir,
    };
    let server: OpenCmqServer = await startOpenCmq(startOptions);
    try {
      const pid = server.pid;
      const rssAfterStart = readRssMB(pid);
      let rssPeak = rssAfterStart ?? 0;
      const rss = () => {
        const now = readRssMB(pid) ?? 0;
        rssPeak = Math.max(rssPeak, now);
        return now;
      };
      const meter = new Meter();
      const clients: CmqBenchClient[] = [];
      const client = () => {
        const c = new CmqBenchClient(server);
        clients.push(c);
        return c;
      };
      const measurement = await drive({
        workers: Array.from({ length: CONSUMERS }, () =>
          cmqConsumer(client(), {
            queue: QUEUE,
            batch: BATCH,
            pollingWaitSeconds: POLLING_WAIT_SECONDS,
            gate: undefined,
            meter,
            deleteClient: client(),
          }),
        ),
        meter,
        warmupMs: BOUND_FACTOR * context.warmupMs + BOUND_EXTRA_MS,
        durationMs: BOUND_FACTOR * context.durationMs + BOUND_EXTRA_MS,
        untilUnits: stocks,
        serverPid: pid,
        gauge: rss,
        onStop: () => {
          for (const client of clients) client.close();
        },
      });
      const rssAtEnd = rss();
      if (rssAfterStart !== undefined)
        figures.push({ name: 'server RSS after start', value: rssAfterStart, unit: 'MB' });
      figures.push(
        { name: 'server RSS at end', value: rssAtEnd, unit: 'MB' },
        { name: RSS_PEAK, value: rssPeak, unit: 'MB' },
      );
      if (restart) {
        const restarted = await restartUntilFirstMessage(server, startOptions, QUEUE);
        server = restarted.server;
        const times = restarted.times;
        figures.push(
          { name: 'shutdown (SIGTERM to exit)', value: times.shutdownSeconds, unit: 's' },
          { name: 'start (spawn to listening)', value: times.startSeconds, unit: 's' },
          { name: 'listening to first message', value: times.firstMessageSeconds, unit: 's' },
          { name: RESTART, value: times.totalSeconds, unit: 's' },
        );
        const rssAfterRestart = readRssMB(server.pid);
        if (rssAfterRestart !== undefined)
          figures.push({ name: 'server RSS after restart', value: rssAfterRestart, unit: 'MB' });
      }
      return { version: openCmqVersion(server.engine), measurement, gaugeName: GAUGE, figures };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The server's resident memory in MB (10^6 bytes), the unit of the bound. */
function readRssMB(pid: number): number | undefined {
  const mib = readRssMiB(pid);
  return mib === undefined ? undefined : (mib * 2 ** 20) / 1e6;
}

function skipped(context: ScenarioContext, system: string, setup: string): SystemResult {
  const selected =
    context.systems === undefined || context.systems.some((wanted) => system.startsWith(wanted));
  const reason = selected ? MEMORY_ENGINE_REASON : NOT_SELECTED;
  if (selected) context.log(`  ${system}: skipped: ${reason}`);
  return { system, role: 'subject', version: undefined, status: 'skipped', reason, setup };
}

/** 1M, 10M, 250k, 1500. */
function countLabel(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 100 === 0) return `${count / 1_000}k`;
  return String(count);
}
