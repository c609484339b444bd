import { describe, expect, it } from 'vitest';
import { FLAME_WIDTH_PX, flameTree, renderFlameGraph, type CpuProfile } from './flame-graph.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/**
 * (root) → main → a → b, and (root) → main → b: b appears under two parents and must stay two frames;
 * samples: 1 ms in a, 3 ms in a→b, 2 ms in main→b, 4 ms idle.
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6] },
    { id: 2, callFrame: frame('main', 'file:///work/main/packages/server/src/main.ts'), children: [3, 5] },
    { id: 3, callFrame: frame('a', 'file:///work/main/packages/server/src/a.ts'), children: [4] },
    { id: 4, callFrame: frame('b', 'node:internal/b') },
    { id: 5, callFrame: frame('b', 'node:internal/b') },
    { id: 6, callFrame: frame('(idle)') },
  ],
  samples: [3, 4, 5, 6],
  timeDeltas: [1000, 3000, 2000, 4000],
};

describe('flameTree', () => {
  it('gives each frame the time of its own samples and of everything below it, per parent', () => {
    const root = flameTree(profile);
    expect(root.micros).toBe(10_000);
    const main = [...root.children.values()].find((f) => f.name === 'main')!;
    expect(main.micros).toBe(6000);
    expect(main.where).toBe('packages/server/src/main.ts:1');
    const a = [...main.children.values()].find((f) => f.name === 'a')!;
    expect(a.micros).toBe(4000);
    expect([...a.children.values()].map((f) => [f.name, f.micros])).toEqual([['b', 3000]]);
    const directB = [...main.children.values()].find((f) => f.name === 'b')!;
    expect(directB.micros).toBe(2000);
    expect([...root.children.values()].find((f) => f.name === '(idle)')!.micros).toBe(4000);
  });
});

describe('renderFlameGraph', () => {
  it('draws frames as wide as their share of the samples, children inside their parent', () => {
    const svg = renderFlameGraph(profile, 'test.cpuprofile');
    const rects = [
      ...svg.matchAll(/<title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g),
    ].map((m) => ({ label: m[1]!, x: Number(m[2]), y: Number(m[3]), width: Number(m[4]) }));
    const byLabel = (prefix: string) => rects.filter((r) => r.label.startsWith(prefix));
    expect(byLabel('all')[0]!.width).toBeCloseTo(FLAME_WIDTH_PX, 0);
    const main = byLabel('main ')[0]!;
    expect(main.width).toBeCloseTo(FLAME_WIDTH_PX * 0.6, 0);
    expect(main.label).toBe('main packages/server/src/main.ts:1: 60.0 %');
    const a = byLabel('a ')[0]!;
    expect(a.x).toBeGreaterThanOrEqual(main.x);
    expect(a.x + a.width).toBeLessThanOrEqual(main.x + main.width + 0.1);
    // Callees sit above their callers.
    expect(a.y).toBeLessThan(main.y);
    expect(byLabel('b ').map((r) => Math.round(r.width))).toEqual(
      expect.arrayContaining([Math.round(FLAME_WIDTH_PX * 0.3), Math.round(FLAME_WIDTH_PX * 0.2)]),
    );
    expect(svg).toContain('(0.0 s sampled)');
  });
});
