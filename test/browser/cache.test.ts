import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen } from '../helpers/http.js'

interface Logged {
  readonly path: string
  readonly status: number
  readonly conditional: boolean
}

describe.skipIf(!HAS_BROWSER)('a real browser and the caching vstatic promises', () => {
  it('reuses versioned assets without asking, revalidates unversioned ones (304), and follows edits in dev mode', async () => {
    const root = useTempRoot({
      'css/app.css': 'h1 { color: rgb(1, 2, 3) }',
      'js/app.js': 'document.body.dataset.version = "one"',
      'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
      'img/photo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>',
    })
    const assets = await createStatic({ root, dev: true })
    const log: Logged[] = []
    const { url } = await listen((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
        res.end(`<!doctype html><html><head>
          <link rel="stylesheet" href="${assets.url('css/app.css')}">
          <script src="${assets.url('js/app.js')}" defer></script></head>
          <body><h1>cache</h1><img src="${assets.url('img/logo.svg')}"><img src="${assets.url('img/photo.svg', { version: false })}"></body></html>`)
        return
      }
      // Chromium asks for /favicon.ico on its own; the log records what the page asked for.
      if (req.url !== '/favicon.ico') {
        res.once('finish', () =>
          log.push({
            path: req.url ?? '',
            status: res.statusCode,
            conditional: req.headers['if-none-match'] !== undefined,
          }),
        )
      }
      assets.handle(req, res)
    })
    const browser = await launchBrowser()
    const page = await (await browser.newContext()).newPage()

    await page.goto(`${url}/`, { waitUntil: 'load' })
    expect(log.map((entry) => [entry.path, entry.status]).sort(), JSON.stringify(log)).toEqual(
      [
        [assets.url('css/app.css'), 200],
        [assets.url('js/app.js'), 200],
        [assets.url('img/logo.svg'), 200],
        ['/static/img/photo.svg', 200],
      ].sort(),
    )

    // Reload: the versioned assets come from the browser cache; the unversioned image is revalidated.
    log.length = 0
    await page.reload({ waitUntil: 'load' })
    expect(log, JSON.stringify(log)).toEqual([
      { path: '/static/img/photo.svg', status: 304, conditional: true },
    ])
    expect(await page.evaluate(() => document.body.dataset.version)).toBe('one')

    // An edit in dev mode: the re-rendered page names new URLs, which are fetched; the old ones are not reused.
    const oldCss = assets.url('css/app.css')
    const oldJs = assets.url('js/app.js')
    writeFileSync(path.join(root, 'css/app.css'), 'h1 { color: rgb(4, 5, 6) }')
    writeFileSync(path.join(root, 'js/app.js'), 'document.body.dataset.version = "two"')
    log.length = 0
    await page.goto(`${url}/`, { waitUntil: 'load' })
    const fetched = log.map((entry) => entry.path)
    expect(fetched, JSON.stringify(log)).toContain(assets.url('css/app.css'))
    expect(fetched).toContain(assets.url('js/app.js'))
    expect(fetched).not.toContain(oldCss)
    expect(fetched).not.toContain(oldJs)
    expect(fetched).not.toContain(assets.url('img/logo.svg'))
    expect(await page.evaluate(() => document.body.dataset.version)).toBe('two')
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('h1') as Element).color)).toBe(
      'rgb(4, 5, 6)',
    )
  }, 60_000)
})
