import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunDelayMs } from './machine.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('readRunDelayMs', () => {
  it('grows while more processes want to run than there are cores', async () => {
    const before = readRunDelayMs('self');
    expect(before).toBeGreaterThanOrEqual(0);
    // One spinning process per core, and this one spinning too: someone always waits for a core.
    for (let i = 0; i < cpus().length; i++) {
      children.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const until = Date.now() + 500;
    while (Date.now() < until);
    const after = readRunDelayMs('self');
    expect(after! - before!).toBeGreaterThan(0);
  });

  it('is undefined for a process that does not exist', () => {
    expect(readRunDelayMs(2 ** 22 + 12345)).toBeUndefined();
  });
});
