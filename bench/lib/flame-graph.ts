/**
 * A flame graph of a V8 CPU profile (`--cpu-prof`) as a standalone SVG, with no dependencies: the root at
 * the bottom, callers below their callees, each frame as wide as the time sampled in it and everything it
 * called, same-named frames of one parent merged. Hovering a frame shows its name, file and share (SVG
 * <title>). `(idle)`, `(program)` and `(garbage collector)` are roots of their own, as V8 records them.
 */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One merged frame: a function at one place in the call tree, and the time under it. */
export interface FlameFrame {
  readonly name: string;
  readonly where: string;
  /** Microseconds sampled in this frame and everything it called. */
  micros: number;
  readonly children: Map<string, FlameFrame>;
}

export const FLAME_WIDTH_PX = 1200;
const ROW_PX = 17;
const FONT_PX = 11;
const CHAR_WIDTH_PX = 6.2;
const TITLE_PX = 28;
/** Frames narrower than this are left out (their time still counts in their parent's width). */
const MIN_WIDTH_PX = 0.5;

/** Builds the merged call tree: a frame's time is the samples in it and in everything below it. */
export function flameTree(profile: CpuProfile): FlameFrame {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const root: FlameFrame = { name: 'all', where: '', micros: 0, children: new Map() };
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    if (micros <= 0) return;
    const stack: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(at);
    stack.reverse();
    root.micros += micros;
    let frame = root;
    // The profile's own root node, '(root)', is left out: 'all' stands for it.
    for (const nodeId of stack.slice(1)) {
      const callFrame = byId.get(nodeId)!.callFrame;
      const name = callFrame.functionName || '(anonymous)';
      const where = shortUrl(callFrame.url, callFrame.lineNumber);
      const key = `${name} ${where}`;
      let child = frame.children.get(key);
      if (child === undefined) {
        child = { name, where, micros: 0, children: new Map() };
        frame.children.set(key, child);
      }
      child.micros += micros;
      frame = child;
    }
  });
  return root;
}

interface Placed {
  readonly frame: FlameFrame;
  readonly x: number;
  readonly depth: number;
  readonly width: number;
}

export function renderFlameGraph(profile: CpuProfile, title: string): string {
  const root = flameTree(profile);
  const placed: Placed[] = [];
  const place = (frame: FlameFrame, x: number, depth: number, scale: number) => {
    const width = frame.micros * scale;
    if (width < MIN_WIDTH_PX) return;
    placed.push({ frame, x, depth, width });
    let childX = x;
    const children = [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const child of children) {
      place(child, childX, depth + 1, scale);
      childX += child.micros * scale;
    }
  };
  place(root, 0, 0, root.micros > 0 ? FLAME_WIDTH_PX / root.micros : 0);
  const rows = Math.max(1, ...placed.map((p) => p.depth + 1));
  const height = TITLE_PX + rows * ROW_PX + 4;
  // Depth 0 (all) at the bottom, callees above their callers.
  const topOf = (depth: number) => height - 4 - (depth + 1) * ROW_PX;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${FLAME_WIDTH_PX}" height="${height}" viewBox="0 0 ${FLAME_WIDTH_PX} ${height}" font-family="monospace" font-size="${FONT_PX}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${FLAME_WIDTH_PX / 2}" y="18" text-anchor="middle" font-size="14" font-family="sans-serif">${escapeXml(title)} (${(root.micros / 1e6).toFixed(1)} s sampled)</text>`,
    ...placed.map((p) => frameSvg(p, topOf(p.depth), root.micros)),
    '</svg>',
    '',
  ].join('\n');
}

function frameSvg({ frame, x, width }: Placed, top: number, total: number): string {
  const share = total > 0 ? (100 * frame.micros) / total : 0;
  const label = `${frame.name}${frame.where ? ` ${frame.where}` : ''}`;
  const chars = Math.floor((width - 4) / CHAR_WIDTH_PX);
  const text =
    chars >= 3
      ? `<text x="${(x + 2).toFixed(1)}" y="${top + ROW_PX - 5}">${escapeXml(label.length > chars ? `${label.slice(0, chars - 1)}…` : label)}</text>`
      : '';
  return (
    `<g><title>${escapeXml(label)}: ${share.toFixed(1)} %</title>` +
    `<rect x="${x.toFixed(1)}" y="${top}" width="${width.toFixed(1)}" height="${ROW_PX - 1}" fill="${colorOf(frame)}"/>` +
    `${text}</g>`
  );
}

/** Project code warm, Node's own JavaScript cool, native and V8 entries grey. */
function colorOf(frame: FlameFrame): string {
  if (frame.where.startsWith('packages/') || frame.where.startsWith('bench/')) return '#f2a65a';
  if (frame.where.startsWith('node_modules/')) return '#e8d36b';
  if (frame.where.startsWith('node:')) return '#8fb8de';
  return '#c8c8c8';
}

function shortUrl(url: string, lineNumber: number): string {
  if (url === '') return '';
  const short = url.replace(/^file:\/\/.*?\/(packages|node_modules|bench)\//, '$1/');
  return `${short}:${lineNumber + 1}`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
