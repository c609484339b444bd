import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '@opencmq/server';
import { loadConfig } from '../../packages/server/src/config/load.js';
import type { Config } from '../../packages/server/src/config/schema.js';
import { createLogger } from '../../packages/server/src/log.js';
import { CmqTestClient, type CmqTestClientOptions } from './cmq-client.js';

export { waitFor } from './wait-for.js';

export const TEST_CREDENTIAL = {
  secretId: 'AKIDtestsecretid0000000000000000001',
  secretKey: 'test-secret-key-0123456789abcdef',
};

export interface TestServer {
  readonly app: App;
  readonly port: number;
  readonly dataDir: string;
  readonly config: Config;
  client(options?: Partial<CmqTestClientOptions>): CmqTestClient;
  close(): Promise<void>;
}

/**
 * Boots the real server in-process on a free port (SQLite in a fresh temp dir unless `engine: 'memory'`)
 * with a fixed credential. Always close it (afterEach/afterAll).
 */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opencmq-e2e-'));
  const env: Record<string, string> = {
    OPENCMQ_SECRET_ID: TEST_CREDENTIAL.secretId,
    OPENCMQ_SECRET_KEY: TEST_CREDENTIAL.secretKey,
    OPENCMQ_LOG_LEVEL: 'silent',
  };
  const argv = ['--port', '0', '--data-dir', dataDir];
  const loaded = loadConfig({ argv, env });
  if (loaded.kind !== 'config') throw new Error('unexpected help');
  const config: Config = Object.freeze({ ...loaded.config, ...overrides });
  const app = createApp(config, { log: createLogger(config.logLevel) });
  const { port } = await app.start();
  return {
    app,
    port,
    dataDir,
    config,
    client: (options = {}) => new CmqTestClient({ port, ...TEST_CREDENTIAL, ...options }),
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
