// planResponse() on hand-made assets at a pinned clock: exact header sets, caching by kind, Vary,
// the per-second reuse of responses and the small error responses.
import { describe, expect, it } from 'vitest'
import { createCachePolicies } from '../../src/http/cache-control.js'
import {
  createNotFound,
  type PlanContext,
  planBusy,
  planError,
  planRedirect,
  planResponse,
} from '../../src/http/plan.js'
import type { Asset, CacheKind, SetHeaders } from '../../src/types.js'
import { LAST_MODIFIED, makeAsset, makeVariant } from '../helpers/asset.js'

/** 2024-03-10T12:00:00Z, a whole second: every expected date below is written out from it. */
const NOW_MS = Date.UTC(2024, 2, 10, 12, 0, 0)

function makeContext(options: { maxAge?: number; cors?: string; setHeaders?: SetHeaders } = {}): PlanContext {
  return {
    policies: createCachePolicies({ maxAge: options.maxAge ?? 0, immutableMaxAge: 31_536_000 }),
    setHeaders: options.setHeaders,
    cors: options.cors,
    reused: new WeakMap(),
  }
}

function plan(
  asset: Asset,
  headers: Record<string, string> = {},
  options: { method?: string; cacheKind?: CacheKind; context?: PlanContext; nowMs?: number } = {},
) {
  return planResponse(
    asset,
    options.cacheKind ?? 'plain',
    { method: options.method ?? 'GET', header: (name) => headers[name] },
    options.context ?? makeContext(),
    options.nowMs ?? NOW_MS,
  )
}

describe('cache headers by kind and option', () => {
  it.each([
    {
      kind: 'immutable',
      maxAge: 0,
      cacheControl: 'public, max-age=31536000, immutable',
      expires: 'Mon, 10 Mar 2025 12:00:00 GMT',
    },
    { kind: 'stale', maxAge: 0, cacheControl: 'no-cache', expires: undefined },
    { kind: 'stale', maxAge: 60, cacheControl: 'no-cache', expires: undefined },
    { kind: 'plain', maxAge: 0, cacheControl: 'no-cache', expires: undefined },
    {
      kind: 'plain',
      maxAge: 60,
      cacheControl: 'public, max-age=60',
      expires: 'Sun, 10 Mar 2024 12:01:00 GMT',
    },
    { kind: 'plain', maxAge: 1, cacheControl: 'public, max-age=1', expires: 'Sun, 10 Mar 2024 12:00:01 GMT' },
  ] as const)('$kind with maxAge $maxAge → $cacheControl', ({ kind, maxAge, cacheControl, expires }) => {
    const response = plan(makeAsset(), {}, { cacheKind: kind, context: makeContext({ maxAge }) })
    expect(response.headers['cache-control']).toBe(cacheControl)
    expect(response.headers.expires).toBe(expires)
  })

  it('keeps the same headers on a 304 for maxAge > 0', () => {
    const response = plan(makeAsset(), { 'if-none-match': '"a"' }, { context: makeContext({ maxAge: 60 }) })
    expect(response).toEqual({
      status: 304,
      headers: {
        etag: '"a"',
        'last-modified': LAST_MODIFIED,
        'cache-control': 'public, max-age=60',
        expires: 'Sun, 10 Mar 2024 12:01:00 GMT',
      },
      body: null,
    })
  })
})

describe('Expires follows the clock', () => {
  it.each([
    { offsetMs: 0, expires: 'Sun, 10 Mar 2024 12:01:00 GMT' },
    { offsetMs: 999, expires: 'Sun, 10 Mar 2024 12:01:00 GMT' },
    { offsetMs: 1000, expires: 'Sun, 10 Mar 2024 12:01:01 GMT' },
    { offsetMs: 61_500, expires: 'Sun, 10 Mar 2024 12:02:01 GMT' },
    { offsetMs: -1, expires: 'Sun, 10 Mar 2024 12:00:59 GMT' },
  ])('$offsetMs ms after the pinned second → $expires', ({ offsetMs, expires }) => {
    const context = makeContext({ maxAge: 60 })
    const asset = makeAsset()
    // The same context serves every request of the sequence, as one handler does.
    for (const at of [NOW_MS, NOW_MS + offsetMs, NOW_MS, NOW_MS + offsetMs]) {
      const expected = at === NOW_MS ? 'Sun, 10 Mar 2024 12:01:00 GMT' : expires
      expect(plan(asset, {}, { context, nowMs: at }).headers.expires).toBe(expected)
    }
  })

  it('gives each lifetime its own Expires within one second', () => {
    const asset = makeAsset()
    const context = makeContext({ maxAge: 60 })
    expect(plan(asset, {}, { context, cacheKind: 'plain' }).headers.expires).toBe(
      'Sun, 10 Mar 2024 12:01:00 GMT',
    )
    expect(plan(asset, {}, { context, cacheKind: 'immutable' }).headers.expires).toBe(
      'Mon, 10 Mar 2025 12:00:00 GMT',
    )
    expect(plan(asset, {}, { context, cacheKind: 'plain' }).headers.expires).toBe(
      'Sun, 10 Mar 2024 12:01:00 GMT',
    )
  })

  it('reuses nothing between two handlers, and nothing across responses of another kind', () => {
    const asset = makeAsset()
    const context = makeContext({ maxAge: 60 })
    const first = plan(asset, {}, { context })
    expect(plan(asset, {}, { context })).toEqual(first)
    expect(plan(asset, {}, { context, method: 'HEAD' }).body).toBeNull()
    expect(plan(asset, { 'if-none-match': '"a"' }, { context }).status).toBe(304)
    expect(plan(asset, {}, { context, cacheKind: 'stale' }).headers['cache-control']).toBe('no-cache')
    expect(plan(asset, {}, { context }).status).toBe(200)
  })

  it('answers each request of one second as if nothing were reused', () => {
    const context = makeContext()
    const asset = makeAsset({ encodings: [makeVariant('br', 40)] })
    const other = makeAsset({ logicalPath: 'b.css', etag: '"b"' })
    expect(plan(asset, {}, { context }).headers.etag).toBe('"a"')
    expect(plan(other, {}, { context }).headers.etag).toBe('"b"')
    expect(plan(asset, { 'accept-encoding': 'br' }, { context }).headers.etag).toBe('"br"')
    expect(plan(asset, { range: 'bytes=0-0' }, { context }).status).toBe(206)
    expect(plan(asset, { range: 'bytes=0-0' }, { context }).status).toBe(206)
    expect(plan(asset, {}, { context }).status).toBe(200)
    expect(plan(asset, { 'if-none-match': '"a"' }, { context }).status).toBe(304)
    expect(plan(asset, { 'if-none-match': '"a"' }, { context, method: 'HEAD' }).status).toBe(304)
    expect(plan(asset, {}, { context, method: 'HEAD' }).body).toBeNull()
    expect(plan(asset, {}, { context }).body).not.toBeNull()
  })

  /** Every kind of request a handler may reuse an answer for, and the ranges it may not. */
  function everyRequest(): Array<{ headers: Record<string, string>; method: string; cacheKind: CacheKind }> {
    const requests: Array<{ headers: Record<string, string>; method: string; cacheKind: CacheKind }> = []
    for (const method of ['GET', 'HEAD'])
      for (const cacheKind of ['immutable', 'stale', 'plain'] as const)
        for (const acceptEncoding of [undefined, 'br', 'gzip'])
          for (const conditional of [{}, { 'if-none-match': '"a", "br", "gzip"' }] as Array<
            Record<string, string>
          >)
            for (const range of [{}, { range: 'bytes=0-0' }] as Array<Record<string, string>>) {
              const headers: Record<string, string> = { ...conditional, ...range }
              if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding
              requests.push({ headers, method, cacheKind })
            }
    return requests
  }
  const withVariants = makeAsset({ encodings: [makeVariant('br', 40), makeVariant('gzip', 50)] })

  it('gives every request of one second, in any order, the answer a fresh handler gives', () => {
    const requests = everyRequest()
    const fresh = requests.map(({ headers, method, cacheKind }) =>
      plan(withVariants, headers, { method, cacheKind, context: makeContext({ maxAge: 60 }) }),
    )
    expect(new Set(fresh.map((response) => response.status))).toEqual(new Set([200, 206, 304]))
    for (const order of [requests.keys(), [...requests.keys()].reverse()]) {
      const context = makeContext({ maxAge: 60 })
      for (const index of order) {
        const { headers, method, cacheKind } = requests[index] ?? {}
        const response = plan(withVariants, headers, { method, cacheKind, context })
        expect(response, `request ${index}`).toEqual(fresh[index])
      }
    }
  })

  it('builds each full 200 and each 304 once per second and answers with that very object', () => {
    const requests = everyRequest().filter(({ headers }) => headers.range === undefined)
    const context = makeContext({ maxAge: 60 })
    const first = requests.map((request) => plan(withVariants, request.headers, { ...request, context }))
    for (const [index, request] of requests.entries()) {
      const again = plan(withVariants, request.headers, { ...request, context, nowMs: NOW_MS + 999 })
      expect(again, `request ${index}`).toBe(first[index])
    }
    for (const [index, request] of requests.entries()) {
      const next = plan(withVariants, request.headers, { ...request, context, nowMs: NOW_MS + 1000 })
      expect(next, `request ${index}`).not.toBe(first[index])
      expect(next).toEqual({
        ...first[index],
        headers: { ...first[index]?.headers, expires: next.headers.expires },
      })
    }
  })

  it('runs setHeaders on every response, and its changes win', () => {
    const seen: Array<[string, number, CacheKind]> = []
    const setHeaders: SetHeaders = (headers, { logicalPath, status, cacheKind }) => {
      seen.push([logicalPath, status, cacheKind])
      headers['x-count'] = String(seen.length)
      delete headers['x-content-type-options']
    }
    const context = makeContext({ setHeaders })
    const asset = makeAsset()
    expect(plan(asset, {}, { context }).headers['x-count']).toBe('1')
    const second = plan(asset, {}, { context })
    expect(second.headers['x-count']).toBe('2')
    expect(second.headers['x-content-type-options']).toBeUndefined()
    expect(
      plan(asset, { 'if-none-match': '"a"' }, { context, cacheKind: 'immutable' }).headers['x-count'],
    ).toBe('3')
    expect(plan(asset, { range: 'bytes=0-0' }, { context }).headers['x-count']).toBe('4')
    expect(seen).toEqual([
      ['a.css', 200, 'plain'],
      ['a.css', 200, 'plain'],
      ['a.css', 304, 'immutable'],
      ['a.css', 206, 'plain'],
    ])
  })
})

describe('Vary and CORS', () => {
  const withVariants = makeAsset({ encodings: [makeVariant('br', 40), makeVariant('gzip', 50)] })
  it.each([
    { when: 'no variants, no cors', asset: makeAsset(), cors: undefined, vary: undefined },
    { when: 'variants', asset: withVariants, cors: undefined, vary: 'Accept-Encoding' },
    { when: 'variants and cors *', asset: withVariants, cors: '*', vary: 'Accept-Encoding' },
    { when: 'cors *', asset: makeAsset(), cors: '*', vary: undefined },
    { when: 'one origin', asset: makeAsset(), cors: 'https://a.example', vary: 'Origin' },
    {
      when: 'variants and one origin',
      asset: withVariants,
      cors: 'https://a.example',
      vary: 'Accept-Encoding, Origin',
    },
  ])('$when → Vary $vary', ({ asset, cors, vary }) => {
    const requests: Array<Record<string, string>> = [
      {},
      { 'accept-encoding': 'br' },
      { 'if-none-match': '"a"' },
    ]
    for (const headers of requests) {
      const response = plan(asset, headers, { context: makeContext({ cors }) })
      expect(response.headers.vary).toBe(vary)
      expect(response.headers['access-control-allow-origin']).toBe(cors)
    }
  })
})

describe('precompressed variants', () => {
  const asset = makeAsset({ encodings: [makeVariant('br', 40), makeVariant('gzip', 50)] })
  it.each([
    { acceptEncoding: 'gzip, br', encoding: 'br', etag: '"br"', length: '40' },
    { acceptEncoding: 'gzip', encoding: 'gzip', etag: '"gzip"', length: '50' },
    { acceptEncoding: 'identity', encoding: undefined, etag: '"a"', length: '100' },
  ])('Accept-Encoding $acceptEncoding → $encoding', ({ acceptEncoding, encoding, etag, length }) => {
    const response = plan(asset, { 'accept-encoding': acceptEncoding })
    expect(response.headers['content-encoding']).toBe(encoding)
    expect(response.headers.etag).toBe(etag)
    expect(response.headers['content-length']).toBe(length)
    expect(response.body).toMatchObject({ start: 0, end: Number(length) - 1 })
  })

  it('serves a range from the identity bytes whatever Accept-Encoding says', () => {
    const response = plan(asset, { 'accept-encoding': 'br', range: 'bytes=0-9' })
    expect(response.status).toBe(206)
    expect(response.headers['content-encoding']).toBeUndefined()
    expect(response.headers['content-range']).toBe('bytes 0-9/100')
    expect(response.body).toEqual({ asset, variant: undefined, start: 0, end: 9 })
  })

  it('answers If-None-Match with the variant tag for that variant only', () => {
    expect(plan(asset, { 'accept-encoding': 'br', 'if-none-match': '"br"' }).status).toBe(304)
    expect(plan(asset, { 'accept-encoding': 'gzip', 'if-none-match': '"br"' }).status).toBe(200)
  })
})

describe('status and body', () => {
  it('answers a full GET with the exact header set', () => {
    const asset = makeAsset()
    expect(plan(asset)).toEqual({
      status: 200,
      headers: {
        'accept-ranges': 'bytes',
        'cache-control': 'no-cache',
        'content-length': '100',
        'content-type': 'text/css; charset=utf-8',
        etag: '"a"',
        'last-modified': LAST_MODIFIED,
        'x-content-type-options': 'nosniff',
      },
      body: { asset, variant: undefined, start: 0, end: 99 },
    })
  })

  it.each([
    { header: 'bytes=0-0', range: 'bytes 0-0/100', length: '1', start: 0, end: 0 },
    { header: 'bytes=5-5', range: 'bytes 5-5/100', length: '1', start: 5, end: 5 },
    { header: 'bytes=99-', range: 'bytes 99-99/100', length: '1', start: 99, end: 99 },
    { header: 'bytes=-1', range: 'bytes 99-99/100', length: '1', start: 99, end: 99 },
    { header: 'bytes=10-19', range: 'bytes 10-19/100', length: '10', start: 10, end: 19 },
  ])('$header → 206 $range', ({ header, range, length, start, end }) => {
    const asset = makeAsset()
    const get = plan(asset, { range: header })
    expect(get.status).toBe(206)
    expect(get.headers['content-range']).toBe(range)
    expect(get.headers['content-length']).toBe(length)
    expect(get.body).toEqual({ asset, variant: undefined, start, end })
    const head = plan(asset, { range: header }, { method: 'HEAD' })
    expect(head).toEqual({ ...get, body: null })
  })

  it('answers an empty file with no body and Content-Length 0', () => {
    const asset = makeAsset({ size: 0 })
    for (const method of ['GET', 'HEAD']) {
      const response = plan(asset, {}, { method })
      expect(response.status).toBe(200)
      expect(response.headers['content-length']).toBe('0')
      expect(response.body).toBeNull()
    }
  })

  it('answers a range of an empty file with 416', () => {
    expect(plan(makeAsset({ size: 0 }), { range: 'bytes=0-' }).headers['content-range']).toBe('bytes */0')
  })

  it.each([
    { ifRange: LAST_MODIFIED, status: 206 },
    { ifRange: 'Fri, 01 Mar 2024 08:30:16 GMT', status: 200 },
    { ifRange: '"a"', status: 206 },
    { ifRange: 'W/"a"', status: 200 },
  ])('If-Range $ifRange → $status', ({ ifRange, status }) => {
    expect(plan(makeAsset(), { range: 'bytes=0-0', 'if-range': ifRange }).status).toBe(status)
  })

  it('compares If-Modified-Since with Last-Modified at whole seconds', () => {
    expect(plan(makeAsset(), { 'if-modified-since': LAST_MODIFIED }).status).toBe(304)
    expect(plan(makeAsset(), { 'if-unmodified-since': LAST_MODIFIED }).status).toBe(200)
  })

  it.each(['GET', 'HEAD'])('answers a failed If-Match to %s with 412 and nosniff', (method) => {
    expect(plan(makeAsset(), { 'if-match': '"b"' }, { method })).toEqual({
      status: 412,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': '20',
        'x-content-type-options': 'nosniff',
      },
      body: method === 'HEAD' ? null : 'Precondition Failed\n',
    })
  })

  it.each(['POST', 'OPTIONS'])('answers %s with 405 and Allow', (method) => {
    expect(plan(makeAsset(), {}, { method })).toEqual({
      status: 405,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': '19',
        'x-content-type-options': 'nosniff',
        allow: 'GET, HEAD',
      },
      body: 'Method Not Allowed\n',
    })
  })
})

describe('error responses', () => {
  const textHeaders = (length: number) => ({
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(length),
    'x-content-type-options': 'nosniff',
  })

  it.each([
    { method: 'GET', body: 'Not Found\n' },
    { method: 'HEAD', body: null },
    { method: 'DELETE', body: 'Not Found\n' },
  ])('404 to $method, with the Cache-Control it is made with', ({ method, body }) => {
    expect(createNotFound('no-cache')(method)).toEqual({
      status: 404,
      headers: { ...textHeaders(10), 'cache-control': 'no-cache' },
      body,
    })
    expect(createNotFound('public, max-age=60')(method).headers['cache-control']).toBe('public, max-age=60')
  })

  it('builds the 404s of GET and HEAD once', () => {
    const notFound = createNotFound('no-cache')
    expect(notFound('GET')).toBe(notFound('GET'))
    expect(notFound('HEAD')).toBe(notFound('HEAD'))
    expect(notFound('HEAD')).not.toBe(notFound('GET'))
  })

  it.each(['GET', 'HEAD'])('503 to %s asks to retry after a second', (method) => {
    expect(planBusy(method)).toEqual({
      status: 503,
      headers: { ...textHeaders(20), 'retry-after': '1' },
      body: method === 'HEAD' ? null : 'Service Unavailable\n',
    })
  })

  it.each(['GET', 'HEAD'])('301 to %s is not cached and names the location', (method) => {
    expect(planRedirect('/static/docs/', method)).toEqual({
      status: 301,
      headers: { ...textHeaders(29), location: '/static/docs/', 'cache-control': 'no-cache' },
      body: method === 'HEAD' ? null : 'Redirecting to /static/docs/\n',
    })
  })

  it('counts Content-Length in bytes, not characters', () => {
    expect(planError(400, 'Bad: ü', 'GET', {}).headers['content-length']).toBe('8')
  })
})
