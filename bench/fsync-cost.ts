/**
 * What one fdatasync costs on this machine's disk: wall time and CPU time per round of a 16 KiB write
 * followed by fdatasync, in the OS temp directory (where the benchmarks put OpenCMQ's data).
 *
 *   node --import tsx bench/fsync-cost.ts [--rounds 2000]
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'opencmq-fsync-'));
const fd = openSync(join(dir, 'probe'), 'w');
const page = Buffer.alloc(16_384, 1);
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
for (let i = 0; i < rounds; i++) {
  writeSync(fd, page);
  fdatasyncSync(fd);
}
const wallUs = Number(process.hrtime.bigint() - started) / 1000 / rounds;
const used = process.cpuUsage(cpu);
closeSync(fd);
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${rounds} rounds of 16 KiB write + fdatasync in ${tmpdir()}: ${wallUs.toFixed(0)} µs wall, ` +
    `${((used.user + used.system) / rounds).toFixed(0)} µs CPU (${(used.system / rounds).toFixed(0)} µs system) per round\n`,
);
