/** Time is injected everywhere so rules can be tested with fake timers. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
