/**
 * The stylesheet and the one small script of the build report page, inlined into it. The page's
 * Content-Security-Policy allows exactly these two by their hashes, and nothing from the network.
 * @module
 */
import { createHash } from 'node:crypto'

export const REPORT_STYLE = `
:root { --ink: #1d2433; --muted: #5d6778; --line: #dfe3ea; --panel: #f6f7f9; --accent: #2f6fde;
  --style: #5b8def; --script: #f0b23e; --image: #4caf7d; --font: #a77bd8; --document: #e0736a; --other: #9aa3b2;
  --good: #1f8a4c; --bad: #c2412d; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header { padding: 28px 40px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { margin: 0 0 4px; font-size: 24px; }
h1 small { font-weight: 400; color: var(--muted); font-size: 15px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.meta { color: var(--muted); margin: 0; }
.meta code { color: var(--ink); }
main { padding: 24px 40px 48px; max-width: 1320px; }
section { margin: 0 0 34px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 18px 0 0; }
.cards div { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.cards dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.cards dd { margin: 2px 0 0; font-size: 22px; font-weight: 600; }
.cards dd span { display: block; font-size: 12px; font-weight: 400; color: var(--muted); }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 32px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } header, main { padding-left: 16px; padding-right: 16px; } }
svg.treemap { width: 100%; height: auto; display: block; border-radius: 6px; background: #eef0f4; }
.treemap .folder rect { fill: #e4e7ed; stroke: #fff; stroke-width: 1; }
.treemap .file rect { stroke: #fff; stroke-width: 1; }
.treemap .file:hover rect { opacity: .8; }
.treemap text { font-size: 11px; pointer-events: none; }
.treemap .folder text { fill: var(--muted); font-weight: 600; }
.treemap .file text { fill: #fff; }
.treemap .file text.size { fill: rgba(255,255,255,.85); font-size: 10px; }
.style rect { fill: var(--style); } .script rect { fill: var(--script); } .image rect { fill: var(--image); }
.font rect { fill: var(--font); } .document rect { fill: var(--document); } .other rect { fill: var(--other); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 10px 0 0; padding: 0; list-style: none; color: var(--muted); }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; background: var(--other); }
.legend .style::before { background: var(--style); } .legend .script::before { background: var(--script); }
.legend .image::before { background: var(--image); } .legend .font::before { background: var(--font); }
.legend .document::before { background: var(--document); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
table.sortable th { cursor: pointer; } table.sortable th:hover { color: var(--accent); }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.path { word-break: break-all; } td code, li code { font-size: 12px; }
td.bar { width: 38%; } td.bar svg { width: 100%; height: 10px; display: block; margin-top: 5px; }
td.bar rect { fill: var(--accent); opacity: .75; }
.delta-up { color: var(--bad); } .delta-down { color: var(--good); }
.tag { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 9px; background: var(--panel); border: 1px solid var(--line); color: var(--muted); margin-left: 4px; }
.tag.added { color: var(--good); } .tag.removed { color: var(--bad); } .tag.cycle { color: var(--bad); }
svg.graph { max-width: 100%; height: auto; display: block; }
.graph .node rect { stroke: rgba(0,0,0,.15); } .graph .node.cycle rect { stroke: var(--bad); stroke-width: 2; }
.graph .node text { font-size: 11px; fill: #fff; pointer-events: none; }
.graph .edge { fill: none; stroke: #98a2b3; stroke-width: 1.3; } .graph .edge.back { stroke: var(--bad); stroke-dasharray: 4 3; }
.graph marker path { fill: #98a2b3; }
ul.warnings { margin: 0; padding-left: 18px; } ul.warnings li { margin: 0 0 6px; }
.empty { color: var(--muted); }
details summary { cursor: pointer; color: var(--accent); margin: 0 0 10px; }
footer { color: var(--muted); font-size: 12px; padding: 0 40px 30px; }
`

/** Sorts a table by the column whose header is clicked (numbers by their exact value). */
export const REPORT_SCRIPT = `
for (const table of document.querySelectorAll('table.sortable')) {
  const headers = [...table.tHead.rows[0].cells]
  headers.forEach((header, column) => {
    header.addEventListener('click', () => {
      const ascending = header.dataset.order !== 'asc'
      for (const other of headers) delete other.dataset.order
      header.dataset.order = ascending ? 'asc' : 'desc'
      const key = (row) => {
        const cell = row.cells[column]
        return cell.dataset.value === undefined ? cell.textContent : Number(cell.dataset.value)
      }
      const rows = [...table.tBodies[0].rows].sort((a, b) => {
        const [x, y] = [key(a), key(b)]
        const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
        return ascending ? order : -order
      })
      table.tBodies[0].append(...rows)
    })
  })
}
`

/** The CSP source for an inline element's exact text: `'sha256-…'`. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}
