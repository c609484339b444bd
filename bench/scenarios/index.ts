import { backlog } from './backlog.js';
import { fanout } from './fanout.js';
import { longpoll } from './longpoll.js';
import { pipeline } from './pipeline.js';
import type { Scenario } from './scenario.js';
import { single } from './single.js';
import { soak } from './soak.js';

/**
 * Every scenario, in the order `all` runs them. Backlog, longpoll and soak scenarios plug in here: a
 * file exporting a `Scenario` and one entry below (soak sets its own window: `--duration`, else 10 minutes,
 * 27 s under --quick).
 */
export const SCENARIOS: readonly Scenario[] = [pipeline, single, longpoll, backlog, fanout, soak];
