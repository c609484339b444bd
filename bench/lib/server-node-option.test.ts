import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stopAfterEach } from './stop-after-each.js';
import { callOrThrow, CmqBenchClient } from './cmq-client.js';
import { startOpenCmq, type OpenCmqServer } from './opencmq-server.js';
import { isServerNodeOption } from './server-node-option.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const stopAfterTest = stopAfterEach<OpenCmqServer>();

describe('--server-node-option', () => {
  it('accepts one option written --name or --name=value, nothing else', () => {
    for (const option of ['--trace-gc', '--max-semi-space-size=4', '--max_old_space_size=512'])
      expect(isServerNodeOption(option), option).toBe(true);
    for (const option of [
      'max-semi-space-size=4',
      '-e',
      '--',
      '--max-semi-space-size=',
      '--a b',
      '--trace-gc --expose-gc',
      '--cpu-prof',
      '--cpu-prof-dir=/tmp',
    ])
      expect(isServerNodeOption(option), option).toBe(false);
  });

  it('starts the OpenCMQ server process with the options, and the server answers', async () => {
    const server = await startOpenCmq({
      repoRoot,
      engine: 'memory',
      nodeOptions: ['--max-semi-space-size=4', '--stack-size=900'],
    });
    stopAfterTest(server);
    const argv = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--max-semi-space-size=4');
    expect(argv).toContain('--stack-size=900');
    // Node options come before the script: after it they would be the server's own arguments.
    expect(argv.indexOf('--stack-size=900')).toBeLessThan(argv.indexOf('packages/server/src/main.ts'));
    const client = new CmqBenchClient(server);
    try {
      await callOrThrow(client, 'CreateQueue', { queueName: 'node-options' });
    } finally {
      client.close();
    }
  });

  it('is refused by the harness before anything runs when it is not one option', async () => {
    const run = promisify(execFile);
    const outcome = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', 'single', '--server-node-option=--cpu-prof'],
      { cwd: repoRoot },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('--server-node-option takes one Node or V8 option');
    expect(outcome.stderr).toContain('"--cpu-prof"');
  });
});
