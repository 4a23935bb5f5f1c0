import { beforeAll, describe, expect, it } from 'vitest'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'

let assets: StaticAssets
beforeAll(async () => {
  assets = await createStatic({ root: PUBLIC_ROOT, indexFile: 'index.html' })
})

function respond(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return assets.respond({ method, url, header: (name) => headers[name] })
}

function css() {
  const asset = assets.get('css/app.css')
  if (asset === undefined) throw new Error('fixture css/app.css is missing')
  return asset
}

describe('given a versioned URL with the current token', () => {
  it('answers 200 with immutable caching and the full validator set', () => {
    const asset = css()
    const plan = respond(assets.url('css/app.css'))
    expect(plan?.status).toBe(200)
    expect(plan?.headers).toEqual({
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-length': String(asset.size),
      'content-type': 'text/css; charset=utf-8',
      etag: asset.etag,
      expires: expect.stringMatching(/ GMT$/),
      'last-modified': asset.lastModified,
      'x-content-type-options': 'nosniff',
    })
    expect(plan?.body).toEqual({ asset, start: 0, end: asset.size - 1 })
  })

  it('sets Expires a year ahead', () => {
    const expires = Date.parse(respond(assets.url('css/app.css'))?.headers.expires ?? '')
    expect(Math.abs(expires - (Date.now() + 31_536_000_000))).toBeLessThan(5000)
  })
})

describe('given a stale or forged token', () => {
  it.each(['?v=0000000000000000', '?v=', '?v', '?x=1&v=deadbeef'])(
    '%s revalidates and is never immutable',
    (query) => {
      const plan = respond(`/static/css/app.css${query}`)
      expect(plan?.status).toBe(200)
      expect(plan?.headers['cache-control']).toBe('no-cache')
      expect(plan?.headers.expires).toBeUndefined()
    },
  )
})

describe('given no token', () => {
  it('sends no-cache with ETag and Last-Modified', () => {
    const plan = respond('/static/css/app.css')
    expect(plan?.headers['cache-control']).toBe('no-cache')
    expect(plan?.headers.etag).toBe(css().etag)
  })

  it('treats other query parameters as no token', () => {
    expect(respond('/static/css/app.css?x=1')?.headers['cache-control']).toBe('no-cache')
  })
})

describe('conditional requests', () => {
  it('answers 304 to a matching If-None-Match with the 200 cache headers and no body', () => {
    const asset = css()
    const plan = respond(assets.url('css/app.css'), { 'if-none-match': asset.etag })
    expect(plan?.status).toBe(304)
    expect(plan?.headers).toEqual({
      'cache-control': 'public, max-age=31536000, immutable',
      etag: asset.etag,
      expires: expect.stringMatching(/ GMT$/),
      'last-modified': asset.lastModified,
    })
    expect(plan?.body).toBeNull()
  })

  it('answers 304 to If-Modified-Since equal to Last-Modified', () => {
    expect(respond('/static/css/app.css', { 'if-modified-since': css().lastModified })?.status).toBe(304)
  })

  it('answers 412 to a failing If-Match', () => {
    const plan = respond('/static/css/app.css', { 'if-match': '"other"' })
    expect(plan?.status).toBe(412)
    expect(plan?.headers.etag).toBeUndefined()
  })

  it('answers 412 to If-Unmodified-Since before Last-Modified', () => {
    const plan = respond('/static/css/app.css', { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' })
    expect(plan?.status).toBe(412)
  })
})

describe('ranges', () => {
  it('answers 206 with Content-Range for one range', () => {
    const plan = respond('/static/css/app.css', { range: 'bytes=0-3' })
    expect(plan?.status).toBe(206)
    expect(plan?.headers['content-range']).toBe(`bytes 0-3/${css().size}`)
    expect(plan?.headers['content-length']).toBe('4')
    expect(plan?.body).toEqual({ asset: css(), start: 0, end: 3 })
  })

  it('answers 416 with bytes */size when unsatisfiable', () => {
    const plan = respond('/static/css/app.css', { range: 'bytes=9999-' })
    expect(plan?.status).toBe(416)
    expect(plan?.headers).toEqual({
      'accept-ranges': 'bytes',
      'content-length': '0',
      'content-range': `bytes */${css().size}`,
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    })
  })

  it('answers 200 with the whole file when If-Range is stale', () => {
    const plan = respond('/static/css/app.css', { range: 'bytes=0-3', 'if-range': '"stale"' })
    expect(plan?.status).toBe(200)
    expect(plan?.headers['content-range']).toBeUndefined()
  })

  it('answers 206 when If-Range holds the current ETag', () => {
    expect(respond('/static/css/app.css', { range: 'bytes=0-3', 'if-range': css().etag })?.status).toBe(206)
  })

  it('answers 304 before looking at Range', () => {
    expect(respond('/static/css/app.css', { range: 'bytes=0-3', 'if-none-match': css().etag })?.status).toBe(
      304,
    )
  })

  it('answers 200 to several disjoint ranges', () => {
    expect(respond('/static/css/app.css', { range: 'bytes=0-1,5-6' })?.status).toBe(200)
  })
})

describe('methods', () => {
  it('plans HEAD with the headers of GET and no body', () => {
    const get = respond('/static/css/app.css', {}, 'GET')
    const head = respond('/static/css/app.css', {}, 'HEAD')
    expect(head?.status).toBe(200)
    expect({ ...head?.headers, expires: undefined }).toEqual({ ...get?.headers, expires: undefined })
    expect(head?.body).toBeNull()
  })

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'FOO'])('answers 405 with Allow to %s', (method) => {
    const plan = respond('/static/css/app.css', {}, method)
    expect(plan?.status).toBe(405)
    expect(plan?.headers.allow).toBe('GET, HEAD')
  })
})

describe('resolution', () => {
  it.each([
    ['/favicon.ico', 'favicon.ico'],
    ['/robots.txt', 'robots.txt'],
    ['/static/with%20space.txt', 'with space.txt'],
    ['/static/f%C3%BCnke.txt', 'fünke.txt'],
    ['/static/docs/', 'docs/index.html'],
    ['/static/.well-known/security.txt', '.well-known/security.txt'],
    ['http://example.com/static/js/app.js', 'js/app.js'],
    ['HTTP://example.com:8080/robots.txt', 'robots.txt'],
  ])('%s serves %s', (url, logicalPath) => {
    const plan = respond(url)
    expect(plan?.status).toBe(200)
    expect(plan?.body).toMatchObject({ asset: { logicalPath } })
  })

  it('redirects a directory without its slash, keeping the query', () => {
    const plan = respond('/static/docs?lang=en')
    expect(plan?.status).toBe(301)
    expect(plan?.headers.location).toBe('/static/docs/?lang=en')
  })

  it.each([
    ['/static/%zz', 'malformed percent-encoding in the URL path'],
    ['/static/%E0%A4%A', 'malformed percent-encoding in the URL path'],
    ['/static/robots.txt%00.png', 'NUL byte in the URL path'],
  ])('%s → 400', (url, reason) => {
    const plan = respond(url)
    expect(plan?.status).toBe(400)
    expect(plan?.body).toBe(`Bad Request: ${reason}\n`)
  })

  it.each([
    '/static/.secret',
    '/static/../outside.txt',
    '/static/%2e%2e/outside.txt',
    '/static/css/../../outside.txt',
    '/static//etc/passwd',
    '/static/css/./app.css',
    '/static/css//app.css',
    '/static/nope.css',
    '/static/css/app.css/',
    '/static',
    '/Robots.txt',
    '/robots.txt/',
    '/elsewhere',
    '*',
    'ftp://example.com/static/js/app.js',
  ])('%s is not ours', (url) => {
    expect(respond(url)).toBeUndefined()
  })
})

describe('404s it answers itself', () => {
  it.each([
    { notFoundMaxAge: undefined, cacheControl: 'no-cache' },
    { notFoundMaxAge: 0, cacheControl: 'no-cache' },
    { notFoundMaxAge: 60, cacheControl: 'public, max-age=60' },
  ])(
    'notFoundMaxAge $notFoundMaxAge → Cache-Control $cacheControl',
    async ({ notFoundMaxAge, cacheControl }) => {
      const own = await createStatic({ root: PUBLIC_ROOT, fallthrough: false, notFoundMaxAge })
      for (const method of ['GET', 'HEAD']) {
        const plan = own.respond({ method, url: '/static/nope.css', header: () => undefined })
        expect([plan?.status, plan?.headers['cache-control']]).toEqual([404, cacheControl])
      }
    },
  )
})
