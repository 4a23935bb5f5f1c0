import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it, vi } from 'vitest'
import { createStatic, type StaticOptions } from '../../src/index.js'
import { OUTSIDE_FILE, OUTSIDE_TEXT, PUBLIC_ROOT, useTempRoot } from '../helpers/fixtures.js'
import { getAndHead, listen, request } from '../helpers/http.js'

async function serve(options: Partial<StaticOptions> = {}, withNext = false) {
  const assets = await createStatic({ root: PUBLIC_ROOT, indexFile: 'index.html', ...options })
  const next = vi.fn()
  const { url } = await listen((req, res) => {
    if (!withNext) return assets.handle(req, res)
    assets.handle(req, res, (error?: unknown) => {
      next(error)
      res.writeHead(error ? 500 : 418, { 'content-type': 'text/plain' })
      res.end(error ? 'app error' : 'app fallthrough')
    })
  })
  return { assets, url, next }
}

describe('handle() over a real socket', () => {
  it('serves a versioned file with immutable caching and the exact bytes', async () => {
    const { assets, url } = await serve()
    const response = await getAndHead(url, assets.url('css/app.css'))
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(response.body.equals(readFileSync(path.join(PUBLIC_ROOT, 'css/app.css')))).toBe(true)
  })

  it('serves /favicon.ico and /robots.txt from the root with revalidation', async () => {
    const { url } = await serve()
    for (const alias of ['favicon.ico', 'robots.txt']) {
      const response = await getAndHead(url, `/${alias}`)
      expect(response.status).toBe(200)
      expect(response.headers['cache-control']).toBe('no-cache')
      expect(response.body.equals(readFileSync(path.join(PUBLIC_ROOT, alias)))).toBe(true)
    }
  })

  it('answers a conditional GET with 304 and no body', async () => {
    const { assets, url } = await serve()
    const first = await request(url, '/static/img/logo.svg')
    const response = await getAndHead(url, '/static/img/logo.svg', {
      'if-none-match': first.headers.etag ?? '',
    })
    expect(response.status).toBe(304)
    expect(response.body.length).toBe(0)
    expect(response.headers.etag).toBe(assets.get('img/logo.svg')?.etag)
    const byDate = await getAndHead(url, '/static/img/logo.svg', {
      'if-modified-since': first.headers['last-modified'] ?? '',
    })
    expect(byDate.status).toBe(304)
  })

  it('streams a large file and its ranges byte for byte', async () => {
    const { url } = await serve()
    const bytes = readFileSync(path.join(PUBLIC_ROOT, 'img/large.bin'))
    const whole = await getAndHead(url, '/static/img/large.bin')
    expect(whole.body.equals(bytes)).toBe(true)
    const middle = await getAndHead(url, '/static/img/large.bin', { range: 'bytes=100000-100099' })
    expect(middle.status).toBe(206)
    expect(middle.headers['content-range']).toBe(`bytes 100000-100099/${bytes.length}`)
    expect(middle.body.equals(bytes.subarray(100000, 100100))).toBe(true)
    const suffix = await request(url, '/static/img/large.bin', { headers: { range: 'bytes=-10' } })
    expect(suffix.body.equals(bytes.subarray(bytes.length - 10))).toBe(true)
  })

  it('serves ranges of small (in-memory) files', async () => {
    const { url } = await serve()
    const response = await getAndHead(url, '/robots.txt', { range: 'bytes=0-9' })
    expect(response.status).toBe(206)
    expect(response.body.toString()).toBe('User-agent')
  })

  it('serves an empty file with Content-Length 0', async () => {
    const { url } = await serve()
    const response = await getAndHead(url, '/static/empty.txt')
    expect(response.status).toBe(200)
    expect(response.headers['content-length']).toBe('0')
  })

  it('answers 416 for an unsatisfiable range', async () => {
    const { url } = await serve()
    const response = await getAndHead(url, '/static/robots.txt', { range: 'bytes=500-' })
    expect(response.status).toBe(416)
    expect(response.headers['content-range']).toBe('bytes */23')
  })

  it('answers 405 with Allow for other methods', async () => {
    const { url } = await serve()
    const response = await request(url, '/static/css/app.css', { method: 'POST' })
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET, HEAD')
  })

  it('answers 404 without next(), and passes to next() with one', async () => {
    const standalone = await serve()
    expect((await getAndHead(standalone.url, '/static/missing.css')).status).toBe(404)
    expect((await getAndHead(standalone.url, '/other')).status).toBe(404)
    const mounted = await serve({}, true)
    expect((await request(mounted.url, '/static/missing.css')).status).toBe(418)
    expect((await request(mounted.url, '/other')).body.toString()).toBe('app fallthrough')
  })

  it('answers 400 to a malformed escape or a NUL byte', async () => {
    const { url } = await serve()
    expect((await getAndHead(url, '/static/%E0%A4%A')).status).toBe(400)
    expect((await getAndHead(url, '/static/robots.txt%00.png')).status).toBe(400)
  })

  it.each([
    '/static/../outside.txt',
    '/static/../../fixtures/outside.txt',
    '/static/%2e%2e/outside.txt',
    '/static/%2e%2e%2foutside.txt',
    '/static/..%2foutside.txt',
    '/static/..%5coutside.txt',
    '/static/%252e%252e%252foutside.txt',
    '/static/css/..%2f..%2foutside.txt',
    `/static/${OUTSIDE_FILE}`,
    `/static/%2F${OUTSIDE_FILE.slice(1)}`,
    '/static/.secret',
    '/static/%2esecret',
  ])('never serves a file outside the index: %s', async (target) => {
    const { url } = await serve()
    const response = await request(url, target)
    expect([400, 404]).toContain(response.status)
    expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
    expect(response.body.toString()).not.toContain('do-not-serve')
  })

  it('redirects a directory URL to its slash form and serves its index', async () => {
    const { url } = await serve()
    const redirect = await getAndHead(url, '/static/docs?x=1')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('/static/docs/?x=1')
    const page = await getAndHead(url, '/static/docs/')
    expect(page.body.toString()).toContain('Docs index')
  })

  it('redirects the prefix without its slash to the root index', async () => {
    const root = useTempRoot({ 'index.html': '<h1>root</h1>' })
    const withIndex = await createStatic({ root, indexFile: 'index.html' })
    const { url } = await listen((req, res) => withIndex.handle(req, res))
    const redirect = await getAndHead(url, '/static?x=1')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('/static/?x=1')
    expect((await getAndHead(url, '/static/')).body.toString()).toBe('<h1>root</h1>')
    const withoutIndex = await createStatic({ root })
    expect(withoutIndex.respond({ method: 'GET', url: '/static', header: () => undefined })).toBeUndefined()
  })

  it('treats directories as 404 without an index option', async () => {
    const { url } = await serve({ indexFile: false })
    expect((await request(url, '/static/docs/')).status).toBe(404)
    expect((await request(url, '/static/docs')).status).toBe(404)
  })

  it('lets setHeaders override any default header', async () => {
    const { url } = await serve({
      setHeaders(headers, { logicalPath }) {
        if (logicalPath.endsWith('.html')) headers['cache-control'] = 'public, max-age=60'
        headers['x-served-by'] = 'vstatic'
      },
    })
    const page = await getAndHead(url, '/static/docs/index.html')
    expect(page.headers['cache-control']).toBe('public, max-age=60')
    expect(page.headers['x-served-by']).toBe('vstatic')
    const notModified = await request(url, '/static/docs/index.html', {
      headers: { 'if-none-match': page.headers.etag ?? '' },
    })
    expect(notModified.status).toBe(304)
    expect(notModified.headers['cache-control']).toBe('public, max-age=60')
  })
})

describe('descriptors', () => {
  it('releases the descriptor of every download the client aborts', async () => {
    const root = useTempRoot({ 'big.bin': Buffer.alloc(4 * 1024 * 1024, 7) })
    const assets = await createStatic({ root })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const openDescriptors = () => readdirSync('/proc/self/fd').length
    const abortOnce = () =>
      new Promise<void>((resolve, reject) => {
        const req = httpGet(`${url}/static/big.bin`, { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        })
        req.on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'ECONNRESET' ? resolve() : reject(error),
        )
      })
    await abortOnce()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const before = openDescriptors()
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 20 }, abortOnce))
    // Give the server's streams a moment to see the closed sockets.
    for (let wait = 0; wait < 50 && openDescriptors() > before; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(openDescriptors()).toBeLessThanOrEqual(before)
  })
})

describe('aliases', () => {
  it('adds configured aliases, drops a default mapped to null, and falls through for a missing file', async () => {
    const root = useTempRoot({ 'sitemap.xml': '<urlset/>', 'robots.txt': 'User-agent: *\n' })
    const assets = await createStatic({
      root,
      aliases: { '/sitemap.xml': 'sitemap.xml', '/robots.txt': null, '/apple-touch-icon.png': 'icon.png' },
    })
    const next = vi.fn()
    const { url } = await listen((req, res) =>
      assets.handle(req, res, () => {
        next()
        res.writeHead(404)
        res.end('app 404')
      }),
    )
    const sitemap = await getAndHead(url, '/sitemap.xml')
    expect(sitemap.status).toBe(200)
    expect(sitemap.headers['content-type']).toBe('application/xml')
    expect((await request(url, '/robots.txt')).body.toString()).toBe('app 404')
    expect((await request(url, '/apple-touch-icon.png')).body.toString()).toBe('app 404')
    expect((await request(url, '/favicon.ico')).body.toString()).toBe('app 404')
    expect(next).toHaveBeenCalledTimes(3)
  })
})

describe('files that change after indexing', () => {
  it('answers 404, not a crash, for a file deleted since indexing (small and streamed)', async () => {
    const root = useTempRoot({ 'small.txt': 'small', 'big.bin': Buffer.alloc(300_000, 1) })
    const assets = await createStatic({ root })
    const { url } = await listen((req, res) => assets.handle(req, res))
    rmSync(path.join(root, 'small.txt'))
    rmSync(path.join(root, 'big.bin'))
    expect((await request(url, '/static/small.txt')).status).toBe(404)
    expect((await request(url, '/static/big.bin')).status).toBe(404)
    expect((await request(url, '/static/nothing')).status).toBe(404)
  })

  it('re-reads a file edited since indexing, so the ETag always matches the bytes', async () => {
    const root = useTempRoot({ 'a.txt': 'version one', 'big.bin': Buffer.alloc(300_000, 1) })
    const warnings: string[] = []
    const assets = await createStatic({ root, onWarning: (message) => warnings.push(message) })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.url('a.txt')
    writeFileSync(path.join(root, 'a.txt'), 'version two!')
    writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(300_001, 2))
    const small = await request(url, '/static/a.txt')
    expect(small.body.toString()).toBe('version two!')
    expect(small.headers.etag).toBe(assets.get('a.txt')?.etag)
    expect(assets.url('a.txt')).not.toBe(before)
    const big = await request(url, '/static/big.bin')
    expect(big.body.length).toBe(300_001)
    expect(big.headers['content-length']).toBe('300001')
    expect(warnings).toHaveLength(2)
  })
})

describe('a precompressed variant changed after indexing', () => {
  it('is not served: the entry is re-read and answered without the stale variant', async () => {
    const css = `a{background:url(i.png)}${' '.repeat(2000)}`
    const root = useTempRoot({ 'app.css': css, 'i.png': 'png' })
    const first = await createStatic({ root })
    const rewritten = first.get('app.css')?.body ?? Buffer.alloc(0)
    writeFileSync(path.join(root, 'app.css.gz'), gzipSync(rewritten))
    const warnings: string[] = []
    const assets = await createStatic({ root, onWarning: (message) => warnings.push(message) })
    expect(assets.get('app.css')?.encodings.map((variant) => variant.encoding)).toEqual(['gzip'])
    const { url } = await listen((req, res) => assets.handle(req, res))
    writeFileSync(path.join(root, 'app.css.gz'), gzipSync(Buffer.from('something else entirely')))
    const response = await request(url, '/static/app.css', { headers: { 'accept-encoding': 'gzip' } })
    expect(response.status).toBe(200)
    expect(response.headers['content-encoding']).toBeUndefined()
    expect(response.body.toString()).toBe(rewritten.toString())
    expect(response.headers.etag).toBe(assets.get('app.css')?.etag)
    expect(warnings).toEqual([
      `${path.join(root, 'app.css.gz')} changed on disk; app.css is no longer served as gzip`,
    ])
  })
})

describe('symlinks', () => {
  it('serves links that stay inside the root and never those that leave it', async () => {
    const root = useTempRoot({ 'real/inside.txt': 'inside' })
    symlinkSync(path.join(root, 'real/inside.txt'), path.join(root, 'link-inside.txt'))
    symlinkSync(OUTSIDE_FILE, path.join(root, 'link-outside.txt'))
    symlinkSync(path.dirname(OUTSIDE_FILE), path.join(root, 'linkdir'))
    symlinkSync(root, path.join(root, 'real/loop'))
    for (const dev of [false, true]) {
      const assets = await createStatic({ root, dev })
      const { url } = await listen((req, res) => assets.handle(req, res))
      expect((await request(url, '/static/link-inside.txt')).body.toString()).toBe('inside')
      for (const target of ['/static/link-outside.txt', '/static/linkdir/outside.txt']) {
        const response = await request(url, target)
        expect(response.status).toBe(404)
        expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
      }
    }
  })
})

describe('prefix "/"', () => {
  it('serves the whole root at the site root, index.html for "/", and keeps every rule', async () => {
    const root = useTempRoot({
      'index.html': '<h1>home</h1>',
      'css/app.css': 'a{}',
      'favicon.ico': 'icon',
      '.env': 'SECRET',
    })
    const assets = await createStatic({ root, prefix: '/', indexFile: 'index.html' })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(assets.url('css/app.css')).toMatch(/^\/css\/app\.css\?v=[0-9a-f]{16}$/)
    expect((await getAndHead(url, '/')).body.toString()).toBe('<h1>home</h1>')
    expect((await getAndHead(url, assets.url('css/app.css'))).headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    )
    expect((await getAndHead(url, '/favicon.ico')).body.toString()).toBe('icon')
    for (const target of [
      '/.env',
      '//etc/passwd',
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '//evil.example/',
    ]) {
      const response = await request(url, target)
      expect(response.status, target).toBe(404)
      expect(response.headers.location, target).toBeUndefined()
    }
  })
})

describe('stats() and the body cache budget', () => {
  it('counts the files and never holds more cached bytes than the budget', async () => {
    const root = useTempRoot({ 'a.txt': 'a'.repeat(60), 'b.txt': 'b'.repeat(60), 'c.txt': 'c'.repeat(30) })
    const assets = await createStatic({ root, memoryBudget: 100 })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(assets.stats()).toEqual({ files: 3, cachedBodyBytes: 0, memoryBudget: 100 })
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'a.txt', 'b.txt']) {
      expect((await request(url, `/static/${name}`)).body.toString()).toBe(
        name[0]?.repeat(name === 'c.txt' ? 30 : 60),
      )
      expect(assets.stats().cachedBodyBytes).toBeLessThanOrEqual(100)
    }
    expect(assets.stats().cachedBodyBytes).toBe(90)
    await assets.close()
    expect(assets.stats().cachedBodyBytes).toBe(0)
  })
})
