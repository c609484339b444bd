import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tableUnder as tableRows } from './markdown-table.js';
import { SETTINGS, type Setting } from '../../packages/server/src/config/schema.js';

/**
 * docs/config.md and config/schema.ts SETTINGS must not drift apart. The doc's "Settings" table is parsed:
 * a setting added, removed or changed in the schema fails here until the doc says the same.
 */
const doc = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
const settings = SETTINGS as readonly Setting[];
const NONE = '—';

const tableUnder = (markdown: string, heading: string): string[][] =>
  tableRows(markdown, heading, 'docs/config.md');

/** The text inside the first pair of backticks, or NONE for an em dash cell. */
function literal(cell: string | undefined): string {
  if (cell === NONE) return NONE;
  const match = /`([^`]*)`/.exec(cell ?? '');
  if (match === null) throw new Error(`expected \`code\` or ${NONE}, got "${cell}"`);
  return match[1]!;
}

const rows = tableUnder(doc, '## Settings');
const byKey = new Map(rows.map((row) => [literal(row[0]), row]));

describe('docs/config.md', () => {
  it('lists each setting once', () => {
    expect(rows.length, 'a key is listed twice').toBe(byKey.size);
  });

  it('lists every SETTINGS key with its default, environment variable and flag', () => {
    for (const setting of settings) {
      const row = byKey.get(setting.key);
      expect(row, `${setting.key} is missing from the "Settings" table`).toBeDefined();
      expect({
        key: setting.key,
        default: literal(row![2]),
        env: literal(row![3]),
        flag: literal(row![4]),
      }).toEqual({
        key: setting.key,
        default: setting.default === undefined ? NONE : String(setting.default),
        env: setting.env ?? NONE,
        flag: setting.flag ?? NONE,
      });
    }
  });

  it('gives each setting its type, range or values, and description as in SETTINGS', () => {
    for (const setting of settings) {
      const row = byKey.get(setting.key);
      if (row === undefined) continue; // reported by the test above
      const type = row[1] ?? '';
      expect(type.startsWith(setting.type), `${setting.key}: type "${type}"`).toBe(true);
      if (setting.min !== undefined && setting.max !== undefined)
        expect(type, `${setting.key}: range`).toContain(`${setting.min}–${setting.max}`);
      if (setting.values !== undefined)
        expect(type, `${setting.key}: values`).toContain(setting.values.join(', '));
      expect(row[5], `${setting.key}: description`).toBe(setting.description);
    }
  });

  it('lists no key that SETTINGS does not have', () => {
    const known = new Set(settings.map((s) => s.key));
    expect([...byKey.keys()].filter((key) => !known.has(key))).toEqual([]);
  });

  it('documents --config FILE and the order the sources are merged in', () => {
    expect(doc).toContain('--config FILE');
    expect(doc).toContain('defaults < file < environment < flags');
  });
});
