/**
 * renderReportPage(): `vstatic build --report <file.html>`, one self-contained page: inline SVG
 * charts, an inline stylesheet and one inline script, and a Content-Security-Policy that lets the
 * page load nothing else. Every number on it carries its exact value in a data attribute.
 * @module
 */
import type { BuildReportData, ReportFile, ReportWarning } from './data.js'
import { CATEGORIES, escapeHtml, formatBytes, formatDelta, formatSaving } from './format.js'
import { renderGraph } from './graph.js'
import { cspHash, REPORT_SCRIPT, REPORT_STYLE } from './style.js'
import { renderTreemap } from './treemap.js'

/** The whole page. */
export function renderReportPage(report: BuildReportData): string {
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(REPORT_STYLE)}`,
    `script-src ${cspHash(REPORT_SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
  return `<!doctype html>
<html lang="en">
${pageHead(`vstatic build ${escapeHtml(report.buildId)}`, csp)}
<body>
${header(report)}
<main>
${section('Served bytes by folder and file', `${renderTreemap(report.files)}\n${legend()}`, 'treemap')}
<div class="columns">
${section('Largest files', largest(report), 'largest')}
${section('Cache policy by URL', cachePolicy(report), 'cache')}
</div>
${section('Compression', compression(report), 'compression')}
${report.deltas.length > 0 ? section('Deltas for returning visitors', deltas(report), 'deltas') : ''}
${section('Reference graph', graph(report), 'graph')}
${section(`Warnings (${report.warnings.length})`, warnings(report), 'warnings')}
${section('Changes since the previous build', changes(report), 'changes')}
${section(`All files (${report.totals.files})`, `<details><summary>Show every file with its URL</summary>${fileTable(report.files)}</details>`, 'files')}
</main>
<footer>${escapeHtml(report.generator)} · this page loads nothing from the network</footer>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`
}

/** What a build that failed (`--strict`) leaves to report: its problems and every warning. */
export interface FailedBuild {
  readonly generator: string
  readonly problems: readonly string[]
  readonly warnings: readonly ReportWarning[]
}

/**
 * The page of a build that `--strict` stopped before it wrote anything: the problems that stopped
 * it and every warning, so that the CI artefact explains the failure.
 */
export function renderFailedReportPage(failure: FailedBuild): string {
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(REPORT_STYLE)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
  const problems = failure.problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('')
  return `<!doctype html>
<html lang="en">
${pageHead('vstatic build failed', csp)}
<body>
<header><h1>Build failed (--strict)</h1><p data-problems="${failure.problems.length}">${failure.problems.length} ${failure.problems.length === 1 ? 'problem' : 'problems'}; nothing was written, and the previous build stays in force.</p></header>
<main>
${section('Problems', `<ul class="warnings">${problems}</ul>`, 'problems')}
${section(`Warnings (${failure.warnings.length})`, warningList(failure.warnings), 'warnings')}
</main>
<footer>${escapeHtml(failure.generator)} · this page loads nothing from the network</footer>
</body>
</html>
`
}

// --- internal ---

function section(title: string, body: string, id: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`
}

/** A number shown for people, with its exact value for sorting and for tests. */
function bytesCell(bytes: number | null): string {
  if (bytes === null) return '<td class="number" data-value="-1">–</td>'
  return `<td class="number" data-value="${bytes}" title="${bytes} bytes">${formatBytes(bytes)}</td>`
}

function header(report: BuildReportData): string {
  const { compression, totals, changes } = report
  const changed =
    changes === null
      ? 'first build'
      : `+${changes.added.length} −${changes.removed.length} ~${changes.changed.length}`
  const card = (term: string, value: string, detail: string, attributes: string) =>
    `<div><dt>${term}</dt><dd ${attributes}>${value}<span>${detail}</span></dd></div>`
  return `<header>
<h1>Build report <small>${escapeHtml(report.buildId)}</small></h1>
<p class="meta">Built <code>${escapeHtml(report.builtAt)}</code> · prefix <code>${escapeHtml(report.prefix)}</code> · ${escapeHtml(report.versioning)} versioning · ${report.layout === 'out-dir' ? 'output directory' : 'files served from the root'}</p>
<dl class="cards">
${card('Files', String(totals.files), `${report.files.filter((file) => file.rewritten).length} rewritten`, `data-total-files="${totals.files}"`)}
${card('Served', formatBytes(totals.bytes), `${totals.bytes} bytes`, `data-total-bytes="${totals.bytes}"`)}
${compressionCard('Brotli', compression.identity, compression.br, compression.files, 'br')}
${compressionCard('gzip', compression.identity, compression.gzip, compression.files, 'gzip')}
${card('Warnings', String(report.warnings.length), report.warnings.length === 0 ? 'none' : 'see below', `data-warnings="${report.warnings.length}"`)}
${card('Changes', changed, changes === null ? '' : formatDelta(changes.delta), `data-delta="${changes?.delta ?? 0}"`)}
</dl>
</header>`
}

/** What the files with variants weigh compressed, against `identity` as they are. */
function compressionCard(
  term: string,
  identity: number,
  compressed: number,
  files: number,
  key: string,
): string {
  const [value, detail] =
    files === 0
      ? ['–', 'no variants (--compress)']
      : [
          formatBytes(compressed),
          `${formatSaving(identity, compressed)} smaller than ${formatBytes(identity)}`,
        ]
  return `<div><dt>${term}</dt><dd data-${key}-bytes="${compressed}" data-${key}-files="${files}">${value}<span>${detail}</span></dd></div>`
}

function legend(): string {
  return `<ul class="legend">${CATEGORIES.map(([name, text]) => `<li class="${name}">${text}</li>`).join('')}</ul>`
}

function largest(report: BuildReportData): string {
  const top = report.largest[0]?.size ?? 0
  const rows = report.largest.map(
    ({ path, size }) =>
      `<tr data-path="${escapeHtml(path)}" data-size="${size}"><td class="path"><code>${escapeHtml(path)}</code></td>${bytesCell(size)}` +
      `<td class="bar"><svg viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="${top === 0 ? 0 : Math.max(0.5, (size / top) * 100).toFixed(1)}" height="10" rx="2"/></svg></td></tr>`,
  )
  return `<table><thead><tr><th>File</th><th class="number">Served</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function cachePolicy(report: BuildReportData): string {
  const rows = report.cache.map(
    (policy) =>
      `<tr><td>${escapeHtml(policy.urls)}${policy.example === undefined ? '' : `<br><code>${escapeHtml(policy.example)}</code>`}</td>` +
      `<td class="number">${policy.count}</td><td><code>${escapeHtml(policy.cacheControl)}</code></td></tr>`,
  )
  return (
    `<table><thead><tr><th>URLs</th><th class="number">Files</th><th>Cache-Control</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    '<p class="meta">As vstatic and <code>vstatic nginx</code> send them by default; <code>maxAge</code> (<code>--max-age</code>) changes the revalidated ones.</p>'
  )
}

function compression(report: BuildReportData): string {
  const files = report.files.filter((file) => file.br !== null || file.gzip !== null)
  if (files.length === 0)
    return '<p class="empty">No precompressed variants: build with <code>--compress</code> to write Brotli and gzip files.</p>'
  const rows = [...files]
    .sort((a, b) => b.size - a.size)
    .map(
      (file) =>
        `<tr><td class="path"><code>${escapeHtml(file.path)}</code></td>${bytesCell(file.size)}${bytesCell(file.br)}${bytesCell(file.gzip)}` +
        `<td class="number">${formatSaving(file.size, file.br)}</td><td class="number">${formatSaving(file.size, file.gzip)}</td></tr>`,
    )
  return `<table class="sortable"><thead><tr><th>File</th><th class="number">Served</th><th class="number">br</th><th class="number">gzip</th><th class="number">br saves</th><th class="number">gzip saves</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** Each file with deltas: what a visitor who has the previous version downloads instead. */
function deltas(report: BuildReportData): string {
  const delta = report.deltas.reduce((total, row) => total + row.delta, 0)
  const instead = report.deltas.reduce((total, row) => total + row.instead, 0)
  const rows = report.deltas.map(
    (row) =>
      `<tr><td class="path"><code>${escapeHtml(row.path)}</code></td>${bytesCell(row.delta)}${bytesCell(row.instead)}` +
      `<td class="number">${formatSaving(row.instead, row.delta)}</td><td class="number">${row.dictionaries}</td></tr>`,
  )
  return (
    `<p class="deltas-total">A returning visitor downloads ${formatBytes(delta)} instead of ${formatBytes(instead)} for the ${report.deltas.length} changed text file(s) with deltas (against the previous version).</p>` +
    `<table class="sortable"><thead><tr><th>File</th><th class="number">Delta</th><th class="number">Instead</th><th class="number">Saves</th><th class="number">Kept versions</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  )
}

function graph(report: BuildReportData): string {
  if (report.graph.length === 0) return '<p class="empty">No file references another.</p>'
  const cycles = new Set(report.files.filter((file) => file.cycle).map((file) => file.path))
  const rows = report.graph.map(
    ({ from, to }) =>
      `<tr data-path="${escapeHtml(from)}"><td class="path"><code>${escapeHtml(from)}</code>${cycles.has(from) ? '<span class="tag cycle">cycle</span>' : ''}</td>` +
      `<td>${to.map((target) => `<code>${escapeHtml(target)}</code>`).join(', ')}</td></tr>`,
  )
  return `${renderGraph(report)}<table><thead><tr><th>File</th><th>References</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function warnings(report: BuildReportData): string {
  return warningList(report.warnings)
}

function warningList(list: readonly ReportWarning[]): string {
  if (list.length === 0) return '<p class="empty">None.</p>'
  const items = list.map(
    (warning) =>
      `<li data-kind="${escapeHtml(warning.kind ?? 'other')}">${escapeHtml(warning.message)}${warning.kind === undefined ? '' : `<span class="tag">${escapeHtml(warning.kind)}</span>`}</li>`,
  )
  return `<ul class="warnings">${items.join('')}</ul>`
}

function changes(report: BuildReportData): string {
  const { changes: diff } = report
  if (diff === null)
    return '<p class="empty">This is the first build: there is no previous manifest to compare with.</p>'
  const all = [
    ...diff.added.map((file) => ({ ...file, kind: 'added' })),
    ...diff.removed.map((file) => ({ ...file, kind: 'removed' })),
    ...diff.changed.map((file) => ({ ...file, kind: 'changed' })),
  ]
  const since = `<p class="meta">Since build <code>${escapeHtml(diff.previousBuildId)}</code> of <code>${escapeHtml(diff.previousBuiltAt)}</code>: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${formatDelta(diff.delta)} in all.</p>`
  if (all.length === 0) return `${since}<p class="empty">Nothing changed.</p>`
  const rows = all.map(
    (file) =>
      `<tr data-change="${file.kind}" data-path="${escapeHtml(file.path)}" data-delta="${file.delta}"><td><span class="tag ${file.kind}">${file.kind}</span></td>` +
      `<td class="path"><code>${escapeHtml(file.path)}</code></td>${bytesCell(file.before)}${bytesCell(file.after)}` +
      `<td class="number ${file.delta > 0 ? 'delta-up' : file.delta < 0 ? 'delta-down' : ''}" data-value="${file.delta}">${formatDelta(file.delta)}</td></tr>`,
  )
  return `${since}<table class="sortable"><thead><tr><th></th><th>File</th><th class="number">Before</th><th class="number">After</th><th class="number">Change</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function fileTable(files: readonly ReportFile[]): string {
  const rows = files.map(
    (file) =>
      `<tr data-path="${escapeHtml(file.path)}" data-size="${file.size}" data-br="${file.br ?? ''}" data-gzip="${file.gzip ?? ''}">` +
      `<td class="path"><code>${escapeHtml(file.path)}</code>${file.rewritten ? '<span class="tag">rewritten</span>' : ''}${file.fingerprinted ? '<span class="tag">bundler</span>' : ''}</td>` +
      `<td>${escapeHtml(file.contentType)}</td>${bytesCell(file.size)}${bytesCell(file.br)}${bytesCell(file.gzip)}<td class="path"><code>${escapeHtml(file.url)}</code></td></tr>`,
  )
  return `<table class="sortable"><thead><tr><th>File</th><th>Type</th><th class="number">Served</th><th class="number">br</th><th class="number">gzip</th><th>URL</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The `<head>` of a report page: its policy, its title (already escaped) and the inline stylesheet. */
function pageHead(title: string, csp: string): string {
  return `<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${REPORT_STYLE}</style>
</head>`
}
