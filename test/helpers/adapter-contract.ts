import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, type HintList, type StaticAssets, type StaticOptions } from '../../src/index.js'
import { makeDeltaSite } from './delta-site.js'
import { OUTSIDE_TEXT, PUBLIC_ROOT } from './fixtures.js'
import { request as httpRequest, type RawResponse, withoutVolatile } from './http.js'
import { describePipelining } from './pipelining-contract.js'
import { describeTrust } from './trust-contract.js'

/** Sends one request to a mounted app. */
export type Requester = (
  path: string,
  options?: { method?: string; headers?: Record<string, string> },
) => Promise<RawResponse>

/** What the adapter is mounted with besides the assets: `serveStatic(assets, { earlyHints })`. */
export interface MountOptions {
  readonly earlyHints?: HintList
}

/**
 * Mounts `assets` in a real framework app listening on 127.0.0.1 (closed by the test). The app must
 * answer every request vstatic passes on with status 404 and the body `app 404`.
 */
export type Mount = (
  assets: StaticAssets,
  options?: MountOptions,
) => Promise<{ url: string; request?: Requester }>

/** What sets adapters apart in the shared table. */
export interface AdapterTraits {
  /**
   * How a navigation passed on to the app is hinted: a 103 before its response, a `Link` header on
   * it (a runtime that cannot send 1xx), or not at all (nothing is passed on to an app).
   */
  readonly hints: 'informational' | 'link-header' | 'none'
  /** The requests go over HTTP/2, where a 103 needs no opt-in. */
  readonly http2?: boolean
}

const file = (logicalPath: string) => readFileSync(path.join(PUBLIC_ROOT, logicalPath))

/** The behaviour every adapter must show, over a real socket. */
export function describeAdapter(
  name: string,
  mount: Mount,
  traits: AdapterTraits = { hints: 'informational' },
): void {
  describeTrust(name, mount)
  describeHints(name, mount, traits)
  describePipelining(name, mount)
  describe(`${name}: the shared behaviour table`, () => {
    async function setup() {
      const assets = await createStatic({ root: PUBLIC_ROOT })
      const mounted = await mount(assets)
      const request: Requester =
        mounted.request ?? ((target, options) => httpRequest(mounted.url, target, options))
      const getAndHead = async (target: string, headers: Record<string, string> = {}) => {
        const get = await request(target, { headers })
        const head = await request(target, { method: 'HEAD', headers })
        expect(head.status).toBe(get.status)
        expect(withoutVolatile(head.headers)).toEqual(withoutVolatile(get.headers))
        expect(head.body.length).toBe(0)
        return get
      }
      return { assets, request, getAndHead }
    }

    it('versioned URL → 200, immutable, exact bytes', async () => {
      const { assets, getAndHead } = await setup()
      const response = await getAndHead(assets.url('css/app.css'))
      expect(response.status).toBe(200)
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(response.headers.expires).toMatch(/ GMT$/)
      expect(response.headers['content-type']).toBe('text/css; charset=utf-8')
      expect(response.headers['content-length']).toBe(String(file('css/app.css').length))
      expect(response.headers['x-content-type-options']).toBe('nosniff')
      expect(response.headers.etag).toBe(assets.get('css/app.css')?.etag)
      expect(response.body.equals(file('css/app.css'))).toBe(true)
    })

    it('stale token → 200 with revalidation, never immutable', async () => {
      const { getAndHead } = await setup()
      const response = await getAndHead('/static/css/app.css?v=0000000000000000')
      expect(response.status).toBe(200)
      expect(response.headers['cache-control']).toBe('no-cache')
    })

    it('plain URL → 200, no-cache, validators', async () => {
      const { assets, getAndHead } = await setup()
      const response = await getAndHead('/static/img/logo.svg')
      expect(response.status).toBe(200)
      expect(response.headers['cache-control']).toBe('no-cache')
      expect(response.headers['last-modified']).toBe(assets.get('img/logo.svg')?.lastModified)
      expect(response.headers['accept-ranges']).toBe('bytes')
    })

    it('a kept Available-Dictionary with dcz accepted → the delta, Vary, its ETag; otherwise Brotli', async () => {
      const site = await makeDeltaSite()
      const assets = await createStatic({ root: site.outDir, manifest: site.manifest })
      const mounted = await mount(assets)
      const send: Requester =
        mounted.request ?? ((target, options) => httpRequest(mounted.url, target, options))
      const url = assets.url('js/app.js')
      const headers = {
        'accept-encoding': 'gzip, br, zstd, dcb, dcz',
        'available-dictionary': site.availableDictionary,
      }
      const delta = await send(url, { headers })
      expect(delta.status).toBe(200)
      expect(delta.headers['content-encoding']).toBe('dcz')
      expect(delta.headers.vary).toBe('Accept-Encoding, Available-Dictionary')
      expect(delta.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(delta.headers['use-as-dictionary']).toBe('match="/static/js/app.js"')
      expect(delta.body.equals(site.delta)).toBe(true)
      const etag = delta.headers.etag ?? ''
      expect(etag).not.toBe(assets.get('js/app.js')?.etag)
      expect((await send(url, { headers: { ...headers, 'if-none-match': etag } })).status).toBe(304)
      const unknown = await send(url, {
        headers: { ...headers, 'available-dictionary': `:${'A'.repeat(43)}=:` },
      })
      expect(unknown.headers['content-encoding']).toBe('br')
      expect(unknown.headers.vary).toBe('Accept-Encoding, Available-Dictionary')
    })

    it('If-None-Match → 304 with the cache headers and no body', async () => {
      const { assets, getAndHead } = await setup()
      const etag = assets.get('js/app.js')?.etag ?? ''
      const response = await getAndHead(assets.url('js/app.js'), { 'if-none-match': `"x", ${etag}` })
      expect(response.status).toBe(304)
      expect(response.headers.etag).toBe(etag)
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(response.body.length).toBe(0)
    })

    it('If-Modified-Since → 304; If-Match mismatch → 412', async () => {
      const { assets, getAndHead } = await setup()
      const since = assets.get('robots.txt')?.lastModified ?? ''
      expect((await getAndHead('/static/robots.txt', { 'if-modified-since': since })).status).toBe(304)
      expect((await getAndHead('/static/robots.txt', { 'if-match': '"nope"' })).status).toBe(412)
    })

    it('Range → 206 with the slice; unsatisfiable → 416', async () => {
      const { getAndHead } = await setup()
      const partial = await getAndHead('/static/img/large.bin', { range: 'bytes=1000-1999' })
      expect(partial.status).toBe(206)
      expect(partial.headers['content-range']).toBe(`bytes 1000-1999/${file('img/large.bin').length}`)
      expect(partial.body.equals(file('img/large.bin').subarray(1000, 2000))).toBe(true)
      const unsatisfiable = await getAndHead('/static/robots.txt', { range: 'bytes=999-' })
      expect(unsatisfiable.status).toBe(416)
      expect(unsatisfiable.headers['content-range']).toBe(`bytes */${file('robots.txt').length}`)
    })

    it('streams a large file whole', async () => {
      const { getAndHead } = await setup()
      const response = await getAndHead('/static/img/large.bin')
      expect(response.body.equals(file('img/large.bin'))).toBe(true)
    })

    it('root aliases /favicon.ico and /robots.txt', async () => {
      const { getAndHead } = await setup()
      for (const alias of ['favicon.ico', 'robots.txt']) {
        const response = await getAndHead(`/${alias}`)
        expect(response.status).toBe(200)
        expect(response.headers['cache-control']).toBe('no-cache')
        expect(response.body.equals(file(alias))).toBe(true)
      }
    })

    it('root aliases honour ?v= as the prefix does: current token → immutable, wrong token → no-cache', async () => {
      const { assets, getAndHead } = await setup()
      const token = assets.get('favicon.ico')?.token
      const current = await getAndHead(`/favicon.ico?v=${token}`)
      expect(current.status).toBe(200)
      expect(current.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(current.body.equals(file('favicon.ico'))).toBe(true)
      const wrong = await getAndHead('/favicon.ico?v=0000000000000000')
      expect(wrong.status).toBe(200)
      expect(wrong.headers['cache-control']).toBe('no-cache')
    })

    it('other methods on a file → 405 with Allow, WebDAV and TRACE included', async () => {
      const { request } = await setup()
      for (const method of ['POST', 'DELETE', 'TRACE', 'PROPFIND', 'MKCOL']) {
        const response = await request('/static/css/app.css', { method })
        expect(response.status, method).toBe(405)
        expect(response.headers.allow).toBe('GET, HEAD')
      }
    })

    it('the prefix without its slash → 301 to the prefix when a directory index is set', async () => {
      const assets = await createStatic({ root: path.join(PUBLIC_ROOT, 'docs'), indexFile: 'index.html' })
      const mounted = await mount(assets)
      const request: Requester =
        mounted.request ?? ((target, options) => httpRequest(mounted.url, target, options))
      const response = await request('/static?x=1')
      expect(response.status).toBe(301)
      expect(response.headers.location).toBe('/static/?x=1')
      expect(response.headers['cache-control']).toBe('no-cache')
      expect((await request('/static/')).body.equals(file('docs/index.html'))).toBe(true)
    })

    it('malformed escapes and NUL bytes → 400', async () => {
      const { request } = await setup()
      expect((await request('/static/%E0%A4%A')).status).toBe(400)
      expect((await request('/static/robots.txt%00.png')).status).toBe(400)
    })

    it('answers every payload of the traversal corpus without a byte from outside the root', async () => {
      const { request } = await setup()
      const payloads = readFileSync(path.join(PUBLIC_ROOT, '..', 'traversal-payloads.txt'), 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
      expect(payloads.length).toBeGreaterThanOrEqual(100)
      let sent = 0
      for (const payload of payloads) {
        const response = await request(payload).catch(() => undefined) // a target the client itself refuses
        if (response === undefined) continue
        sent++
        expect([400, 404], payload).toContain(response.status)
        const text = response.body.toString()
        expect(text, payload).not.toContain(OUTSIDE_TEXT)
        expect(text, payload).not.toContain('do-not-serve')
        expect(text, payload).not.toContain('root:x:0:0')
      }
      expect(sent).toBeGreaterThanOrEqual(100)
    })

    it('unknown files, dotfiles and traversal go to the app (its 404), never outside the root', async () => {
      const { request } = await setup()
      for (const target of [
        '/static/missing.css',
        '/static/.secret',
        '/static/../outside.txt',
        '/static/%2e%2e/outside.txt',
        '/static/..%2foutside.txt',
        '/static/%2e%2e%2f%2e%2e%2ffixtures/outside.txt',
        '/elsewhere',
      ]) {
        const response = await request(target)
        expect(response.status, target).toBe(404)
        expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
        expect(response.body.toString()).not.toContain('do-not-serve')
      }
      expect((await request('/static/missing.css')).body.toString()).toBe('app 404')
    })
  })
}

/** The preloads every page of the hint rows announces. */
const PAGE_HINTS: HintList = ['css/app.css', 'js/app.js']
const NAVIGATE = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html' }

/** The early-hints rows: a navigation the adapter passes on to the app is hinted, and nothing else is. */
function describeHints(name: string, mount: Mount, traits: AdapterTraits): void {
  describe.skipIf(traits.hints === 'none')(`${name}: early hints for the pages it passes on`, () => {
    async function setup(options: Partial<StaticOptions>) {
      const assets = await createStatic({ root: PUBLIC_ROOT, ...options })
      const mounted = await mount(assets, { earlyHints: PAGE_HINTS })
      const request: Requester =
        mounted.request ?? ((target, requestOptions) => httpRequest(mounted.url, target, requestOptions))
      return { assets, request }
    }
    /** What the response says of hints: the 103s' Link values, and its own Link header. */
    const hintsOf = (response: RawResponse) => ({
      early: (response.informational ?? []).map((info) => `${info.status} ${info.headers.link}`),
      link: response.headers.link,
    })

    it('a navigation to a page gets the preloads before the app answers', async () => {
      const { assets, request } = await setup({ earlyHints: { http1: true } })
      const response = await request('/page', { headers: NAVIGATE })
      expect(response.status).toBe(404)
      expect(response.body.toString()).toBe('app 404')
      const link = assets.linkHeader(PAGE_HINTS)
      expect(hintsOf(response)).toEqual(
        traits.hints === 'informational' ? { early: [`103 ${link}`], link: undefined } : { early: [], link },
      )
    })

    it(`without the http1 opt-in: ${traits.http2 === true ? 'still a 103 over HTTP/2' : 'no 103 over HTTP/1.1'}`, async () => {
      const { assets, request } = await setup({})
      const response = await request('/page', { headers: NAVIGATE })
      const link = assets.linkHeader(PAGE_HINTS)
      const expected =
        traits.hints === 'link-header'
          ? { early: [], link }
          : { early: traits.http2 === true ? [`103 ${link}`] : [], link: undefined }
      expect(hintsOf(response)).toEqual(expected)
      expect(response.body.toString()).toBe('app 404')
    })

    it('a fetch() from a page, a HEAD, and a static file get no hints', async () => {
      const { assets, request } = await setup({ earlyHints: { http1: true } })
      const none = { early: [], link: undefined }
      const fetched = await request('/page', {
        headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      })
      expect(hintsOf(fetched)).toEqual(none)
      const head = await request('/page', { method: 'HEAD', headers: NAVIGATE })
      expect(head.status).toBe(404)
      expect(hintsOf(head)).toEqual(none)
      const file = await request(assets.url('css/app.css'), { headers: NAVIGATE })
      expect(file.status).toBe(200)
      expect(hintsOf(file)).toEqual(none)
      expect(file.body.equals(readFileSync(path.join(PUBLIC_ROOT, 'css/app.css')))).toBe(true)
    })
  })
}
