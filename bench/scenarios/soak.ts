import { callOrThrow } from '../lib/cmq-client.js';
import { checkDrift, verdictOf, type DriftCheck, type DriftRule } from '../lib/drift.js';
import { openCmqVersion } from '../lib/opencmq-server.js';
import { withOpenCmq } from '../lib/opencmq-session.js';
import { loadgenMicrosPerUnit, serverMicrosPerUnit } from '../lib/timeline.js';
import { TokenBucket } from '../lib/token-bucket.js';
import {
  BACKLOG_CAP,
  BATCH,
  CONSUMERS,
  driveOpenCmqPipeline,
  PIPELINE_SETTINGS,
  PRODUCERS,
} from './pipeline.js';
import { runSystem, type Ratio, type Scenario, type ScenarioContext, type SystemRun } from './scenario.js';

/**
 * soak: the pipeline workload held for a long time at a fixed rate well below saturation, to see whether
 * OpenCMQ stays flat: server memory, latency and delivered rate at the end of the window against its start.
 *
 * The rate is half of what an unpaced pipeline run measured a moment before in the same server process
 * (or `--rate`): at saturation the latency is set by the backlog cap and any slow-down is hidden in it;
 * at half the rate the consumers keep up, the backlog stays near zero, and a drift shows as a drift.
 * Producers take their batches from one token bucket, so the aggregate send rate is fixed whatever the
 * latency of each request. The backlog cap stays in place as a safety net: if the server falls behind,
 * the delivered rate drops below the paced rate instead of the queue growing for 10 minutes.
 *
 * Same shape as pipeline.ts (the figures below are its figures); OpenCMQ only: the question is OpenCMQ's
 * own drift, and a paced peer run would double a 10-minute scenario.
 */
const PACED_SHARE = 0.5;
/** Largest burst after a stall: one batch per producer. */
const PACER_CAPACITY = PRODUCERS * BATCH;
const QUEUE = 'bench-soak';
const CALIBRATION_QUEUE = 'bench-soak-calibration';
const GAUGE = 'backlog (msgs)';
const TARGET_SHARE_OF_PACED_RATE = 0.95;

/** Full run: 10 minutes, a point per second. Quick: 27 s at 0.5 s (54 points), 35 s with calibration. */
const FULL = { windowMs: 600_000, sampleIntervalMs: 1000, calibrationWarmupMs: 2000, calibrationMs: 5000 };
const QUICK = { windowMs: 27_000, sampleIntervalMs: 500, calibrationWarmupMs: 1000, calibrationMs: 3000 };

/**
 * Flat means: memory within 10 % or 8 MiB (the SQLite page cache and V8's heap settle within MiBs, a
 * leak of 4 bytes per message passes 10 % of 170 MiB in 10 minutes at 7,000 msgs/s), latency within
 * 1.5x or 5 ms (one-second percentiles on a shared 2-core machine move by tens of percent; 5 ms keeps
 * a 2 -> 4 ms change from counting as a 2x drift), delivered rate at least 90 % of the first fifth's.
 * CPU time per message, the server's and the load generator's, within 1.25x or 3 µs: a cost that grows
 * with the messages passed shows here before it shows in the latency, and says which side it is on. The
 * server's GC pauses (ms per second) within 1.5x or 5 ms/s: a p99 that climbs with a flat p50 is what
 * lengthening pauses would look like. The data directory within 1.25x or 64 MiB (the WAL may grow to its
 * 32-MiB restart point and stay that size; 10 minutes of messages left behind would be gigabytes).
 * The host's steal (CPU time the hypervisor gave to other guests while this machine wanted it) is shown
 * for context, outside the verdict: a p99 that climbs with it is the neighbours, not OpenCMQ.
 */
const DRIFT_RULES: readonly DriftRule[] = [
  {
    name: 'server RSS',
    unit: 'MiB',
    worseWhen: 'higher',
    maxWorsening: 0.1,
    slack: 8,
    pick: (p) => p.serverRssMiB,
  },
  { name: 'p99 latency', unit: 'ms', worseWhen: 'higher', maxWorsening: 0.5, slack: 5, pick: (p) => p.p99Ms },
  { name: 'p50 latency', unit: 'ms', worseWhen: 'higher', maxWorsening: 0.5, slack: 5, pick: (p) => p.p50Ms },
  {
    name: 'delivered rate',
    unit: 'msgs/s',
    worseWhen: 'lower',
    maxWorsening: 0.1,
    slack: 0,
    pick: (p) => p.rate,
  },
  {
    name: 'server CPU per message',
    unit: 'µs',
    worseWhen: 'higher',
    maxWorsening: 0.25,
    slack: 3,
    pick: serverMicrosPerUnit,
  },
  {
    name: 'load generator CPU per message',
    unit: 'µs',
    worseWhen: 'higher',
    maxWorsening: 0.25,
    slack: 3,
    pick: loadgenMicrosPerUnit,
  },
  {
    name: 'server GC pauses',
    unit: 'ms/s',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 5,
    pick: (p) => p.serverGcMsPerSecond,
  },
  {
    name: 'data on disk',
    unit: 'MiB',
    worseWhen: 'higher',
    maxWorsening: 0.25,
    slack: 64,
    pick: (p) => p.dataMiB,
  },
  {
    name: "load generator's event-loop delay, p99",
    unit: 'ms',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 2,
    pick: (p) => p.loadgenLoopDelayP99Ms,
    context: true,
  },
  {
    name: "load generator's GC pauses",
    unit: 'ms/s',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 5,
    pick: (p) => p.loadgenGcMsPerSecond,
    context: true,
  },
  {
    name: "load generator's heap",
    unit: 'MiB',
    worseWhen: 'higher',
    maxWorsening: 0.25,
    slack: 16,
    pick: (p) => p.loadgenHeapMiB,
    context: true,
  },
  {
    name: "load generator's wait for a core",
    unit: 'ms/s',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 5,
    pick: (p) => p.loadgenRunDelayMsPerSecond,
    context: true,
  },
  {
    name: "server's wait for a core",
    unit: 'ms/s',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 5,
    pick: (p) => p.serverRunDelayMsPerSecond,
    context: true,
  },
  {
    name: 'rest of machine CPU',
    unit: 'cores',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 0.05,
    pick: (p) => p.restCores,
    context: true,
  },
  {
    name: 'WAL fdatasync, mean',
    unit: 'ms',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 0.5,
    pick: (p) => p.serverSyncMs,
    context: true,
  },
  {
    name: "host's steal",
    unit: 'cores',
    worseWhen: 'higher',
    maxWorsening: 0.5,
    slack: 0.05,
    pick: (p) => p.machineStealCores,
    context: true,
  },
];

export const soak: Scenario = {
  name: 'soak',
  title: `pipeline's workload (${PRODUCERS} producers BatchSendMessage x${BATCH}, ${CONSUMERS} consumers long-poll BatchReceiveMessage x${BATCH} + BatchDeleteMessage, 256-byte bodies) paced at ${PACED_SHARE}x the calibrated rate for a long window: memory, latency and rate over time`,
  async run(context) {
    const plan = context.quick ? QUICK : FULL;
    const windowMs = context.durationFlagMs ?? plan.windowMs;
    const subject = `opencmq-${context.engine}`;
    let calibratedRate: number | undefined;
    let pacedRate = context.pacedRatePerSecond;
    const result = await runSystem(
      context,
      subject,
      'subject',
      `engine ${context.engine}; every request signed; producers paced by one token bucket (burst ${PACER_CAPACITY} msgs), backlog cap ${BACKLOG_CAP} as a safety net; ` +
        (context.pacedRatePerSecond === undefined
          ? `rate = ${PACED_SHARE} x an unpaced pipeline run of ${plan.calibrationMs / 1000} s (after ${plan.calibrationWarmupMs / 1000} s warm-up) in the same server process, on another queue`
          : 'rate given with --rate'),
      () =>
        runOpenCmq(context, {
          windowMs,
          sampleIntervalMs: plan.sampleIntervalMs,
          calibration: plan,
          onRate: (calibrated, paced) => {
            calibratedRate = calibrated;
            pacedRate = paced;
          },
        }),
    );
    const systems = [result];
    const m = result.measurement;
    const drift: DriftCheck[] =
      m === undefined ? [] : DRIFT_RULES.map((rule) => checkDrift(m.timeline.points, rule));
    for (const check of drift) {
      context.log(
        `  ${check.name}: first fifth ${show(check.firstFifth)} ${check.unit}, last fifth ${show(check.lastFifth)} ${check.unit}` +
          `, ratio ${check.ratio === null ? '–' : check.ratio.toFixed(2)} (${check.tolerance}): ${check.flat === null ? 'unknown' : check.flat ? 'flat' : 'DRIFT'}`,
      );
    }
    if (m !== undefined) context.log(`  soak verdict: ${verdictOf(drift)}`);
    const ratio: Ratio = {
      name: 'soak: delivered / paced msgs/s',
      numerator: subject,
      denominator: 'paced rate',
      value: m === undefined || pacedRate === undefined ? undefined : m.rate / pacedRate,
      target: TARGET_SHARE_OF_PACED_RATE,
    };
    return {
      scenario: 'soak',
      title: this.title,
      unit: 'msgs/s',
      latencyMeaning: 'send to receive',
      settings: {
        ...PIPELINE_SETTINGS,
        windowSeconds: windowMs / 1000,
        sampleIntervalSeconds: plan.sampleIntervalMs / 1000,
        rateSource: context.pacedRatePerSecond === undefined ? 'calibrated' : '--rate',
        pacedShare: PACED_SHARE,
        ...(calibratedRate === undefined ? {} : { calibratedRate: Math.round(calibratedRate) }),
        ...(pacedRate === undefined ? {} : { pacedRate: Math.round(pacedRate) }),
      },
      systems,
      ratios: [ratio],
      charts: ['throughput', 'latency', 'rss', 'cpu'],
      ...(pacedRate === undefined ? {} : { targetRate: pacedRate }),
      drift,
    };
  },
};

const show = (value: number | null): string => (value === null ? '–' : value.toFixed(1));

interface SoakPlan {
  readonly windowMs: number;
  readonly sampleIntervalMs: number;
  readonly calibration: { readonly calibrationWarmupMs: number; readonly calibrationMs: number };
  /** Told the calibrated (undefined with --rate) and the paced rate once known. */
  readonly onRate: (calibrated: number | undefined, paced: number) => void;
}

async function runOpenCmq(context: ScenarioContext, plan: SoakPlan): Promise<SystemRun> {
  return withOpenCmq(context, async (session) => {
    const admin = session.client();
    let pacedRate = context.pacedRatePerSecond;
    let calibratedRate: number | undefined;
    if (pacedRate === undefined) {
      await callOrThrow(admin, 'CreateQueue', { queueName: CALIBRATION_QUEUE });
      const calibration = await driveOpenCmqPipeline(session, CALIBRATION_QUEUE, {
        warmupMs: plan.calibration.calibrationWarmupMs,
        durationMs: plan.calibration.calibrationMs,
        pacer: undefined,
      });
      // Its leftover messages (at most the backlog cap) must not linger in the store during the soak.
      await callOrThrow(admin, 'DeleteQueue', { queueName: CALIBRATION_QUEUE });
      calibratedRate = calibration.rate;
      pacedRate = calibration.rate * PACED_SHARE;
      context.log(
        `  calibration: ${Math.round(calibration.rate)} msgs/s unpaced, p99 ${calibration.latency?.p99Ms.toFixed(1) ?? '–'} ms; pacing at ${Math.round(pacedRate)} msgs/s`,
      );
    }
    if (!(pacedRate > 0)) throw new Error('calibration delivered no messages: nothing to pace at');
    plan.onRate(calibratedRate, pacedRate);
    await callOrThrow(admin, 'CreateQueue', { queueName: QUEUE });
    context.log(`  soaking for ${plan.windowMs / 1000} s at ${Math.round(pacedRate)} msgs/s`);
    const measurement = await driveOpenCmqPipeline(session, QUEUE, {
      warmupMs: context.warmupMs,
      durationMs: plan.windowMs,
      pacer: new TokenBucket({ ratePerSecond: pacedRate, capacity: PACER_CAPACITY }),
      timelineIntervalMs: plan.sampleIntervalMs,
    });
    return { version: openCmqVersion(session.server.engine), measurement, gaugeName: GAUGE };
  });
}
