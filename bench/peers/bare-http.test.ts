import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopAfterEach } from '../lib/stop-after-each.js';
import { startBareHttp, type BareHttpServer } from './bare-http.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const stopAfterTest = stopAfterEach<BareHttpServer>();

async function post(server: BareHttpServer): Promise<{ body: string; ms: number }> {
  const t0 = performance.now();
  const response = await fetch(`http://${server.host}:${server.port}/v2/index.php`, {
    method: 'POST',
    body: 'Action=SendMessage&queueName=q&msgBody=x',
  });
  const body = await response.text();
  return { body, ms: performance.now() - t0 };
}

describe('bare node:http peer', () => {
  it('answers a JSON of the asked size, and with --work-us only after that much busy-waiting', async () => {
    const plain = await startBareHttp(repoRoot, 90);
    stopAfterTest(plain);
    const loaded = await startBareHttp(repoRoot, 90, 40_000);
    stopAfterTest(loaded);
    const fast = await post(plain);
    expect(Buffer.byteLength(fast.body)).toBe(90);
    expect(JSON.parse(fast.body)).toMatchObject({ code: 0 });
    const slow = await post(loaded);
    expect(Buffer.byteLength(slow.body)).toBe(90);
    expect(slow.ms).toBeGreaterThanOrEqual(40);
  });
});
