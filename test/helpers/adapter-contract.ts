import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { OUTSIDE_TEXT, PUBLIC_ROOT } from './fixtures.js'
import { request as httpRequest, type RawResponse, withoutVolatile } from './http.js'
import { describePipelining } from './pipelining-contract.js'
import { describeTrust } from './trust-contract.js'

/** Sends one request to a mounted app. */
export type Requester = (
  path: string,
  options?: { method?: string; headers?: Record<string, string> },
) => Promise<RawResponse>

/**
 * Mounts `assets` in a real framework app listening on 127.0.0.1 (closed by the test). The app must
 * answer every request vstatic passes on with status 404 and the body `app 404`.
 */
export type Mount = (assets: StaticAssets) => Promise<{ url: string; request?: Requester }>

const file = (logicalPath: string) => readFileSync(path.join(PUBLIC_ROOT, logicalPath))

/** The behaviour every adapter must show, over a real socket. */
export function describeAdapter(name: string, mount: Mount): void {
  describeTrust(name, mount)
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
      const assets = await createStatic({ root: path.join(PUBLIC_ROOT, 'docs'), index: 'index.html' })
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
