import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmqBenchClient } from '../lib/cmq-client.js';
import { cmqConsumer } from '../lib/cmq-workers.js';
import { directoryBytes } from '../lib/directory-size.js';
import { restartUntilFirstMessage } from '../lib/opencmq-restart.js';
import {
  openCmqVersion,
  startOpenCmq,
  type OpenCmqOptions,
  type OpenCmqServer,
} from '../lib/opencmq-server.js';
import { preloadSqliteQueue } from '../lib/preload-sqlite-queue.js';
import { readRssMiB } from '../lib/process-rss.js';
import {
  driveInterleaved,
  type InterleaveOptions,
  type InterleavedSystem,
} from '../lib/interleaved-workload.js';
import { defaultTimelineIntervalMs } from '../lib/timeline.js';
import {
  completed,
  failed,
  isSelected,
  notSelected,
  ratioOf,
  type Scenario,
  type ScenarioContext,
  type SystemResult,
} from './scenario.js';
import { figureTargetOf, type Figure } from './targets.js';

/**
 * backlog: does receive + delete cost the same with millions of messages waiting as with few? OpenCMQ
 * against itself, through the server and HTTP (bench/store-scaling.ts is the engine-only version).
 *
 * Both queues are drained by the same 16 consumers (long-poll BatchReceiveMessage x16 +
 * BatchDeleteMessage, as in pipeline) with no producers, side by side: both servers run the whole time
 * and the consumers alternate between them in slices (lib/interleaved-workload.ts), each slice a fixed
 * number of messages (20,000: about a second here) counted after 2,000 not counted, so that the
 * machine's drift lands on both queues alike (docs/decisions/0017). The queues differ only in what they
 * hold: the small one exactly what the run drains plus a margin per slice (it ends nearly empty), the
 * large one N (1M under --quick, 10M otherwise, --backlog N). Producers would take the server's CPU from
 * the consumers, and slices of a time would need a small queue sized to a rate not yet known; counting
 * the same messages from both keeps the one difference the queue's size.
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
/** Counted slices are about a second long at the rate measured here (see WINDOW_MESSAGES_PER_SECOND). */
const SLICE_NOMINAL_MS = 1000;
const MIN_SLICE_MESSAGES = 2_000;
/** Drained at the start of each slice, not counted (the first receives after the other queue's slice). */
const SETTLE_MESSAGES = 2_000;
/**
 * Drained per slice (and per warm-up) beyond what it counts: a receive and a delete of BATCH in flight
 * per consumer when the slice stops (512), and what completes between the last unit a part needs and the
 * check that sees it, twice a slice (settle and counted part: every 2 ms, but a pause of the load
 * generator's event loop stretches that; 4,000 is 50 ms each at 40k msgs/s). The small queue holds this
 * much more per slice, so it does not run dry; if it did, the slices cut at their bound would show as
 * errors in its row.
 */
const SLICE_MARGIN_MESSAGES = 5_000;
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
const OTHER_SERVER_CPU = "the other queue's server's CPU during this queue's counted slices";
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
    const slices = Math.max(1, Math.round(context.durationMs / SLICE_NOMINAL_MS));
    const perSlice = Math.max(MIN_SLICE_MESSAGES, Math.round(stocks.window / slices));
    // What a slice drains beyond what it counts: its settling, the receives and deletes in flight when it
    // stops, and the few batches past its last counted unit before the check sees it.
    const smallMessages =
      stocks.warmup + SLICE_MARGIN_MESSAGES + slices * (SETTLE_MESSAGES + perSlice + SLICE_MARGIN_MESSAGES);
    const subject = `opencmq-${context.engine}`;
    const small = `${subject}-small`;
    const large = `${subject}-${countLabel(backlogMessages)}`;
    const drains = `drains ${stocks.warmup.toLocaleString('en-US')} messages (warm-up, not counted), then ${slices} slices of ${perSlice.toLocaleString('en-US')} counted after ${SETTLE_MESSAGES.toLocaleString('en-US')} not counted, alternating with the other queue's server`;
    const smallSetup = `engine ${context.engine}; a queue preloaded with the ${smallMessages.toLocaleString('en-US')} messages the run drains and a margin of ${SLICE_MARGIN_MESSAGES.toLocaleString('en-US')} a slice and for the warm-up (messages in flight when a slice stops; it ends with a few margins left); ${drains}`;
    const largeSetup = `engine ${context.engine}; a queue preloaded with ${backlogMessages.toLocaleString('en-US')} messages; ${drains}; then a restart (SIGTERM, a new process on the same data directory, ReceiveMessage until a message comes back)`;
    const systems: SystemResult[] =
      context.engine === 'sqlite'
        ? await runDrains(context, {
            small: { system: small, setup: smallSetup, messages: smallMessages, restart: false },
            large: { system: large, setup: largeSetup, messages: backlogMessages, restart: true },
            slicing: {
              warmup: { units: stocks.warmup, boundMs: BOUND_FACTOR * context.warmupMs + BOUND_EXTRA_MS },
              slices,
              settle: { units: SETTLE_MESSAGES, boundMs: BOUND_FACTOR * SLICE_NOMINAL_MS },
              slice: { units: perSlice, boundMs: BOUND_FACTOR * SLICE_NOMINAL_MS },
              timelineIntervalMs: Math.min(defaultTimelineIntervalMs(context.durationMs), 500),
            },
          })
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
        slices,
        messagesPerSlice: perSlice,
        settleMessagesPerSlice: SETTLE_MESSAGES,
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

interface DrainSpec {
  readonly system: string;
  readonly setup: string;
  readonly messages: number;
  readonly restart: boolean;
}

/** One queue's server, started on its preloaded data directory, with the load that drains it. */
interface Drain {
  readonly spec: DrainSpec;
  readonly dataDir: string;
  readonly figures: Figure[];
  readonly startOptions: OpenCmqOptions & { readonly dataDir: string };
  server: OpenCmqServer;
  readonly clients: CmqBenchClient[];
  readonly load: InterleavedSystem;
  readonly rssAfterStart: number | undefined;
  rssPeak: number;
}

/**
 * Preloads both queues, starts a server on each, drains them side by side in alternating slices
 * (lib/interleaved-workload.ts), then restarts the large one. A system left out with --systems is not
 * preloaded; the other then drains alone.
 */
async function runDrains(
  context: ScenarioContext,
  plan: {
    readonly small: DrainSpec;
    readonly large: DrainSpec;
    readonly slicing: InterleaveOptions;
  },
): Promise<SystemResult[]> {
  const results = new Map<string, SystemResult>();
  const drains: Drain[] = [];
  try {
    for (const spec of [plan.small, plan.large]) {
      if (!isSelected(context, spec.system)) {
        results.set(spec.system, notSelected(spec.system, 'subject', spec.setup));
        continue;
      }
      context.log(`  ${spec.system}: running`);
      try {
        if (spec.restart && spec.messages < plan.small.messages) {
          throw new Error(
            `--backlog ${spec.messages} is smaller than the ${plan.small.messages} messages the run drains`,
          );
        }
        drains.push(await startDrain(context, spec));
      } catch (error) {
        results.set(spec.system, failed(context, spec.system, 'subject', spec.setup, error));
      }
    }
    if (drains.length > 0) {
      const measurements = await driveInterleaved(
        drains.map((drain) => drain.load),
        plan.slicing,
      );
      for (const [i, drain] of drains.entries()) {
        const { system, setup } = drain.spec;
        const measurement = measurements[i]!;
        try {
          const figures = await finish(drain);
          if (measurement.otherServersCores !== undefined)
            figures.push({ name: OTHER_SERVER_CPU, value: measurement.otherServersCores, unit: 'cores' });
          results.set(
            system,
            completed(context, system, 'subject', setup, {
              version: openCmqVersion(drain.server.engine),
              measurement,
              gaugeName: GAUGE,
              figures,
            }),
          );
        } catch (error) {
          results.set(system, failed(context, system, 'subject', setup, error));
        }
      }
    }
  } finally {
    for (const drain of drains) {
      try {
        for (const client of drain.clients) client.close();
        await drain.server.stop();
      } catch (error) {
        context.log(`  ${drain.spec.system}: stopping its server failed: ${String(error)}`);
      } finally {
        rmSync(drain.dataDir, { recursive: true, force: true });
      }
    }
  }
  return [plan.small, plan.large].map((spec) => results.get(spec.system)!);
}

async function startDrain(context: ScenarioContext, spec: DrainSpec): Promise<Drain> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-bench-backlog-'));
  try {
    const figures: Figure[] = [];
    context.log(`    preloading ${spec.messages.toLocaleString('en-US')} messages into ${dataDir}`);
    const preload = await preloadSqliteQueue({
      dataDir,
      queueName: QUEUE,
      messages: spec.messages,
      onProgress: (sent, seconds) =>
        context.log(`    ${sent.toLocaleString('en-US')} preloaded in ${seconds.toFixed(1)} s`),
    });
    figures.push(
      { name: 'preload', value: preload.seconds, unit: 's' },
      { name: 'preload rate', value: spec.messages / preload.seconds, unit: 'msgs/s' },
      { name: 'data on disk', value: directoryBytes(dataDir) / 1e6, unit: 'MB' },
    );
    const startOptions = {
      repoRoot: context.repoRoot,
      engine: context.engine,
      cpuProfileDir: context.cpuProfileDir,
      nodeOptions: context.nodeOptions,
      dataDir,
    };
    const server = await startOpenCmq(startOptions);
    const pid = server.pid;
    const clients: CmqBenchClient[] = [];
    const client = () => {
      const c = new CmqBenchClient(server);
      clients.push(c);
      return c;
    };
    // Two connections per consumer, made once and used by every slice's consumers.
    const pairs = Array.from({ length: CONSUMERS }, () => ({ receive: client(), remove: client() }));
    const rssAfterStart = readRssMB(pid);
    const drain: Drain = {
      spec,
      dataDir,
      figures,
      startOptions,
      server,
      clients,
      rssAfterStart,
      rssPeak: rssAfterStart ?? 0,
      load: {
        serverPid: pid,
        gauge: () => {
          const now = readRssMB(pid) ?? 0;
          drain.rssPeak = Math.max(drain.rssPeak, now);
          return now;
        },
        workers: (meter) =>
          pairs.map(({ receive, remove }) =>
            cmqConsumer(receive, {
              queue: QUEUE,
              batch: BATCH,
              pollingWaitSeconds: POLLING_WAIT_SECONDS,
              gate: undefined,
              meter,
              deleteClient: remove,
            }),
          ),
      },
    };
    return drain;
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Memory figures after the drain and, for the large queue, the restart. */
async function finish(drain: Drain): Promise<Figure[]> {
  const figures = drain.figures;
  const rssAtEnd = drain.load.gauge!();
  if (drain.rssAfterStart !== undefined)
    figures.push({ name: 'server RSS after start', value: drain.rssAfterStart, unit: 'MB' });
  figures.push(
    { name: 'server RSS at end', value: rssAtEnd, unit: 'MB' },
    { name: RSS_PEAK, value: drain.rssPeak, unit: 'MB' },
  );
  if (drain.spec.restart) {
    const restarted = await restartUntilFirstMessage(drain.server, drain.startOptions, QUEUE);
    drain.server = restarted.server;
    const times = restarted.times;
    figures.push(
      { name: 'shutdown (SIGTERM to exit)', value: times.shutdownSeconds, unit: 's' },
      { name: 'start (spawn to listening)', value: times.startSeconds, unit: 's' },
      { name: 'listening to first message', value: times.firstMessageSeconds, unit: 's' },
      { name: RESTART, value: times.totalSeconds, unit: 's' },
    );
    const rssAfterRestart = readRssMB(drain.server.pid);
    if (rssAfterRestart !== undefined)
      figures.push({ name: 'server RSS after restart', value: rssAfterRestart, unit: 'MB' });
  }
  return figures;
}

/** The server's resident memory in MB (10^6 bytes), the unit of the bound. */
function readRssMB(pid: number): number | undefined {
  const mib = readRssMiB(pid);
  return mib === undefined ? undefined : (mib * 2 ** 20) / 1e6;
}

function skipped(context: ScenarioContext, system: string, setup: string): SystemResult {
  if (!isSelected(context, system)) return notSelected(system, 'subject', setup);
  context.log(`  ${system}: skipped: ${MEMORY_ENGINE_REASON}`);
  return {
    system,
    role: 'subject',
    version: undefined,
    status: 'skipped',
    reason: MEMORY_ENGINE_REASON,
    setup,
  };
}

/** 1M, 10M, 250k, 1500. */
function countLabel(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 100 === 0) return `${count / 1_000}k`;
  return String(count);
}
