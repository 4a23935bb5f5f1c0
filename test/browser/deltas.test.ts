import { spawnSync } from 'node:child_process'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { makeDeltaSite } from '../helpers/delta-site.js'
import { selfSignedCertificate, trustCertificateFlags } from '../helpers/tls.js'

/** The test site's delta is written with Debian's zstd, so that this test runs on every Node. */
const HAS_ZSTD = spawnSync('zstd', ['--version']).status === 0

/** What the server saw of one request for the script. */
interface Seen {
  readonly url: string
  readonly availableDictionary: string | undefined
  readonly acceptEncoding: string | undefined
  readonly contentEncoding: string | undefined
  /** Content-Length of the body sent. */
  readonly bytes: number
}

describe.skipIf(!HAS_BROWSER || !HAS_ZSTD)('a real browser and dictionary deltas (HTTP/2, TLS)', () => {
  it('keeps the first version as a dictionary and gets the next one as a dcz delta, which runs', {
    timeout: 60_000,
  }, async () => {
    const site = await makeDeltaSite('query')
    const assets = await createStatic({ root: site.outDir, manifest: site.manifest, onWarning: () => {} })
    const manifest = readManifest(site.manifest)
    const [kept] = Object.values(manifest.history[0]?.files ?? {}).filter(
      (file) => file.logicalPath === 'js/app.js',
    )
    if (kept === undefined) throw new Error('the first version is not kept')
    const firstUrl = `/static/js/app.js?v=${kept.token}`
    const secondUrl = assets.url('js/app.js')
    const seen: Seen[] = []
    const page = (script: string) =>
      `<!doctype html><html><head><title>deltas</title><link rel="icon" href="data:,"></head><body><script type="module">` +
      `const m = await import(${JSON.stringify(script)}); document.body.dataset.release = m.release</script></body></html>`

    const credentials = selfSignedCertificate()
    const server = http2.createSecureServer(credentials, (req, res) => {
      if (req.url === '/first' || req.url === '/second') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        res.end(page(req.url === '/first' ? firstUrl : secondUrl))
        return
      }
      if (req.url?.startsWith('/static/js/app.js')) {
        res.once('finish', () =>
          seen.push({
            url: req.url ?? '',
            availableDictionary: req.headers['available-dictionary'] as string | undefined,
            acceptEncoding: req.headers['accept-encoding'],
            contentEncoding: res.getHeader('content-encoding') as string | undefined,
            bytes: Number(res.getHeader('content-length')),
          }),
        )
      }
      assets.handle(req as never, res as never)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`

    // Dictionaries are kept only for secure origins: the key's SPKI pin makes the certificate trusted.
    const browser = await launchBrowser(trustCertificateFlags(credentials.cert))
    const tab = await (await browser.newContext()).newPage()
    const problems: string[] = []
    tab.on('pageerror', (error) => problems.push(error.message))

    await tab.goto(`${origin}/first`, { waitUntil: 'load' })
    await tab.waitForFunction(() => document.body.dataset.release !== undefined)
    expect(await tab.evaluate(() => document.body.dataset.release)).toBe('v1')
    // The dictionary is stored once its response is read whole; give the browser a moment.
    await new Promise((resolve) => setTimeout(resolve, 500))

    await tab.goto(`${origin}/second`, { waitUntil: 'load' })
    await tab.waitForFunction(() => document.body.dataset.release !== undefined)
    expect(await tab.evaluate(() => document.body.dataset.release)).toBe('v2')

    const second = seen.find((request) => request.url === secondUrl)
    expect(second, JSON.stringify(seen)).toBeDefined()
    expect(second?.availableDictionary).toBe(site.availableDictionary)
    expect(second?.acceptEncoding).toMatch(/\bdcz\b/)
    expect(second?.contentEncoding).toBe('dcz')
    // What crossed the wire is the delta, a small part of the new version.
    expect(second?.bytes).toBe(site.delta.length)
    expect(site.delta.length * 10).toBeLessThan(site.v2.length)
    expect(problems).toEqual([])
  })
})
