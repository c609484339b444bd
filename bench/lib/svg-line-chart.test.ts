import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, escapeXml, niceTicks, renderLineChart } from './svg-line-chart.js';

const attr = (tag: string, name: string): number => Number(new RegExp(`\\b${name}="([^"]+)"`).exec(tag)![1]);

function plotAreaOf(svg: string) {
  const rect = /<rect class="plot-area"[^>]*>/.exec(svg)![0];
  const left = attr(rect, 'x');
  const top = attr(rect, 'y');
  return { left, top, right: left + attr(rect, 'width'), bottom: top + attr(rect, 'height') };
}

function polylinesOf(svg: string): Array<{ series: string; points: Array<[number, number]> }> {
  return [...svg.matchAll(/<polyline data-series="([^"]*)" points="([^"]*)"/g)].map((m) => ({
    series: m[1]!,
    points: m[2]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  }));
}

const textsOf = (svg: string, cls: string): string[] =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);

describe('renderLineChart', () => {
  const svg = renderLineChart({
    title: 'pipeline: msgs/s per 1 s interval',
    xLabel: 'seconds into the measured window',
    yLabel: 'msgs/s',
    xMin: 0,
    series: [
      {
        name: 'opencmq',
        color: '#0072B2',
        points: [
          [0, 0],
          [5, 4000],
          [10, 10_000],
        ],
      },
      {
        name: 'rabbitmq',
        color: '#E69F00',
        dashed: true,
        points: [
          [0, 5000],
          [10, 5000],
        ],
      },
    ],
  });

  it('is a standalone SVG document of the declared size', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain(`viewBox="0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}"`);
  });

  it('maps the data extremes to the corners of the plot area when the maximum is a round number', () => {
    const area = plotAreaOf(svg);
    const [line] = polylinesOf(svg);
    expect(line!.series).toBe('opencmq');
    expect(line!.points[0]).toEqual([area.left, area.bottom]);
    expect(line!.points.at(-1)).toEqual([area.right, area.top]);
    const [x, y] = line!.points[1]!;
    expect(x).toBeCloseTo((area.left + area.right) / 2, 0);
    expect(y).toBeCloseTo(area.bottom - 0.4 * (area.bottom - area.top), 0);
  });

  it('draws a constant series as a horizontal line, dashed when asked', () => {
    const area = plotAreaOf(svg);
    const rabbit = polylinesOf(svg)[1]!;
    expect(rabbit.points.map(([, y]) => y)).toEqual([
      (area.top + area.bottom) / 2,
      (area.top + area.bottom) / 2,
    ]);
    expect(svg).toMatch(/data-series="rabbitmq"[^>]*stroke-dasharray/);
  });

  it('labels the y axis from 0 to the round maximum with thousands separators, and the x axis in seconds', () => {
    expect(textsOf(svg, 'y-tick')).toEqual(['0', '2,000', '4,000', '6,000', '8,000', '10,000']);
    expect(textsOf(svg, 'x-tick')).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(textsOf(svg, 'x-label')).toEqual(['seconds into the measured window']);
    expect(textsOf(svg, 'y-label')).toEqual(['msgs/s']);
    expect(textsOf(svg, 'title')).toEqual(['pipeline: msgs/s per 1 s interval']);
    expect(textsOf(svg, 'legend')).toEqual(['opencmq', 'rabbitmq']);
  });

  it('splits a line at null points instead of drawing across the gap', () => {
    const gappy = renderLineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'p99',
          color: 'red',
          points: [
            [1, 3],
            [2, 4],
            [3, null],
            [4, 5],
            [5, 6],
          ],
        },
      ],
    });
    expect(polylinesOf(gappy).map((l) => l.points.length)).toEqual([2, 2]);
  });

  it('escapes markup in titles and names, and says so when there is no data', () => {
    const empty = renderLineChart({ title: 'a < b & c', xLabel: 'x', yLabel: 'y', series: [] });
    expect(empty).toContain(escapeXml('a < b & c'));
    expect(empty).not.toContain('a < b');
    expect(empty).toContain('>no data</text>');
    expect(polylinesOf(empty)).toEqual([]);
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and ends at or above the maximum', () => {
    expect(niceTicks(0, 9_730, 6)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
    expect(niceTicks(0, 0.83, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 143.6, 6)).toEqual([0, 50, 100, 150]);
  });

  it('still gives an axis when every value is zero', () => {
    expect(niceTicks(0, 0, 6).length).toBeGreaterThan(1);
  });
});
