import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { type Manifest, readManifest } from '../../src/manifest/format.js'
import type { BuildReportData } from '../../src/report/data.js'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { run } from '../helpers/cli.js'
import { useTempRoot, writeTree } from '../helpers/fixtures.js'

const padding = `/* ${'text that compresses well. '.repeat(60)} */\n`
const SITE = {
  'css/site.css': `${padding}@import "theme.css";\nbody { background: url(../img/dot.svg); }\n.x { background: url(gone.png) }\n`,
  'css/theme.css': `${padding}h1 { color: green }\n`,
  'img/dot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'img/photo.png': Buffer.alloc(3000, 7),
  'js/app.js': `${padding}console.log("app")\n`,
  'old.txt': 'removed in the second build',
  'favicon.ico': Buffer.alloc(200, 1),
}

/** Two builds of SITE with --compress into an output directory, the second one reported. */
async function buildTwice(
  extra: (work: string) => string[],
): Promise<{ manifest: Manifest; stdout: string; work: string }> {
  const root = useTempRoot(SITE)
  const work = useTempRoot({})
  const out = path.join(work, 'static-manifest.json')
  const flags = ['--out', out, '--out-dir', path.join(work, 'dist'), '--compress']
  expect((await run(['build', root, ...flags, '--quiet'])).code).toBe(0)
  writeTree(root, { 'js/app.js': `${padding}console.log("app, version two")\n`, 'new.txt': 'added' })
  rmSync(path.join(root, 'old.txt'))
  const second = await run(['build', root, ...flags, ...extra(work)])
  expect(second.code).toBe(0)
  return { manifest: readManifest(out), stdout: second.stdout, work }
}

describe('vstatic build --json', () => {
  it('carries the report: sizes, cache policies, graph, warnings and changes', async () => {
    const { manifest, stdout, work } = await buildTwice(() => ['--json'])
    const { report } = JSON.parse(stdout) as { report: BuildReportData }
    const entries = Object.entries(manifest.assets)
    expect(report.files.map((file) => [file.path, file.size, file.br, file.gzip])).toEqual(
      entries.map(([file, entry]) => [
        file,
        entry.size,
        entry.encodings?.br?.size ?? null,
        entry.encodings?.gzip?.size ?? null,
      ]),
    )
    expect(report.totals).toEqual({
      files: entries.length,
      bytes: entries.reduce((sum, [, e]) => sum + e.size, 0),
    })
    expect(report.largest[0]).toEqual({ path: 'img/photo.png', size: 3000 })
    expect(report.graph).toEqual([{ from: 'css/site.css', to: ['css/theme.css', 'img/dot.svg'] }])
    expect(report.warnings).toEqual([
      {
        message: 'css/site.css:4: reference "gone.png" left as is (css/gone.png is not in the root)',
        kind: 'unresolved-reference',
        paths: ['css/site.css'],
      },
    ])
    const app = manifest.assets['js/app.js']
    const before = manifest.history[0]?.files
    const oldApp = Object.values(before ?? {}).find((file) => file.logicalPath === 'js/app.js')
    expect(report.changes).toMatchObject({
      previousBuildId: manifest.history[0]?.buildId,
      added: [{ path: 'new.txt', before: null, after: 5, delta: 5 }],
      removed: [{ path: 'old.txt', before: 27, after: null, delta: -27 }],
      changed: [{ path: 'js/app.js', before: oldApp?.size, after: app?.size }],
    })
    expect(report.cache.map((policy) => [policy.urls, policy.cacheControl])).toEqual([
      ['versioned URLs (current token)', 'public, max-age=31536000, immutable'],
      ['versions kept from earlier builds', 'public, max-age=31536000, immutable'],
      ['plain URLs (no token)', 'no-cache'],
      ['a stale or unknown token', 'no-cache'],
      ['root aliases', 'no-cache'],
      ['root aliases with the current ?v=', 'public, max-age=31536000, immutable'],
      ['404 under /static/', 'no-cache'],
    ])
    // Kept versions: only those that differ from the current version of their file.
    const keptFiles = Object.values(manifest.history[0]?.files ?? {})
    const differing = keptFiles.filter((file) => manifest.assets[file.logicalPath]?.token !== file.token)
    expect(differing.length).toBeGreaterThan(0)
    expect(differing.length).toBeLessThan(keptFiles.length)
    const policy = (urls: string) => report.cache.find((row) => row.urls === urls)
    expect(policy('versions kept from earlier builds')?.count).toBe(differing.length)
    // The alias rows say what vstatic's handler sends for those URLs.
    const assets = await createStatic({
      root: path.join(work, 'dist'),
      manifest: path.join(work, 'static-manifest.json'),
    })
    for (const urls of ['root aliases', 'root aliases with the current ?v=']) {
      const row = policy(urls)
      const response = assets.respond({ method: 'GET', url: row?.example ?? '', header: () => undefined })
      expect(response?.status, urls).toBe(200)
      expect(response?.headers['cache-control'], urls).toBe(row?.cacheControl)
    }
  })
})

describe.skipIf(!HAS_BROWSER)('vstatic build --report in a real browser', () => {
  it('renders with no console error, loads nothing else, and agrees with the manifest', async () => {
    const { manifest, stdout, work } = await buildTwice((dir) => ['--report', path.join(dir, 'report.html')])
    const page = path.join(work, 'report.html')
    expect(stdout).toMatch(new RegExp(`\nReport: ${page}\n$`))
    expect(readFileSync(page, 'utf8')).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)

    const browser = await launchBrowser()
    const tab = await browser.newPage()
    const problems: string[] = []
    const requests: string[] = []
    tab.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
    })
    tab.on('pageerror', (error) => problems.push(error.message))
    tab.on('request', (request) => requests.push(request.url()))
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' })

    const entries = Object.entries(manifest.assets)
    const read = (selector: string, attribute: string) =>
      tab.$eval(selector, (element, name) => element.getAttribute(name), attribute)
    expect(await read('[data-total-files]', 'data-total-files')).toBe(String(entries.length))
    expect(await read('[data-total-bytes]', 'data-total-bytes')).toBe(
      String(entries.reduce((sum, [, entry]) => sum + entry.size, 0)),
    )
    const compressed = entries.filter(([, entry]) => entry.encodings !== undefined)
    expect(await read('[data-br-bytes]', 'data-br-bytes')).toBe(
      String(compressed.reduce((sum, [, entry]) => sum + (entry.encodings?.br?.size ?? entry.size), 0)),
    )
    const rows = await tab.$$eval('#files tr[data-path]', (elements) =>
      elements.map((row) => [row.dataset.path, row.dataset.size, row.dataset.br, row.dataset.gzip]),
    )
    expect(rows).toEqual(
      entries.map(([logicalPath, entry]) => [
        logicalPath,
        String(entry.size),
        String(entry.encodings?.br?.size ?? ''),
        String(entry.encodings?.gzip?.size ?? ''),
      ]),
    )
    const tiles = await tab.$$eval('svg.treemap g.file', (elements) =>
      elements.map((tile) => [tile.dataset.path, Number(tile.dataset.size)]).sort(),
    )
    expect(tiles).toEqual(entries.map(([logicalPath, entry]) => [logicalPath, entry.size]).sort())
    const changes = await tab.$$eval('#changes tr[data-change]', (elements) =>
      elements.map((row) => `${row.dataset.change} ${row.dataset.path}`),
    )
    expect(changes).toEqual(['added new.txt', 'removed old.txt', 'changed js/app.js'])
    expect(await tab.$$eval('#warnings li', (items) => items.map((item) => item.dataset.kind))).toEqual([
      'unresolved-reference',
    ])
    expect(await tab.$$eval('svg.graph g.node', (nodes) => nodes.map((node) => node.dataset.path))).toEqual([
      'css/site.css',
      'css/theme.css',
      'img/dot.svg',
    ])

    // The inline script runs under the page's Content-Security-Policy: a header click sorts.
    await tab.click('#compression th:nth-child(2)')
    const served = await tab.$$eval('#compression tbody tr td:nth-child(2)', (cells) =>
      cells.map((cell) => Number((cell as HTMLElement).dataset.value)),
    )
    expect(served).toEqual([...served].sort((a, b) => a - b))
    expect(problems).toEqual([])
    expect(requests).toEqual([pathToFileURL(page).href])
  }, 60_000)
})
