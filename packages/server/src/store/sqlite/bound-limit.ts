/**
 * A `LIMIT` whose row count is a bound parameter. Written as `LIMIT ?`, SQLite (3.53, as better-sqlite3
 * 12 builds it) re-prepares the statement every time it runs with the parameter bound again: its
 * planner reads a plain parameter's value and marks the statement to be compiled anew when that
 * parameter is rebound. A receive's SELECT of the ready messages took 6.5 µs with `LIMIT ?` against
 * 0.3 µs with `LIMIT (? + 0)` on an empty queue, and 10.2 against 4.1 µs returning five rows, inside a
 * transaction (AMD EPYC, 2026-12-06; an expression is not read by the planner, so nothing is
 * recompiled). Every statement with a bound row count uses this instead; `bound-limit.test.ts` finds a
 * plain one.
 */
export const BOUND_LIMIT = 'LIMIT (? + 0)';
