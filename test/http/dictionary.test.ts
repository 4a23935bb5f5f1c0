// Compression Dictionary Transport (RFC 9842) in the pure plan: which request gets which coding,
// Vary, ETag, 304, Range, HEAD, unknown or malformed Available-Dictionary, and Use-As-Dictionary.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createCachePolicies } from '../../src/http/cache-control.js'
import {
  deltaExtension,
  deltaHeader,
  deltaHeaderLength,
  isDeltaType,
  parseAvailableDictionary,
  selectDelta,
  useAsDictionary,
  variantKey,
} from '../../src/http/dictionary.js'
import { type PlanContext, planResponse } from '../../src/http/plan.js'
import type { Asset, CacheKind, EncodedVariant } from '../../src/types.js'
import { makeAsset, makeVariant } from '../helpers/asset.js'

const NOW_MS = Date.UTC(2024, 2, 10, 12, 0, 0)
const KEPT = createHash('sha256').update('version 1').digest()
const OTHER_KEPT = createHash('sha256').update('version 0').digest()
const UNKNOWN = createHash('sha256').update('never served').digest()
const sf = (digest: Buffer) => `:${digest.toString('base64')}:`

function delta(encoding: 'dcz' | 'dcb', dictionary: Buffer, size: number): EncodedVariant {
  const name = `${encoding}-${dictionary.toString('hex').slice(0, 4)}`
  return {
    encoding,
    dictionary: dictionary.toString('hex'),
    absolutePath: `/r/a.css.${name}`,
    size,
    hash: name,
    etag: `"${name}"`,
    identity: undefined,
  }
}

const ASSET = makeAsset({
  size: 5000,
  encodings: [
    makeVariant('br', 900),
    makeVariant('gzip', 1200),
    delta('dcz', KEPT, 60),
    delta('dcb', KEPT, 55),
    delta('dcz', OTHER_KEPT, 80),
  ],
})

function context(dictionaries = true): PlanContext {
  return {
    policies: createCachePolicies({ maxAge: 0, immutableMaxAge: 31_536_000 }),
    setHeaders: undefined,
    cors: undefined,
    reused: new WeakMap(),
    dictionaries: dictionaries ? { prefix: '/static/', versioning: 'query' } : undefined,
  }
}

function plan(
  headers: Record<string, string>,
  options: { asset?: Asset; method?: string; cacheKind?: CacheKind; context?: PlanContext } = {},
) {
  return planResponse(
    options.asset ?? ASSET,
    options.cacheKind ?? 'immutable',
    { method: options.method ?? 'GET', header: (name) => headers[name] },
    options.context ?? context(),
    NOW_MS,
  )
}

const CHROME = 'gzip, deflate, br, zstd, dcb, dcz'

describe('which request gets a delta', () => {
  const table: Array<[string, Record<string, string>, string | undefined, string]> = [
    [
      'a kept dictionary, dcb and dcz accepted: the smaller',
      { 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) },
      'dcb',
      '"dcb-' + KEPT.toString('hex').slice(0, 4) + '"',
    ],
    [
      'another kept dictionary: its own delta',
      { 'accept-encoding': CHROME, 'available-dictionary': sf(OTHER_KEPT) },
      'dcz',
      '"dcz-' + OTHER_KEPT.toString('hex').slice(0, 4) + '"',
    ],
    [
      'only dcz accepted',
      { 'accept-encoding': 'br, dcz', 'available-dictionary': sf(KEPT) },
      'dcz',
      '"dcz-' + KEPT.toString('hex').slice(0, 4) + '"',
    ],
    [
      'dcb refused with q=0',
      { 'accept-encoding': 'br, dcb;q=0, dcz', 'available-dictionary': sf(KEPT) },
      'dcz',
      '"dcz-' + KEPT.toString('hex').slice(0, 4) + '"',
    ],
    [
      'dcz preferred by weight over the smaller dcb',
      { 'accept-encoding': 'dcb;q=0.5, dcz', 'available-dictionary': sf(KEPT) },
      'dcz',
      '"dcz-' + KEPT.toString('hex').slice(0, 4) + '"',
    ],
    [
      'no dictionary coding accepted: Brotli as today',
      { 'accept-encoding': 'gzip, br', 'available-dictionary': sf(KEPT) },
      'br',
      '"br"',
    ],
    [
      '`*` does not stand for dcz or dcb',
      { 'accept-encoding': '*', 'available-dictionary': sf(KEPT) },
      'br',
      '"br"',
    ],
    [
      'an unknown dictionary: Brotli',
      { 'accept-encoding': CHROME, 'available-dictionary': sf(UNKNOWN) },
      'br',
      '"br"',
    ],
    [
      'a malformed header (not a byte sequence): Brotli',
      { 'accept-encoding': CHROME, 'available-dictionary': KEPT.toString('hex') },
      'br',
      '"br"',
    ],
    [
      'a byte sequence of the wrong length: Brotli',
      { 'accept-encoding': CHROME, 'available-dictionary': `:${KEPT.subarray(0, 20).toString('base64')}:` },
      'br',
      '"br"',
    ],
    [
      'no Available-Dictionary: gzip where only gzip is accepted',
      { 'accept-encoding': 'gzip, dcz' },
      'gzip',
      '"gzip"',
    ],
    ['no Accept-Encoding at all: identity', { 'available-dictionary': sf(KEPT) }, undefined, '"a"'],
  ]
  it.each(table)('%s', (_name, headers, coding, etag) => {
    const response = plan(headers)
    expect(response.status).toBe(200)
    expect(response.headers['content-encoding']).toBe(coding)
    expect(response.headers.etag).toBe(etag)
    expect(response.headers.vary).toBe('Accept-Encoding, Available-Dictionary')
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('sends the delta with its own length and body, and HEAD the same headers without a body', () => {
    const headers = { 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) }
    const get = plan(headers)
    expect(get.headers['content-length']).toBe('55')
    expect(get.body).toMatchObject({ start: 0, end: 54, variant: { encoding: 'dcb' } })
    const head = plan(headers, { method: 'HEAD' })
    expect(head.headers).toEqual(get.headers)
    expect(head.body).toBeNull()
  })

  it("revalidates the delta by its own ETag: 304 with Vary; another coding's ETag is a 200", () => {
    const headers = { 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) }
    const etag = plan(headers).headers.etag as string
    const notModified = plan({ ...headers, 'if-none-match': etag })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.vary).toBe('Accept-Encoding, Available-Dictionary')
    expect(notModified.headers.etag).toBe(etag)
    // The same validator without the dictionary names bytes this request would not get.
    expect(plan({ 'accept-encoding': CHROME, 'if-none-match': etag }).status).toBe(200)
  })

  it('answers a Range from the identity bytes, as for Brotli and gzip', () => {
    const response = plan({ 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT), range: 'bytes=0-9' })
    expect(response.status).toBe(206)
    expect(response.headers['content-encoding']).toBeUndefined()
    expect(response.headers['content-range']).toBe('bytes 0-9/5000')
    expect(response.headers.vary).toBe('Accept-Encoding, Available-Dictionary')
  })

  it('a dictionary no longer kept (its delta gone from the asset) falls back to Brotli', () => {
    const asset = makeAsset({ size: 5000, encodings: [makeVariant('br', 900), delta('dcz', OTHER_KEPT, 80)] })
    const response = plan({ 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) }, { asset })
    expect(response.headers['content-encoding']).toBe('br')
  })

  it('an asset without deltas varies by Accept-Encoding only', () => {
    const asset = makeAsset({ encodings: [makeVariant('br', 50)] })
    expect(
      plan({ 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) }, { asset }).headers.vary,
    ).toBe('Accept-Encoding')
  })
})

describe('Use-As-Dictionary', () => {
  it('goes on a whole versioned text response of a build with deltas, the delta itself included', () => {
    expect(plan({}).headers['use-as-dictionary']).toBe('match="/static/a.css"')
    const fromDelta = plan({ 'accept-encoding': CHROME, 'available-dictionary': sf(KEPT) })
    expect(fromDelta.headers['use-as-dictionary']).toBe('match="/static/a.css"')
  })

  it('is left off without --deltas, without the current token, on fingerprinted names, binary files, 304 and 206', () => {
    expect(plan({}, { context: context(false) }).headers['use-as-dictionary']).toBeUndefined()
    expect(plan({}, { cacheKind: 'plain' }).headers['use-as-dictionary']).toBeUndefined()
    expect(plan({}, { cacheKind: 'stale' }).headers['use-as-dictionary']).toBeUndefined()
    const fingerprinted = makeAsset({ fingerprinted: true })
    expect(plan({}, { asset: fingerprinted }).headers['use-as-dictionary']).toBeUndefined()
    const edited = makeAsset({ tokenMatchesBytes: false })
    expect(plan({}, { asset: edited }).headers['use-as-dictionary']).toBeUndefined()
    const image = makeAsset({ logicalPath: 'a.png', contentType: 'image/png' })
    expect(plan({}, { asset: image }).headers['use-as-dictionary']).toBeUndefined()
    expect(plan({ 'if-none-match': '"a"' }).headers['use-as-dictionary']).toBeUndefined()
    expect(plan({ range: 'bytes=0-1' }).headers['use-as-dictionary']).toBeUndefined()
  })

  it('matches the next versions of the same file: the token place under filename versioning, the path under query versioning', () => {
    expect(useAsDictionary('js/app.js', { prefix: '/static/', versioning: 'filename' })).toBe(
      'match="/static/js/app.*.js"',
    )
    expect(useAsDictionary('js/app.js', { prefix: '/static/', versioning: 'query' })).toBe(
      'match="/static/js/app.js"',
    )
    expect(useAsDictionary('LICENSE', { prefix: '/s/', versioning: 'filename' })).toBe('match="/s/LICENSE.*"')
  })

  it('escapes what URL Pattern syntax reserves, and percent-encodes the path as url() does', () => {
    expect(useAsDictionary('js/a(1)+b*.js', { prefix: '/static/', versioning: 'filename' })).toBe(
      String.raw`match="/static/js/a\\(1\\)%2Bb\\*.*.js"`,
    )
    expect(useAsDictionary('css/my file.css', { prefix: '/static/', versioning: 'query' })).toBe(
      'match="/static/css/my%20file.css"',
    )
  })

  it.skipIf(typeof (globalThis as { URLPattern?: unknown }).URLPattern !== 'function')(
    'is a URL pattern that matches the next version and not the neighbours (checked with URLPattern)',
    () => {
      type Pattern = { test(input: string): boolean }
      const URLPattern = (globalThis as unknown as { URLPattern: new (p: string, b: string) => Pattern })
        .URLPattern
      const unquote = (value: string) => JSON.parse(value.slice('match='.length)) as string
      const base = 'https://example.com/'
      const filename = new URLPattern(
        unquote(useAsDictionary('js/a(1).js', { prefix: '/static/', versioning: 'filename' })),
        base,
      )
      expect(filename.test('https://example.com/static/js/a(1).0123456789abcdef.js')).toBe(true)
      expect(filename.test('https://example.com/static/js/b.0123456789abcdef.js')).toBe(false)
      const query = new URLPattern(
        unquote(useAsDictionary('js/app.js', { prefix: '/static/', versioning: 'query' })),
        base,
      )
      expect(query.test('https://example.com/static/js/app.js?v=0123456789abcdef')).toBe(true)
      expect(query.test('https://example.com/static/js/app2.js?v=0123456789abcdef')).toBe(false)
    },
  )
})

describe('the protocol pieces', () => {
  it('reads Available-Dictionary as a Structured Field byte sequence of a SHA-256', () => {
    expect(parseAvailableDictionary(sf(KEPT))).toBe(KEPT.toString('hex'))
    expect(parseAvailableDictionary(` ${sf(KEPT)} `)).toBe(KEPT.toString('hex'))
    expect(parseAvailableDictionary(undefined)).toBeUndefined()
    expect(parseAvailableDictionary(KEPT.toString('base64'))).toBeUndefined()
    expect(parseAvailableDictionary(`:${KEPT.toString('base64')}`)).toBeUndefined()
    expect(parseAvailableDictionary(`${sf(KEPT)}, ${sf(KEPT)}`)).toBeUndefined()
    expect(parseAvailableDictionary(':AAAA:')).toBeUndefined()
  })

  it('writes the RFC 9842 headers: 40 bytes for dcz, 36 for dcb, ending with the dictionary hash', () => {
    const hex = KEPT.toString('hex')
    expect(deltaHeader('dcz', hex).toString('hex')).toBe(`5e2a4d1820000000${hex}`)
    expect(deltaHeader('dcb', hex).toString('hex')).toBe(`ff444342${hex}`)
  })

  it('builds and announces deltas for text types only', () => {
    for (const type of [
      'text/css; charset=utf-8',
      'text/javascript',
      'application/json',
      'image/svg+xml',
      'text/html',
      'application/manifest+json',
    ])
      expect(isDeltaType(type), type).toBe(true)
    for (const type of ['image/png', 'font/woff2', 'application/octet-stream', 'application/wasm'])
      expect(isDeltaType(type), type).toBe(false)
  })
})

describe('the dictionary codings, one by one', () => {
  it('names each delta file by its coding, and its header by the magic and a SHA-256', () => {
    expect([deltaExtension('dcb'), deltaExtension('dcz')]).toEqual(['.dcb', '.dcz'])
    expect([deltaHeaderLength('dcb'), deltaHeaderLength('dcz')]).toEqual([36, 40])
    for (const encoding of ['dcb', 'dcz'] as const) {
      expect(deltaHeader(encoding, KEPT.toString('hex'))).toHaveLength(deltaHeaderLength(encoding))
    }
  })

  it('keeps each variant under its own key: identity, a coding, or a coding and its dictionary', () => {
    expect(variantKey(undefined)).toBe('identity')
    expect(variantKey(makeVariant('br', 10))).toBe('br')
    expect(variantKey(delta('dcz', KEPT, 10))).toBe(`dcz:${KEPT.toString('hex')}`)
  })

  it('picks the delta with the highest weight, then the smaller, then the first', () => {
    const asset = makeAsset({
      encodings: [delta('dcb', KEPT, 10), delta('dcz', KEPT, 20), makeVariant('br', 5)],
    })
    const pick = (accept: string) => selectDelta(asset, sf(KEPT), accept)?.encoding
    expect(pick('dcb;q=0.5, dcz')).toBe('dcz')
    expect(pick('dcz;q=0.5, dcb')).toBe('dcb')
    expect(pick('dcz, dcb')).toBe('dcb')
    const tied = makeAsset({ encodings: [delta('dcb', KEPT, 10), delta('dcz', KEPT, 10)] })
    expect(selectDelta(tied, sf(KEPT), 'dcb, dcz')?.encoding).toBe('dcb')
    const reversed = makeAsset({ encodings: [delta('dcz', KEPT, 30), delta('dcb', KEPT, 10)] })
    expect(selectDelta(reversed, sf(KEPT), 'dcz, dcb')?.encoding).toBe('dcb')
  })

  it('sends no delta, and never another coding as one, for a malformed or missing dictionary', () => {
    const asset = makeAsset({ encodings: [makeVariant('br', 5), delta('dcz', KEPT, 20)] })
    expect(selectDelta(asset, ':not base64:', 'br, dcz')).toBeUndefined()
    expect(selectDelta(asset, undefined, 'br, dcz')).toBeUndefined()
    expect(selectDelta(asset, sf(KEPT), undefined)).toBeUndefined()
  })

  it('announces dictionaries for text types only, matched whole', () => {
    for (const type of ['application/atom+xml', 'application/ld+json', 'application/xml; charset=utf-8']) {
      expect(isDeltaType(type), type).toBe(true)
    }
    for (const type of [
      'x/application/json',
      'application/javascriptx',
      'application/+xml',
      'application/a b+xml',
    ]) {
      expect(isDeltaType(type), type).toBe(false)
    }
  })
})

describe('responses kept for reuse within a second', () => {
  it('never answers a request with the delta planned for another dictionary, or for none', () => {
    const shared = context()
    const against = (dictionary: Buffer | undefined) =>
      plan(
        dictionary === undefined
          ? { 'accept-encoding': CHROME }
          : { 'accept-encoding': CHROME, 'available-dictionary': sf(dictionary) },
        { context: shared },
      )
    const first = against(KEPT)
    const second = against(OTHER_KEPT)
    const plain = against(undefined)
    expect(first.headers.etag).toBe(`"dcb-${KEPT.toString('hex').slice(0, 4)}"`)
    expect(second.headers.etag).toBe(`"dcz-${OTHER_KEPT.toString('hex').slice(0, 4)}"`)
    expect(plain.headers['content-encoding']).toBe('br')
    expect(against(KEPT).headers.etag).toBe(first.headers.etag)
  })
})
