import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runTopicStoreConformance } from '../topic-conformance.js';
import { openSqliteStore } from './open-sqlite-store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

runTopicStoreConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencmq-sqlite-topics-'));
  dirs.push(dir);
  return openSqliteStore({ dataDir: dir });
});
