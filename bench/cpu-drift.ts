/**
 * Whether this machine's CPU does less work per second as it stays busy: one process hashing 4 KiB with
 * SHA-256 for `--duty` of every 10 ms (the rest idle, as a server at a fixed rate is), for `--minutes`,
 * printing the hashes per second of each full minute. Run two at once (e.g. duties 0.7 and 0.5, about the
 * soak's server and load generator together) to load both cores. A falling series means the machine, not
 * the code, when a long run (`soak`) needs more CPU per message as it goes (docs/performance.md).
 *
 *   node --import tsx bench/cpu-drift.ts [--minutes 10] [--duty 0.7]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, duty: { type: 'string', default: '0.7' } },
});
const minutes = Number(values.minutes);
const duty = Number(values.duty);
if (!(minutes >= 1) || !(duty > 0 && duty <= 1)) {
  process.stderr.write('usage: cpu-drift.ts [--minutes N >= 1] [--duty 0 < D <= 1]\n');
  process.exit(2);
}
const data = Buffer.alloc(4096, 7);
const startedAt = Date.now();
let minuteStartedAt = startedAt;
let hashes = 0;
const perMinute: number[] = [];

function slice(): void {
  const sliceStartedAt = Date.now();
  while (Date.now() - sliceStartedAt < 10 * duty) {
    createHash('sha256').update(data).digest();
    hashes++;
  }
  const now = Date.now();
  if (now - minuteStartedAt >= 60_000) {
    perMinute.push(Math.round(hashes / ((now - minuteStartedAt) / 1000)));
    process.stdout.write(`minute ${perMinute.length}: ${perMinute.at(-1)} hashes/s\n`);
    hashes = 0;
    minuteStartedAt = now;
  }
  if (now - startedAt >= minutes * 60_000) {
    const first = perMinute[0] ?? 0;
    const last = perMinute.at(-1) ?? 0;
    process.stdout.write(`last / first minute: ${first > 0 ? (last / first).toFixed(3) : '-'}\n`);
    return;
  }
  setTimeout(slice, 10 * (1 - duty));
}
slice();
