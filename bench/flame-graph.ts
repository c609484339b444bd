/**
 * Flame graphs (SVG) of V8 CPU profiles, written beside each profile as <file>.svg. `npm run bench --
 * <scenario> --cpu-prof` writes them itself; this redraws or draws any other profile.
 *
 *   node --import tsx bench/flame-graph.ts <file.cpuprofile> [...]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderFlameGraph, type CpuProfile } from './lib/flame-graph.js';

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const out = `${file.replace(/\.cpuprofile$/, '')}.svg`;
  writeFileSync(out, renderFlameGraph(profile, basename(file)));
  process.stdout.write(`wrote ${out}\n`);
}
