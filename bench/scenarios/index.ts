import { fanout } from './fanout.js';
import { pipeline } from './pipeline.js';
import type { Scenario } from './scenario.js';
import { single } from './single.js';

/**
 * Every scenario, in the order `all` runs them. Backlog, longpoll and soak scenarios plug in here: a
 * file exporting a `Scenario` and one entry below (soak can read `context.durationMs` as its length and
 * skip itself under --quick by returning systems with status 'skipped').
 */
export const SCENARIOS: readonly Scenario[] = [pipeline, single, fanout];
