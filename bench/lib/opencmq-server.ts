import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CmqEndpoint } from './cmq-client.js';
import { loopFileOf } from './loop-file.js';
import { packageVersion } from './package-version.js';
import { startServerProcess } from './server-process.js';

/**
 * Engines the harness can start. A new engine (postgres, …) is one more entry here plus whatever
 * `--engine` value the server accepts; scenarios only see a `CmqEndpoint`.
 */
export const ENGINES = ['sqlite', 'memory'] as const;
export type Engine = (typeof ENGINES)[number];

export const BENCH_SECRET_ID = 'AKIDopencmqbench';
export const BENCH_SECRET_KEY = 'opencmq-bench-secret-key';

/** `OpenCMQ 0.1.0 (sqlite)`: the server package's version and the engine. */
export function openCmqVersion(engine: Engine): string {
  return `OpenCMQ ${packageVersion(new URL('../../packages/server/package.json', import.meta.url))} (${engine})`;
}

export interface OpenCmqServer extends CmqEndpoint {
  readonly pid: number;
  readonly engine: Engine;
  /** The data directory the server was started with (the memory engine keeps no messages there). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface OpenCmqOptions {
  readonly repoRoot: string;
  readonly engine: Engine;
  /** When set, the server runs with --cpu-prof and writes its profile here on exit. */
  readonly cpuProfileDir?: string | undefined;
  /** Node and V8 options for the server's process (`--server-node-option`), e.g. `--max-semi-space-size=4`. */
  readonly nodeOptions?: readonly string[] | undefined;
  /**
   * An existing data directory (preloaded, or left by a previous start), kept on stop: the caller owns
   * it. By default each start gets a fresh temp directory, removed on stop.
   */
  readonly dataDir?: string;
}

/** Servers started with profiling in this process, numbering their SQL timing files. */
let profiledServers = 0;

/**
 * Starts `packages/server/src/main.ts` on a free port, with a fresh data directory removed on stop or
 * with `options.dataDir`.
 */
export async function startOpenCmq(options: OpenCmqOptions): Promise<OpenCmqServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opencmq-bench-'));
  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  // The loop probe: the CPU meter reads how busy the main event loop was (lib/loop-probe.ts).
  const nodeArgs: string[] = ['--import', fileURLToPath(new URL('./loop-probe.ts', import.meta.url))];
  const profiling: Record<string, string> = {};
  if (options.cpuProfileDir !== undefined) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    // Time inside SQLite counts to its JavaScript caller in a CPU profile: time the statements as well.
    profiling.OPENCMQ_SQL_TIMING_FILE = join(options.cpuProfileDir, `sql-${++profiledServers}.md`);
  }
  nodeArgs.push(...(options.nodeOptions ?? []));
  try {
    const server = await startServerProcess({
      cwd: options.repoRoot,
      script: 'packages/server/src/main.ts',
      args: ['--port', '0', '--data-dir', dataDir, '--engine', options.engine],
      nodeArgs,
      env: {
        OPENCMQ_SECRET_ID: BENCH_SECRET_ID,
        OPENCMQ_SECRET_KEY: BENCH_SECRET_KEY,
        OPENCMQ_LOG_LEVEL: 'warn',
        ...profiling,
      },
      ready: /opencmq listening on (.+):(\d+)\n/,
    });
    return {
      pid: server.pid,
      host: server.host,
      port: server.port,
      secretId: BENCH_SECRET_ID,
      secretKey: BENCH_SECRET_KEY,
      engine: options.engine,
      dataDir,
      async stop() {
        await server.stop();
        rmSync(loopFileOf(server.pid), { force: true });
        removeDataDir();
      },
    };
  } catch (error) {
    removeDataDir();
    throw error;
  }
}
