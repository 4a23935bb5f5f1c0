// The demo site of `npm start`: a node:http server whose page links its assets through vstatic and
// shows what sets it apart: dev mode (VSTATIC_DEV=1 npm start), a stylesheet served with its
// references rewritten to versioned URLs, script and link tags with Subresource Integrity, the
// caching each URL gets, 103 Early Hints for its page, and the build report of its directory.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createStatic } from '../../dist/index.js'

const root = fileURLToPath(new URL('public', import.meta.url))
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const port = Number(process.env.PORT ?? 8888)
const host = process.env.HOST ?? '127.0.0.1'
const dev = process.env.VSTATIC_DEV === '1'
// The demo speaks HTTP/1.1, so its early hints need the opt-in (Firefox acts on them; curl shows them).
const assets = await createStatic({ root, dev, earlyHints: { http1: true } })
/** What the page loads, announced in a 103 before it is rendered. */
const pageHints = ['css/site.css', 'js/app.js']
// The report's builds go here; keeping the manifest between visits lets the report show what changed.
const work = mkdtempSync(path.join(tmpdir(), 'vstatic-demo-'))

const escapeHtml = (text) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** The lines of the stylesheet that reference files, exactly as the handler serves them. */
async function servedReferences(origin) {
  const response = await assets.fetch(new Request(origin + assets.url('css/site.css')))
  const lines = (await response.text()).split('\n')
  return lines
    .map((line, index) => `${String(index + 1).padStart(3)}  ${line.trim()}`)
    .filter((line) => /url\(|@import/.test(line) && !line.includes('/*') && !line.includes('*/'))
    .join('\n')
}

async function renderPage(origin) {
  const tags = `${assets.stylesheet('css/site.css')}\n${assets.script('js/app.js', { defer: true })}`
  const inspected = ['css/site.css', 'css/theme.css', 'js/app.js', 'img/logo.svg']
  const rows = [
    ...inspected.map((file) => [assets.url(file), 'the current token: cached for a year']),
    [assets.url('css/site.css', { version: false }), 'no token: revalidated'],
    ['/static/css/site.css?v=0000000000000000', 'a stale token: revalidated, never immutable'],
    ['/favicon.ico', 'a root alias'],
  ]
  const mode = dev
    ? '<span class="mode dev">dev mode</span> Edit a file in <code>examples/demo/public/</code> and reload: its URL, and the URL of every stylesheet that references it, change at once.'
    : '<span class="mode">production mode</span> Every file was hashed once at startup. Run <code>VSTATIC_DEV=1 npm start</code> for dev mode, where edits show at once.'
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>vstatic demo</title>
  <link rel="icon" href="/favicon.ico">
  ${tags}
</head>
<body>
<div class="page">
  <div class="masthead"><div class="logo"></div><h1>vstatic demo</h1></div>
  <p>${mode} Rendered <span id="rendered-at" data-rendered="${new Date().toISOString()}">now</span>.</p>
  <p id="note">app.js has not run</p>

  <div class="card">
    <h2>Tags with Subresource Integrity</h2>
    <p><code>assets.stylesheet()</code> and <code>assets.script()</code> wrote the tags of this page's head:</p>
    <pre>${escapeHtml(tags)}</pre>
  </div>

  <div class="card">
    <h2>A rewritten stylesheet</h2>
    <p>The lines of <code>css/site.css</code> that reference files, as it is served: its <code>@import</code> and <code>url()</code> name versioned URLs, so its own token changes whenever a file it references does. On disk they read <code>@import "theme.css"</code> and <code>url(../img/logo.svg)</code>.</p>
    <pre>${escapeHtml(await servedReferences(origin))}</pre>
  </div>

  <div class="card">
    <h2>What each URL gets</h2>
    <p>Asked by <code>app.js</code> with <code>HEAD</code> requests:</p>
    <table id="caching"><thead><tr><th>URL</th><th>Status</th><th>Cache-Control</th><th>ETag</th></tr></thead><tbody>
    ${rows.map(([url, why]) => `<tr data-url="${escapeHtml(url)}"><td><code>${escapeHtml(url)}</code><br><span class="note">${why}</span></td><td></td><td></td><td></td></tr>`).join('\n    ')}
    </tbody></table>
  </div>

  <div class="card">
    <h2>Early hints</h2>
    <p>Before rendering this page the server sent a <code>103 Early Hints</code> response with <code>assets.earlyHints(res, ${escapeHtml(JSON.stringify(pageHints))})</code>, so a browser can fetch the stylesheet and script while the page is still being written. Its <code>Link</code> header (<code>curl -si -H 'Sec-Fetch-Mode: navigate'</code> shows it):</p>
    <pre>${escapeHtml(assets.linkHeader(pageHints))}</pre>
  </div>

  <div class="card">
    <h2>The build report</h2>
    <p><a href="/report">Open the report</a> of <code>vstatic build --compress --report</code> on this directory: a treemap, Brotli and gzip sizes, cache policies, the reference graph and what changed since your last visit.</p>
  </div>
  <p class="note">Also served from the same directory: <a href="/robots.txt">/robots.txt</a>.</p>
</div>
</body>
</html>
`
}

/** Builds the directory as a deploy would, and returns the report page. */
async function renderReport() {
  const report = path.join(work, 'report.html')
  await promisify(execFile)(process.execPath, [
    cli,
    'build',
    root,
    '--out',
    path.join(work, 'static-manifest.json'),
    '--out-dir',
    path.join(work, 'static'),
    '--compress',
    '--report',
    report,
    '--quiet',
  ])
  return readFileSync(report, 'utf8')
}

function send(req, res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' })
  res.end(req.method === 'HEAD' ? undefined : body)
}

const server = http.createServer((req, res) => {
  assets.handle(req, res, () => {
    const pathname = new URL(req.url ?? '/', 'http://demo').pathname
    // Only for a navigation (not a fetch() or HEAD), once, before anything else is written.
    if (pathname === '/') assets.earlyHints(res, pageHints)
    const page =
      pathname === '/'
        ? renderPage('http://demo.invalid')
        : pathname === '/report'
          ? renderReport()
          : undefined
    if (page === undefined) return send(req, res, 404, 'text/plain; charset=utf-8', 'Not Found\n')
    page.then(
      (html) => send(req, res, 200, 'text/html; charset=utf-8', html),
      (error) => send(req, res, 500, 'text/plain; charset=utf-8', `${error.stack ?? error}\n`),
    )
  })
})

server.listen(port, host, () => {
  console.log(`vstatic demo on http://${host}:${server.address().port}/${dev ? ' (dev mode)' : ''}`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close()
    server.closeIdleConnections()
    rmSync(work, { recursive: true, force: true })
  })
}
