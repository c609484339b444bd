import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const script =
  "import { countOption } from './bench/lib/count-option.ts'; console.log(countOption('requests', process.argv[1]));";

async function run(raw: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, '--', raw],
      { cwd: repoRoot },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('countOption', () => {
  it('returns a positive whole number', async () => {
    expect(await run('200000')).toMatchObject({ code: 0, stdout: '200000\n' });
  });

  it.each(['0', '-3', '1.5', 'x', ' ', '1e400'])(
    'exits with status 2 naming the option for %j',
    async (raw) => {
      const result = await run(raw);
      expect([result.code, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toContain('--requests must be a positive whole number');
    },
  );
});
