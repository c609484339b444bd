/**
 * Where a server spent its time: the functions and files with the most self time in a V8 CPU profile
 * written by `npm run bench -- <scenario> --cpu-prof`. `(idle)` is the event loop waiting for I/O; time
 * inside a synchronous native call (a better-sqlite3 COMMIT and its fsync) counts to its JS caller.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CpuProfile } from './lib/flame-graph.js';

// Piped into `head`: stop quietly when the reader has gone.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) {
  process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<string, number>();
const fileMicros = new Map<string, number>();
let totalMicros = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  totalMicros += delta;
  const frame = byId.get(id)?.callFrame;
  const where = frame?.url.replace(/^.*\/(node_modules|packages)\//, '$1/') ?? '';
  const key = `${frame?.functionName || '(anonymous)'} ${where}${where ? `:${(frame?.lineNumber ?? 0) + 1}` : ''}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  const fileKey = where || frame?.functionName || '(native)';
  fileMicros.set(fileKey, (fileMicros.get(fileKey) ?? 0) + delta);
});
const print = (title: string, totals: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [key, micros] of rows) {
    process.stdout.write(`${((micros / totalMicros) * 100).toFixed(1).padStart(5)} %  ${key}\n`);
  }
};
process.stdout.write(`${file}: ${(totalMicros / 1e6).toFixed(1)} s sampled\n`);
print('self time by function:', selfMicros);
print('self time by file:', fileMicros);
