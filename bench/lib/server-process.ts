import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A server under test in its own process, so its CPU is measured apart from the load generator's and
 * the two never share an event loop. Started with `node --import tsx <script>`; ready when it prints the
 * line `ready` matches on stdout, which must carry the port in its first group.
 */
export interface ServerProcess {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly cwd: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** First group: host, second group: port. */
  readonly ready: RegExp;
  readonly startTimeoutMs?: number;
}

export function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.nodeArgs ?? []), options.script, ...options.args],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.script} did not start in time:\n${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = options.ready.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onOutput);
      // Keep draining both pipes so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      resolve({
        pid: child.pid!,
        host: match[1]!,
        port: Number(match[2]),
        stop: (timeoutMs = 15_000) => stopChild(child, exited, timeoutMs),
      });
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 20_000) output = output.slice(-20_000);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.script} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}
