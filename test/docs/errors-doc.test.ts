import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tableUnder as tableRows } from './markdown-table.js';
import { WIRE_ERRORS, type WireErrorName } from '@opencmq/protocol';
import { ERROR_CODES } from '../../packages/server/src/domain/errors.js';
import { DOMAIN_TO_WIRE } from '../../packages/server/src/http/cmq/error-map.js';

/**
 * docs/errors.md and the code tables must not drift apart: errors have codes, docs and a drift test.
 * The doc's tables are parsed: a new, renamed, renumbered or retired code fails here until the doc
 * says the same as WIRE_ERRORS and DOMAIN_TO_WIRE.
 */
const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

const tableUnder = (markdown: string, heading: string): string[][] =>
  tableRows(markdown, heading, 'docs/errors.md');

/** The text inside the first pair of backticks of a cell, or the whole cell. */
const literal = (cell: string | undefined): string => /`([^`]*)`/.exec(cell ?? '')?.[1] ?? cell ?? '';

const wireRows = tableUnder(doc, '## Wire errors');
const domainRows = tableUnder(doc, '## Domain errors');

describe('docs/errors.md', () => {
  it('lists every WIRE_ERRORS entry once, with its code, module and message text', () => {
    const documented = new Map<string, string[]>();
    for (const row of wireRows) {
      const name = literal(row[0]);
      expect(documented.has(name), `${name} is listed twice`).toBe(false);
      documented.set(name, row);
    }
    for (const [name, entry] of Object.entries(WIRE_ERRORS)) {
      const row = documented.get(name);
      expect(row, `${name} is missing from the "Wire errors" table`).toBeDefined();
      expect({ name, code: Number(row![1]), module: Number(row![2]), text: literal(row![3]) }).toEqual({
        name,
        code: entry.code,
        module: entry.module,
        text: entry.text,
      });
      expect(row![4]?.length ?? 0, `${name} needs a "when it happens" text`).toBeGreaterThan(0);
    }
  });

  it('lists no wire error that WIRE_ERRORS does not have', () => {
    const names = wireRows.map((row) => literal(row[0]));
    expect(names.filter((name) => !(name in WIRE_ERRORS))).toEqual([]);
  });

  it('maps every domain code to the wire error DOMAIN_TO_WIRE gives it', () => {
    const documented = new Map(domainRows.map((row) => [literal(row[0]), literal(row[1])]));
    expect(domainRows.length, 'a domain code is listed twice').toBe(documented.size);
    const expected = Object.fromEntries(
      ERROR_CODES.map((code) => [code, DOMAIN_TO_WIRE[code] satisfies WireErrorName]),
    );
    expect(Object.fromEntries(documented)).toEqual(expected);
  });

  it('gives each domain code the wire code and module of its wire error', () => {
    for (const row of domainRows) {
      const wire = WIRE_ERRORS[literal(row[1]) as WireErrorName];
      expect(wire, `${row[0]} maps to an unknown wire error ${row[1]}`).toBeDefined();
      expect(row[2], `${row[0]}: the code/module column`).toBe(`${wire.code}/${wire.module}`);
    }
  });
});
