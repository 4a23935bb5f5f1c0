import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic } from '../../src/index.js'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen } from '../helpers/http.js'

const padding = `/* ${'padding so the file is worth compressing. '.repeat(40)} */\n`
const SITE = {
  'css/site.css': `${padding}@import "theme.css";\nbody { background-image: url(../img/dot.svg); }\n`,
  'css/theme.css': `${padding}h1 { color: rgb(0, 170, 85); }\n`,
  'img/dot.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
  'js/app.js': `${padding}document.body.dataset.app = 'ran'\n`,
  'js/extra.js': `${padding}document.body.dataset.extra = 'ran'\n`,
}

describe.skipIf(!HAS_BROWSER)('a real browser and Subresource Integrity', () => {
  it('loads fingerprinted, compressed output and verifies every script and stylesheet', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root, out, outDir, versioning: 'filename', compress: true })
    const assets = await createStatic({ root: outDir, manifest: out })
    const page = (scripts: string) =>
      `<!doctype html><html><head>${assets.stylesheet('css/site.css')}</head><body><h1>SRI</h1>${scripts}</body></html>`
    const { url } = await listen((req, res) => {
      if (req.url === '/' || req.url === '/tampered') {
        const tampered = assets
          .script('js/extra.js')
          .replace(/integrity="sha384-[^"]+"/, `integrity="sha384-${'A'.repeat(64)}"`)
        const scripts = req.url === '/' ? assets.script('js/app.js') + assets.script('js/extra.js') : tampered
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.end(page(scripts))
        return
      }
      assets.handle(req, res)
    })

    const browser = await launchBrowser()
    const context = await browser.newContext()
    const tab = await context.newPage()
    const messages: string[] = []
    tab.on('console', (message) => messages.push(message.text()))
    const responses: Array<{ url: string; status: number; encoding: string | undefined }> = []
    tab.on('response', (response) =>
      responses.push({
        url: response.url(),
        status: response.status(),
        encoding: response.headers()['content-encoding'],
      }),
    )
    await tab.goto(`${url}/`, { waitUntil: 'load' })
    expect(await tab.evaluate(() => ({ ...document.body.dataset }))).toEqual({ app: 'ran', extra: 'ran' })
    expect(await tab.evaluate(() => getComputedStyle(document.querySelector('h1') as Element).color)).toBe(
      'rgb(0, 170, 85)',
    )
    const assetResponses = responses.filter((response) => response.url.includes('/static/'))
    expect(assetResponses.map((response) => response.url.replace(url, '')).sort()).toEqual(
      [
        assets.url('css/site.css'),
        assets.url('css/theme.css'),
        assets.url('img/dot.svg'),
        assets.url('js/app.js'),
        assets.url('js/extra.js'),
      ].sort(),
    )
    for (const response of assetResponses) expect(response.status).toBe(200)
    // The scripts and stylesheets came compressed: the SRI check passed on the decoded bodies.
    const compressed = assetResponses.filter(
      (response) => response.encoding === 'br' || response.encoding === 'gzip',
    )
    expect(compressed.map((response) => response.url.replace(url, '')).sort()).toEqual(
      [
        assets.url('css/site.css'),
        assets.url('css/theme.css'),
        assets.url('js/app.js'),
        assets.url('js/extra.js'),
      ].sort(),
    )
    expect(messages.filter((text) => /integrity/i.test(text))).toEqual([])

    // The control: a wrong digest is refused, so the check above is real.
    await tab.goto(`${url}/tampered`, { waitUntil: 'load' })
    expect(await tab.evaluate(() => document.body.dataset.extra)).toBeUndefined()
    expect(messages.some((text) => /integrity/i.test(text))).toBe(true)
  }, 60_000)
})
