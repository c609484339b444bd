/**
 * A line chart as a standalone SVG string, with no dependencies: a title, a legend, a y axis from 0 to
 * a round number with grid lines, an x axis over the data's range, both axes labelled with their unit.
 * Enough for benchmark timelines (rate, latency, memory over seconds); not a plotting library.
 */
export interface LineSeries {
  readonly name: string;
  /** [x, y] pairs in x order; a null y leaves a gap (an interval with nothing to measure). */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
  /** Any SVG colour. */
  readonly color: string;
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Left end of the x axis; the smallest x of the data when not set. */
  readonly xMin?: number;
}

export const CHART_WIDTH_PX = 760;
export const CHART_HEIGHT_PX = 380;
const MARGIN_LEFT_PX = 76;
const MARGIN_RIGHT_PX = 24;
const MARGIN_BOTTOM_PX = 52;
const TITLE_HEIGHT_PX = 30;
const LEGEND_ROW_PX = 18;
const FONT_PX = 12;
/** Rough advance of one character at FONT_PX in a sans-serif font, to lay out the legend. */
const CHAR_WIDTH_PX = 6.8;
const LEGEND_SWATCH_PX = 22;
const Y_TICK_TARGET = 6;
/** More x ticks: time labels are short. */
const X_TICK_TARGET = 8;

interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export function renderLineChart(chart: LineChart): string {
  const legend = layoutLegend(chart.series);
  const top = TITLE_HEIGHT_PX + legend.rows * LEGEND_ROW_PX + 12;
  const plot: PlotArea = {
    left: MARGIN_LEFT_PX,
    top,
    width: CHART_WIDTH_PX - MARGIN_LEFT_PX - MARGIN_RIGHT_PX,
    height: CHART_HEIGHT_PX - MARGIN_BOTTOM_PX - top,
  };
  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = chart.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y])));
  const xMin = chart.xMin ?? (xs.length === 0 ? 0 : Math.min(...xs));
  const xMaxData = xs.length === 0 ? 1 : Math.max(...xs);
  const xMax = xMaxData > xMin ? xMaxData : xMin + 1;
  const yTicks = niceTicks(0, ys.length === 0 ? 1 : Math.max(...ys), Y_TICK_TARGET);
  const yMax = yTicks.at(-1)!;
  const xTicks = niceTicks(xMin, xMax, X_TICK_TARGET).filter((t) => t >= xMin && t <= xMax);
  const toX = (x: number) => plot.left + ((x - xMin) / (xMax - xMin)) * plot.width;
  const toY = (y: number) => plot.top + plot.height - (y / yMax) * plot.height;
  const bottom = plot.top + plot.height;
  const right = plot.left + plot.width;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH_PX}" height="${CHART_HEIGHT_PX}" viewBox="0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}" font-family="sans-serif" font-size="${FONT_PX}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text class="title" x="${CHART_WIDTH_PX / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (const tick of yTicks) {
    const y = fixed(toY(tick));
    parts.push(
      `<line x1="${plot.left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e4e4e4"/>`,
      `<text class="y-tick" x="${plot.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick, yTicks)}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = fixed(toX(tick));
    parts.push(
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text class="x-tick" x="${x}" y="${bottom + 18}" text-anchor="middle">${formatTick(tick, xTicks)}</text>`,
    );
  }
  parts.push(
    `<rect class="plot-area" x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#333"/>`,
    `<text class="x-label" x="${plot.left + plot.width / 2}" y="${CHART_HEIGHT_PX - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text class="y-label" transform="translate(16 ${fixed(plot.top + plot.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  if (ys.length === 0) {
    parts.push(
      `<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height / 2}" text-anchor="middle" fill="#888">no data</text>`,
    );
  }
  for (const series of chart.series) {
    const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : '';
    for (const segment of segmentsOf(series.points)) {
      if (segment.length === 1) {
        const [x, y] = segment[0]!;
        parts.push(`<circle cx="${fixed(toX(x))}" cy="${fixed(toY(y))}" r="2" fill="${series.color}"/>`);
        continue;
      }
      const points = segment.map(([x, y]) => `${fixed(toX(x))},${fixed(toY(y))}`).join(' ');
      parts.push(
        `<polyline data-series="${escapeXml(series.name)}" points="${points}" fill="none" stroke="${series.color}" stroke-width="1.6"${dash}/>`,
      );
    }
  }
  for (const entry of legend.entries) {
    const y = TITLE_HEIGHT_PX + entry.row * LEGEND_ROW_PX + 6;
    const x = MARGIN_LEFT_PX + entry.offsetPx;
    const dash = entry.series.dashed === true ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + LEGEND_SWATCH_PX - 4}" y2="${y}" stroke="${entry.series.color}" stroke-width="2"${dash}/>`,
      `<text class="legend" x="${x + LEGEND_SWATCH_PX}" y="${y}" dominant-baseline="middle">${escapeXml(entry.series.name)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Round tick values from `min` to at least `max`, about `target` of them: steps of 1, 2 or 5 times a
 * power of ten; the last tick is the first round value at or above max.
 */
export function niceTicks(min: number, max: number, target: number): number[] {
  const span = max > min ? max - min : Math.abs(max) || 1;
  const raw = span / Math.max(1, target - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const tick = roundTo(first + i * step, step);
    ticks.push(tick);
    if (tick >= max && ticks.length > 1) break;
  }
  return ticks;
}

/** Tick text with as many decimals as the step needs and thousands separators: `12,500`, `0.25`. */
export function formatTick(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function segmentsOf(points: LineSeries['points']): Array<Array<readonly [number, number]>> {
  const segments: Array<Array<readonly [number, number]>> = [];
  let current: Array<readonly [number, number]> = [];
  for (const [x, y] of points) {
    if (y === null || !Number.isFinite(y)) {
      if (current.length > 0) segments.push(current);
      current = [];
    } else current.push([x, y]);
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

function layoutLegend(series: readonly LineSeries[]): {
  rows: number;
  entries: Array<{ series: LineSeries; row: number; offsetPx: number }>;
} {
  const widthPx = CHART_WIDTH_PX - MARGIN_LEFT_PX - MARGIN_RIGHT_PX;
  const entries: Array<{ series: LineSeries; row: number; offsetPx: number }> = [];
  let row = 0;
  let offsetPx = 0;
  for (const s of series) {
    const entryPx = LEGEND_SWATCH_PX + s.name.length * CHAR_WIDTH_PX + 16;
    if (offsetPx > 0 && offsetPx + entryPx > widthPx) {
      row++;
      offsetPx = 0;
    }
    entries.push({ series: s, row, offsetPx });
    offsetPx += entryPx;
  }
  return { rows: series.length === 0 ? 0 : row + 1, entries };
}

const fixed = (value: number): string => value.toFixed(1);

const roundTo = (value: number, step: number): number => {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
};
