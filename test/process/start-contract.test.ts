import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '../../packages/server/src/config/schema.js';
import { TEST_CREDENTIAL } from '../support/test-server.js';
import { cleanupProcesses, createDataDir, runToExit, ServerProcess, startServer } from './server-process.js';

const GENERATED = /^ {2}SecretId {2}(\S+)\n {2}SecretKey (\S+)$/m;

afterEach(cleanupProcesses);

describe('server start contract', () => {
  it('lists every flag of SETTINGS and exits 0 when given --help', async () => {
    const result = await runToExit({ args: ['--help'] });
    expect(result.code).toBe(0);
    const flags = (SETTINGS as readonly Setting[]).flatMap((s) => (s.flag === undefined ? [] : [s.flag]));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(result.stdout).toContain(flag);
    expect(result.stdout).not.toMatch(/listening on/);
  });

  it('exits 2 naming the flag when given an unknown flag', async () => {
    const dataDir = createDataDir();
    const result = await runToExit({ args: ['--data-dir', dataDir, '--frobnicate'] });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--frobnicate');
    expect(result.stdout).not.toMatch(/listening on/);
  });

  it('exits 2 naming both settings when given --ephemeral --engine sqlite', async () => {
    const result = await runToExit({ args: ['--ephemeral', '--engine', 'sqlite', '--port', '0'] });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ephemeral');
    expect(result.stderr).toContain('--engine');
    expect(result.stderr).toContain('sqlite');
    expect(result.stdout).not.toMatch(/listening on/);
  });

  it('generates a credential once and reuses it silently when no credential is configured', async () => {
    const dataDir = createDataDir();
    const first = await startServer({ args: ['--port', '0', '--data-dir', dataDir] });
    const match = GENERATED.exec(first.stdout);
    expect(match, first.output()).not.toBeNull();
    const printed = { secretId: match![1]!, secretKey: match![2]! };
    expect(printed.secretId).toMatch(/^AKID/);
    expect(first.stdout.split(printed.secretKey)).toHaveLength(2);

    const file = join(dataDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(printed);
    expect(await first.client(printed).call('ListQueue')).toMatchObject({ code: 0 });
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = await startServer({ args: ['--port', '0', '--data-dir', dataDir] });
    expect(second.stdout).not.toContain(printed.secretKey);
    expect(second.stdout).not.toMatch(/SecretKey/);
    expect(await second.client(printed).call('ListQueue')).toMatchObject({ code: 0 });
    const other = { secretId: printed.secretId, secretKey: `${printed.secretKey}x` };
    expect(await second.client(other).call('ListQueue')).toMatchObject({ code: 4100 });
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('accepts only the configured credential when OPENCMQ_SECRET_ID and OPENCMQ_SECRET_KEY are set', async () => {
    const dataDir = createDataDir();
    const server = await startServer({
      args: ['--port', '0', '--data-dir', dataDir],
      env: { OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId, OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey },
    });
    expect(server.stdout).not.toMatch(/SecretKey/);
    expect(await server.client(TEST_CREDENTIAL).call('ListQueue')).toMatchObject({ code: 0 });
    const wrongKey = { secretId: TEST_CREDENTIAL.secretId, secretKey: 'not-the-configured-key-000000000' };
    expect(await server.client(wrongKey).call('ListQueue')).toMatchObject({ code: 4100 });
    const wrongId = { secretId: 'AKIDsomeoneelse000000000000000000', secretKey: TEST_CREDENTIAL.secretKey };
    expect(await server.client(wrongId).call('ListQueue')).toMatchObject({ code: 4100 });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses to start with a non-zero exit and a clear message when another server holds the data dir', async () => {
    const dataDir = createDataDir();
    const env = {
      OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId,
      OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey,
    };
    const first = await startServer({ args: ['--port', '0', '--data-dir', dataDir], env });

    const second = new ServerProcess({ args: ['--port', '0', '--data-dir', dataDir], env });
    const exit = await second.waitForExit();
    expect(exit.code, second.output()).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(second.stdout).not.toMatch(/listening on/);
    expect(second.stderr).toContain(dataDir);
    expect(second.stderr).toMatch(/locked/i);

    // The first server is unharmed.
    expect(await first.client(TEST_CREDENTIAL).call('ListQueue')).toMatchObject({ code: 0 });
    expect(await first.stop()).toEqual({ code: 0, signal: null });
  });
});
