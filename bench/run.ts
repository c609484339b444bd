/**
 * OpenCMQ benchmarks against RabbitMQ, NATS JetStream and a bare node:http ceiling.
 *
 *   npm run bench -- <scenario|all> [--quick] [--engine sqlite|memory] [--duration SECONDS]
 *                    [--warmup SECONDS] [--cpu-prof] [--systems LIST] [--rabbitmq-url URL] [--nats-url URL]
 *                    [--out DIR] [--rate MSGS_PER_SECOND] [--backlog MESSAGES] [--rounds N]
 *                    [--bare-work-us MICROSECONDS] [--server-node-option=--OPTION ...]
 *
 * Runs the systems of each scenario side by side in alternating slices (`soak`: OpenCMQ alone), then writes
 * bench/results/<time>-<label>.json and .md with the commit, the machine and the peers' versions.
 * See bench/README.md for what each scenario measures and how the peers are tuned.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderFlameGraph, type CpuProfile } from './lib/flame-graph.js';
import { readMachineInfo } from './lib/machine.js';
import { ENGINES, type Engine } from './lib/opencmq-server.js';
import { renderMarkdown, writeReport, type BenchReport } from './lib/report.js';
import { pickMedianRound } from './lib/rounds.js';
import { isServerNodeOption } from './lib/server-node-option.js';
import { SCENARIOS } from './scenarios/index.js';
import type { ScenarioContext, ScenarioResult } from './scenarios/scenario.js';
import { redactCredentials } from './lib/redact-credentials.js';

const QUICK = { warmupSeconds: 2, durationSeconds: 8 };
const FULL = { warmupSeconds: 5, durationSeconds: 30 };

const USAGE = `usage: npm run bench -- <${[...SCENARIOS.map((s) => s.name), 'all'].join('|')}> [--quick] [--engine ${ENGINES.join('|')}] [--duration S] [--warmup S] [--cpu-prof] [--systems opencmq,rabbitmq,nats,bare] [--rabbitmq-url URL] [--nats-url URL] [--out DIR] [--rate MSGS_PER_SECOND] [--backlog MESSAGES] [--rounds N] [--bare-work-us MICROSECONDS] [--server-node-option=--NODE-OR-V8-OPTION ...]`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      engine: { type: 'string', default: 'sqlite' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'rabbitmq-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
      'nats-url': { type: 'string', default: 'nats://127.0.0.1:4222' },
      systems: { type: 'string' },
      out: { type: 'string' },
      rate: { type: 'string' },
      backlog: { type: 'string' },
      rounds: { type: 'string', default: '1' },
      'bare-work-us': { type: 'string', default: '0' },
      'server-node-option': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const wanted = positionals[0] ?? 'all';
  const scenarios = wanted === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === wanted);
  if (scenarios.length === 0 || positionals.length > 1) {
    process.stderr.write(`unknown scenario ${positionals.join(' ')}\n${USAGE}\n`);
    return 2;
  }
  if (!(ENGINES as readonly string[]).includes(values.engine)) {
    process.stderr.write(`--engine must be one of ${ENGINES.join(', ')}\n`);
    return 2;
  }
  const defaults = values.quick ? QUICK : FULL;
  const durationFlagSeconds = seconds(values.duration, '--duration');
  const durationSeconds = durationFlagSeconds ?? defaults.durationSeconds;
  const pacedRatePerSecond = values.rate === undefined ? undefined : Number(values.rate);
  if (pacedRatePerSecond !== undefined && !(pacedRatePerSecond > 0)) {
    process.stderr.write(`--rate must be a positive number of messages per second, got ${values.rate}\n`);
    return 2;
  }
  const warmupSeconds = seconds(values.warmup, '--warmup') ?? defaults.warmupSeconds;
  const backlogMessages = values.backlog === undefined ? undefined : Number(values.backlog);
  if (backlogMessages !== undefined && !(Number.isSafeInteger(backlogMessages) && backlogMessages > 0)) {
    process.stderr.write(`--backlog must be a positive whole number of messages, got ${values.backlog}\n`);
    return 2;
  }
  const rounds = Number(values.rounds);
  if (!(Number.isSafeInteger(rounds) && rounds >= 1)) {
    process.stderr.write(`--rounds must be a whole number from 1, got ${values.rounds}\n`);
    return 2;
  }
  const bareWorkMicros = Number(values['bare-work-us']);
  if (!(Number.isFinite(bareWorkMicros) && bareWorkMicros >= 0 && bareWorkMicros <= 1_000_000)) {
    process.stderr.write(
      `--bare-work-us must be a number of microseconds from 0 to 1000000, got ${values['bare-work-us']}\n`,
    );
    return 2;
  }
  const nodeOptions = values['server-node-option'];
  const badNodeOption = nodeOptions.find((option) => !isServerNodeOption(option));
  if (badNodeOption !== undefined) {
    process.stderr.write(
      `--server-node-option takes one Node or V8 option written --name or --name=value (not --cpu-prof*: use --cpu-prof), got ${JSON.stringify(badNodeOption)}\n`,
    );
    return 2;
  }
  const repoRoot = resolve(import.meta.dirname, '..');
  const outDir = resolve(values.out ?? join(repoRoot, 'bench', 'results'));
  const startedAt = new Date().toISOString();
  const context: ScenarioContext = {
    repoRoot,
    engine: values.engine as Engine,
    quick: values.quick,
    warmupMs: warmupSeconds * 1000,
    durationMs: durationSeconds * 1000,
    durationFlagMs: durationFlagSeconds === undefined ? undefined : durationFlagSeconds * 1000,
    pacedRatePerSecond,
    backlogMessages,
    bareWorkMicros,
    cpuProfileDir: values['cpu-prof'] ? join(outDir, 'profiles', startedAt.replace(/[:.]/g, '-')) : undefined,
    nodeOptions,
    rabbitmqUrl: values['rabbitmq-url'],
    natsUrl: values['nats-url'],
    systems: values.systems?.split(',').map((s) => s.trim()),
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const machine = readMachineInfo(repoRoot);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    context.log(`${scenario.name}: ${scenario.title}`);
    const perRound: ScenarioResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) context.log(`${scenario.name}: round ${round} of ${rounds}`);
      perRound.push(await scenario.run(context));
    }
    results.push(pickMedianRound(perRound));
  }
  const versions: Record<string, string> = {};
  for (const result of results)
    for (const system of result.systems)
      if (system.version !== undefined) versions[system.system] = system.version;
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: redactCredentials(`npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()),
    machine,
    options: {
      engine: context.engine,
      quick: context.quick,
      warmupSeconds,
      durationSeconds,
      rounds,
      ...(nodeOptions.length > 0 ? { serverNodeOptions: nodeOptions } : {}),
    },
    versions,
    scenarios: results,
  };
  const written = writeReport(outDir, wanted, report);
  process.stdout.write(renderMarkdown(report));
  context.log(`wrote ${written.json}\nwrote ${written.markdown}`);
  for (const chart of written.charts) context.log(`wrote ${chart}`);
  if (context.cpuProfileDir !== undefined) {
    const flames = writeFlameGraphs(context.cpuProfileDir);
    context.log(
      `OpenCMQ CPU profiles and their flame graphs (${flames} SVG) in ${context.cpuProfileDir}; ` +
        'sql-<n>.md there times each SQL statement of a server (sqlite engine)',
    );
  }
  const failed = results.flatMap((r) => r.systems).filter((s) => s.status === 'failed');
  return failed.length > 0 ? 1 : 0;
}

function seconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${flag} must be a number of seconds, got ${text}`);
  return value;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);

/** A flame graph (SVG) beside each CPU profile in `dir`; returns how many were drawn. */
function writeFlameGraphs(dir: string): number {
  let drawn = 0;
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (!name.endsWith('.cpuprofile')) continue;
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    writeFileSync(join(dir, name.replace(/\.cpuprofile$/, '.svg')), renderFlameGraph(profile, name));
    drawn++;
  }
  return drawn;
}
