// resolveRequest() against a small in-memory index: the prefix and its redirect, aliases,
// directories, decoding and the caching each URL earns.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type AssetLookup, type ResolveContext, resolveRequest } from '../../src/http/resolve.js'
import type { Asset } from '../../src/types.js'
import { makeAsset, TOKEN } from '../helpers/asset.js'

const OLD_TOKEN = 'fedcba9876543210'
const FILES = [
  'index.html',
  'a.css',
  'LICENSE',
  'b.fedcba9876543210.css',
  'docs/index.html',
  'docs/guide.txt',
  'empty-dir/x/y.txt',
  'a b.txt',
  'a%20b.txt',
  'favicon.ico',
  'q&v=0123456789abcdef',
  'docs/false',
]
const ASSETS = new Map<string, Asset>(FILES.map((logicalPath) => [logicalPath, makeAsset({ logicalPath })]))
ASSETS.set('edited.css', makeAsset({ logicalPath: 'edited.css', tokenMatchesBytes: false }))
ASSETS.set('bundle-1a2b3c4d.js', makeAsset({ logicalPath: 'bundle-1a2b3c4d.js', fingerprinted: true }))
const RETAINED = makeAsset({ logicalPath: 'a.css', token: OLD_TOKEN, etag: '"old"' })
/** A kept version of a file that the current build no longer has. */
const KEPT_DELETED = makeAsset({ logicalPath: 'img/p5.jpg', token: OLD_TOKEN, etag: '"p5"' })

const INDEX: AssetLookup = {
  get: (logicalPath) => ASSETS.get(logicalPath),
  getRetained: (logicalPath, token) =>
    token !== OLD_TOKEN
      ? undefined
      : logicalPath === 'a.css'
        ? RETAINED
        : logicalPath === 'img/p5.jpg'
          ? KEPT_DELETED
          : undefined,
  isDirectory: (logicalPath) => FILES.some((file) => file.startsWith(`${logicalPath}/`)),
}

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  return {
    index: INDEX,
    prefix: '/static/',
    aliases: new Map([
      ['/favicon.ico', 'favicon.ico'],
      ['/gone.txt', 'gone.txt'],
    ]),
    indexFile: 'index.html',
    ...overrides,
  }
}

/** The target in a short form: `asset <logical path> <cache kind>`, `redirect <location>`, or the kind. */
function resolve(url: string, overrides: Partial<ResolveContext> = {}): string {
  const target = resolveRequest(url, context(overrides))
  switch (target.kind) {
    case 'asset':
      return `asset ${target.asset.logicalPath} ${target.cacheKind}${target.asset === RETAINED || target.asset === KEPT_DELETED ? ' (retained)' : ''}`
    case 'redirect':
      return `redirect ${target.location}`
    case 'bad-request':
      return `bad-request: ${target.reason}`
    default:
      return target.kind
  }
}

describe('the prefix', () => {
  it.each([
    ['/static', 'redirect /static/'],
    ['/static?x=1', 'redirect /static/?x=1'],
    ['/static?', 'redirect /static/?'],
    ['/static/', 'asset index.html plain'],
    ['/login', 'none'],
    ['/', 'none'],
    ['/stat', 'none'],
    ['/staticx', 'none'],
    ['/static.css', 'none'],
    ['/STATIC/a.css', 'none'],
    ['*', 'none'],
    ['', 'none'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })

  it('does not redirect the prefix without a root index file', () => {
    expect(resolve('/static', { indexFile: false })).toBe('none')
    expect(resolve('/static', { indexFile: 'home.html' })).toBe('none')
    expect(resolve('/static/', { indexFile: false })).toBe('not-found')
  })

  it('serves the root directly under a prefix of /', () => {
    expect(resolve('/a.css', { prefix: '/' })).toBe('asset a.css plain')
    expect(resolve('/', { prefix: '/' })).toBe('asset index.html plain')
  })
})

describe('absolute-form targets', () => {
  it.each([
    ['http://example.com/static/a.css', 'asset a.css plain'],
    ['HTTPS://example.com:8443/static/a.css?v=0123456789abcdef', 'asset a.css immutable'],
    ['http://example.com', 'none'],
    ['http://example.com?x', 'none'],
    ['http://example.com/favicon.ico', 'asset favicon.ico plain'],
    ['ftp://example.com/static/a.css', 'none'],
    ['xhttp://example.com/static/a.css', 'none'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })

  it('reads only a scheme at the very start', () => {
    expect(resolve('xhttp://a.css', { prefix: '/' })).toBe('none')
    expect(resolve(' http://example.com/a.css', { prefix: '/' })).toBe('none')
  })

  it('reads the origin form of a bare authority as the root', () => {
    expect(resolve('http://example.com', { prefix: '/' })).toBe('asset index.html plain')
    expect(resolve('http://example.com?v=1', { prefix: '/' })).toBe('asset index.html plain')
  })
})

describe('aliases', () => {
  it.each([
    ['/favicon.ico', 'asset favicon.ico plain'],
    [`/favicon.ico?v=${TOKEN}`, 'asset favicon.ico immutable'],
    ['/favicon.ico?v=0000000000000000', 'asset favicon.ico stale'],
    ['/gone.txt', 'not-found'],
    ['/favicon.ico/', 'none'],
    ['/Favicon.ico', 'none'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })
})

describe('files and the caching their URL earns', () => {
  it.each([
    ['/static/a.css', 'asset a.css plain'],
    [`/static/a.css?v=${TOKEN}`, 'asset a.css immutable'],
    [`/static/a.css?x=1&v=${TOKEN}`, 'asset a.css immutable'],
    ['/static/a.css?v=0000000000000000', 'asset a.css stale'],
    ['/static/a.css?v=', 'asset a.css stale'],
    [`/static/a.css?v=${OLD_TOKEN}`, 'asset a.css immutable (retained)'],
    [`/static/a.${TOKEN}.css`, 'asset a.css immutable'],
    [`/static/a.${OLD_TOKEN}.css`, 'asset a.css immutable (retained)'],
    ['/static/a.0000000000000000.css', 'asset a.css stale'],
    [`/static/LICENSE.${TOKEN}`, 'asset LICENSE immutable'],
    ['/static/b.fedcba9876543210.css', 'asset b.fedcba9876543210.css plain'],
    [`/static/edited.css?v=${TOKEN}`, 'asset edited.css stale'],
    ['/static/bundle-1a2b3c4d.js', 'asset bundle-1a2b3c4d.js immutable'],
    ['/static/bundle-1a2b3c4d.js?v=0000000000000000', 'asset bundle-1a2b3c4d.js stale'],
    ['/static/nope.css', 'not-found'],
    [`/static/nope.${TOKEN}.css`, 'not-found'],
    // A file a newer build deleted: only its kept token, in either spelling, finds its kept version.
    [`/static/img/p5.jpg?v=${OLD_TOKEN}`, 'asset img/p5.jpg immutable (retained)'],
    [`/static/img/p5.${OLD_TOKEN}.jpg`, 'asset img/p5.jpg immutable (retained)'],
    [`/static/img/p5.${OLD_TOKEN}.jpg?v=${TOKEN}`, 'asset img/p5.jpg immutable (retained)'],
    ['/static/img/p5.jpg', 'not-found'],
    [`/static/img/p5.jpg?v=${TOKEN}`, 'not-found'],
    [`/static/img/p5.${TOKEN}.jpg`, 'not-found'],
    // `&v=` in the path is part of the name, not a token
    ['/static/q&v=0123456789abcdef', 'asset q&v=0123456789abcdef plain'],
    ['/static/q%26v=0123456789abcdef?v=0123456789abcdef', 'asset q&v=0123456789abcdef immutable'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })
})

describe('decoding and unsafe paths', () => {
  it.each([
    ['/static/a%20b.txt', 'asset a b.txt plain'],
    ['/static/a%2520b.txt', 'asset a%20b.txt plain'],
    ['/static/%61.css', 'asset a.css plain'],
    ['/static/%zz', 'bad-request: malformed percent-encoding in the URL path'],
    ['/static/%E0%A4%A', 'bad-request: malformed percent-encoding in the URL path'],
    ['/static/a.css%00', 'bad-request: NUL byte in the URL path'],
    ['/static/a.css\0', 'bad-request: NUL byte in the URL path'],
    ['/static/%2e%2e/a.css', 'not-found'],
    ['/static/docs/../a.css', 'not-found'],
    ['/static/./a.css', 'not-found'],
    ['/static//a.css', 'not-found'],
    ['/static/docs//guide.txt', 'not-found'],
    ['/static/../', 'not-found'],
    ['/static/docs/./', 'not-found'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })
})

describe('directories', () => {
  it.each([
    ['/static/docs/', 'asset docs/index.html plain'],
    [`/static/docs/?v=${TOKEN}`, 'asset docs/index.html plain'],
    ['/static/docs', 'redirect /static/docs/'],
    ['/static/docs?lang=en', 'redirect /static/docs/?lang=en'],
    ['/static/d%6Fcs', 'redirect /static/d%6Fcs/'],
    ['/static/empty-dir', 'not-found'],
    ['/static/empty-dir/', 'not-found'],
    ['/static/empty-dir/x', 'not-found'],
    ['/static/nope/', 'not-found'],
    ['/static/a.css/', 'not-found'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url)).toBe(expected)
  })

  it('neither serves nor redirects directories without an index file option', () => {
    expect(resolve('/static/docs/', { indexFile: false })).toBe('not-found')
    expect(resolve('/static/docs', { indexFile: false })).toBe('not-found')
  })

  it('never takes index: false for a file name', () => {
    expect(resolve('/static/docs', { indexFile: false })).toBe('not-found')
    expect(resolve('/static/docs/', { indexFile: false })).toBe('not-found')
  })

  it('uses the configured index file name', () => {
    expect(resolve('/static/docs/', { indexFile: 'guide.txt' })).toBe('asset docs/guide.txt plain')
    expect(resolve('/static/docs', { indexFile: 'guide.txt' })).toBe('redirect /static/docs/')
    expect(resolve('/static', { indexFile: 'a.css' })).toBe('redirect /static/')
  })
})

describe('against a lookup that reads the disk (dev mode)', () => {
  // Dev mode looks paths up on disk, where `a/../b` and `a/./b` name real files: only resolution
  // stands between such a URL and the file.
  const disk: AssetLookup = {
    ...INDEX,
    get: (logicalPath) => ASSETS.get(path.posix.normalize(logicalPath)),
    isDirectory: (logicalPath) => INDEX.isDirectory(path.posix.normalize(logicalPath)),
  }
  it.each([
    ['/static/docs/../a.css', 'not-found'],
    ['/static/./a.css', 'not-found'],
    ['/static/docs/./guide.txt', 'not-found'],
    ['/static/docs//guide.txt', 'not-found'],
    ['/static/%2e/a.css', 'not-found'],
    ['/static/docs/./', 'not-found'],
    ['/static/docs//', 'not-found'],
    ['/static/./docs', 'not-found'],
    ['/static/docs/guide.txt', 'asset docs/guide.txt plain'],
  ])('%s → %s', (url, expected) => {
    expect(resolve(url, { index: disk })).toBe(expected)
  })
})
