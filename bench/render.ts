/**
 * Writes a result's markdown again from its JSON, with the current report format (charts are linked by
 * their usual names and not redrawn):
 *
 *   node --import tsx bench/render.ts bench/results/<time>-<label>.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderMarkdown, type BenchReport } from './lib/report.js';
import { chartsOf } from './lib/timeline-charts.js';

for (const file of process.argv.slice(2)) {
  if (!file.endsWith('.json')) throw new Error(`${file}: expected a result .json`);
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const stem = basename(file, '.json');
  const markdown = file.replace(/\.json$/, '.md');
  writeFileSync(markdown, renderMarkdown(report, chartsOf(report.scenarios, stem)));
  process.stdout.write(`wrote ${markdown}\n`);
}
