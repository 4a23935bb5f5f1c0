/**
 * The reference graph of the build report, as an inline SVG: the files that reference others
 * (stylesheets, and scripts through their source maps) on the left, what they reference to their
 * right, one column per step. An edge that goes back (a reference cycle) is dashed.
 * @module
 */
import type { BuildReportData } from './data.js'
import { categoryOf, escapeHtml } from './format.js'

/** Beyond this many files the graph is listed in the table only. */
const MAX_NODES = 60
const NODE_WIDTH = 210
const NODE_HEIGHT = 22
const COLUMN = 280
const ROW = 30
const MARGIN = 8

/** The SVG of the graph, or '' when nothing references anything or the graph is too large to draw. */
export function renderGraph(report: BuildReportData): string {
  const edges = report.graph.flatMap(({ from, to }) => to.map((target) => ({ from, to: target })))
  const nodes = [...new Set(edges.flatMap((edge) => [edge.from, edge.to]))].sort()
  if (edges.length === 0 || nodes.length > MAX_NODES) return ''
  const columns = assignColumns(nodes, edges)
  const positions = new Map<string, { x: number; y: number }>()
  const rows = new Map<number, number>()
  for (const node of nodes) {
    const column = columns.get(node) ?? 0
    const row = rows.get(column) ?? 0
    rows.set(column, row + 1)
    positions.set(node, { x: MARGIN + column * COLUMN, y: MARGIN + row * ROW })
  }
  const width = MARGIN * 2 + Math.max(...columns.values()) * COLUMN + NODE_WIDTH
  const height = MARGIN * 2 + Math.max(...rows.values()) * ROW - (ROW - NODE_HEIGHT)
  const types = new Map(report.files.map((file) => [file.path, file]))
  const drawnEdges = edges.map(({ from, to }) => {
    const start = positions.get(from) ?? { x: 0, y: 0 }
    const end = positions.get(to) ?? { x: 0, y: 0 }
    const back = (columns.get(to) ?? 0) <= (columns.get(from) ?? 0)
    const [x1, y1] = [start.x + NODE_WIDTH, start.y + NODE_HEIGHT / 2]
    const [x2, y2] = [end.x, end.y + NODE_HEIGHT / 2]
    const bend = back ? Math.max(80, x1 - x2 + 80) : 70
    return `<path class="edge${back ? ' back' : ''}" d="M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}" marker-end="url(#arrow)"><title>${escapeHtml(`${from} → ${to}`)}</title></path>`
  })
  const drawnNodes = nodes.map((node) => {
    const { x, y } = positions.get(node) ?? { x: 0, y: 0 }
    const file = types.get(node)
    const className = `node ${categoryOf(file?.contentType ?? '')}${file?.cycle === true ? ' cycle' : ''}`
    const shown = node.length > 32 ? `…${node.slice(-31)}` : node
    return (
      `<g class="${className}" data-path="${escapeHtml(node)}"><rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="4"><title>${escapeHtml(node)}</title></rect>` +
      `<text x="${x + 7}" y="${y + 15}">${escapeHtml(shown)}</text></g>`
    )
  })
  return (
    `<svg class="graph" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="Reference graph">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>' +
    `${drawnEdges.join('')}${drawnNodes.join('')}</svg>`
  )
}

// --- internal ---

/**
 * A column for each node: its distance from the nearest file nothing references, found breadth
 * first, so a cycle cannot push its members to the right forever.
 */
function assignColumns(
  nodes: readonly string[],
  edges: ReadonlyArray<{ from: string; to: string }>,
): Map<string, number> {
  const targets = new Map<string, string[]>()
  const referenced = new Set<string>()
  for (const { from, to } of edges) {
    targets.set(from, [...(targets.get(from) ?? []), to])
    referenced.add(to)
  }
  const columns = new Map<string, number>()
  const visit = (starts: readonly string[]) => {
    const queue = starts.filter((start) => !columns.has(start))
    for (const start of queue) columns.set(start, 0)
    for (let index = 0; index < queue.length; index++) {
      const node = queue[index] as string
      for (const target of targets.get(node) ?? []) {
        if (columns.has(target)) continue
        columns.set(target, (columns.get(node) ?? 0) + 1)
        queue.push(target)
      }
    }
  }
  visit(nodes.filter((node) => !referenced.has(node)))
  // Files only reachable through a cycle: start from each that is still unplaced.
  for (const node of nodes) if (!columns.has(node)) visit([node])
  return columns
}
