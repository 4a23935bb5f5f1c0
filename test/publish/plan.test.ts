import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/manifest/format.js'
import { historyKey, historyOf, splitRetention } from '../../src/publish/history.js'
import { type PublishedObject, referencedFiles, toPublishedObjects } from '../../src/publish/objects.js'
import { planPublish, type RemoteState } from '../../src/publish/plan.js'
import { parseTarget } from '../../src/publish/target.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

function object(file: string, contentAddressed: boolean, hash = A): PublishedObject {
  return {
    file,
    logicalPath: file,
    hash,
    size: 10,
    contentType: 'text/css; charset=utf-8',
    cacheControl: contentAddressed ? IMMUTABLE : 'no-cache',
    contentEncoding: undefined,
    contentAddressed,
    integrity: 'sha384-x',
    sources: [file],
  }
}

function remote(hash: string, changes: Partial<RemoteState> = {}, contentAddressed = true): RemoteState {
  return {
    hash,
    hashFromMetadata: true,
    contentType: 'text/css; charset=utf-8',
    cacheControl: contentAddressed ? IMMUTABLE : 'no-cache',
    contentEncoding: undefined,
    ...changes,
  }
}

describe('planPublish: given an object and what its key holds, when planned, then', () => {
  it.each([
    ['a content-addressed key that is free is uploaded', true, undefined, 'upload', 'new'],
    ['a plain key that is free is uploaded', false, undefined, 'upload', 'new'],
    ['the same bytes and headers are skipped', true, remote(A), 'skip', 'same bytes and headers'],
    [
      'a plain key with the same bytes is skipped',
      false,
      remote(A, {}, false),
      'skip',
      'same bytes and headers',
    ],
    ['a plain key with other bytes is replaced', false, remote(B, {}, false), 'replace', 'changed'],
    [
      'a content-addressed key with other bytes is a conflict',
      true,
      remote(B),
      'conflict',
      `holds other bytes (sha256 ${B}, expected ${A})`,
    ],
    [
      'the same bytes with another Cache-Control are rewritten',
      true,
      remote(A, { cacheControl: 'max-age=60' }),
      'replace',
      'same bytes, other Cache-Control',
    ],
    [
      'the same bytes with another type and a coding are rewritten',
      true,
      remote(A, { contentType: 'text/css', contentEncoding: 'gzip' }),
      'replace',
      'same bytes, other Content-Type, Content-Encoding',
    ],
    [
      'the same bytes written by another tool (no sha256 metadata) are rewritten with it',
      true,
      remote(A, { hashFromMetadata: false }),
      'replace',
      'same bytes, other sha256 metadata',
    ],
  ] as const)('%s', (_title, contentAddressed, found, action, reason) => {
    const file = contentAddressed ? 'css/app.0123456789abcdef.css' : 'css/app.css'
    const remoteStates = new Map<string, RemoteState>(found === undefined ? [] : [[`static/${file}`, found]])
    const plan = planPublish({
      prefix: 'static/',
      objects: [object(file, contentAddressed)],
      remote: remoteStates,
      existing: new Set(remoteStates.keys()),
      kept: new Set(),
      dropped: new Set(),
    })
    expect(plan.objects).toEqual([
      { key: `static/${file}`, object: object(file, contentAddressed), action, reason },
    ])
    expect(plan.deletions).toEqual([])
  })
})

describe('planPublish: deletions', () => {
  it.each([
    ['named by a dropped manifest only, and present', ['old.css'], [], ['old.css'], ['static/old.css']],
    ['also named by a kept manifest', ['old.css'], ['old.css'], ['old.css'], []],
    ['named by a dropped manifest, but not in the bucket', ['old.css'], [], [], []],
    ['in the bucket but named by no manifest (not ours)', [], [], ['uploads/photo.jpg'], []],
    ['named by the build being published', ['css/app.css'], [], ['css/app.css'], []],
  ] as const)('%s', (_title, dropped, kept, existing, deletions) => {
    const plan = planPublish({
      prefix: 'static/',
      objects: [object('css/app.css', false)],
      remote: new Map(),
      existing: new Set(existing.map((file) => `static/${file}`)),
      kept: new Set(kept),
      dropped: new Set(dropped),
    })
    expect(plan.deletions).toEqual(deletions)
  })
})

describe('retention of published manifests', () => {
  it.each([
    [[], 2, false, [], []],
    [['a'], 2, false, ['a'], []],
    [['a', 'b', 'c'], 2, false, ['c'], ['a', 'b']],
    [['a', 'b', 'c'], 2, true, ['b', 'c'], ['a']],
    [['a', 'b', 'c'], 1, false, [], ['a', 'b', 'c']],
    [['a', 'b', 'c'], 1, true, ['c'], ['a', 'b']],
    [['a', 'b'], 5, false, ['a', 'b'], []],
  ] as const)(
    'history %j, keep %i, newest is this build: %s → kept %j, dropped %j',
    (history, keep, newest, kept, dropped) => {
      expect(splitRetention(history, keep, newest)).toEqual({ kept, dropped })
    },
  )

  it('names history keys so that key order is publish order, and lists only those', () => {
    const first = historyKey('static/', new Date('2026-12-06T09:59:59.999Z'), '84cc35348b9dcfdd')
    const second = historyKey('static/', new Date('2026-12-06T10:00:00.000Z'), '0000000000000000')
    expect(first).toBe('static/.vstatic/manifests/20261206T095959999Z-84cc35348b9dcfdd.json')
    const listed = [second, 'static/.vstatic/manifests/notes.txt', first, 'static/app.css'].map((key) => ({
      key,
      size: 1,
      etag: undefined,
    }))
    expect(historyOf(listed, 'static/').map((item) => item.key)).toEqual([first, second])
  })
})

describe('parseTarget', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/static', { bucket: 'bucket', prefix: 'static/' }],
    ['s3://my.bucket/a//b/', { bucket: 'my.bucket', prefix: 'a/b/' }],
  ])('%s → %j', (value, target) => {
    expect(parseTarget(value)).toEqual(target)
  })

  it.each([
    ['https://bucket/static', 'option "to" must look like s3://bucket/prefix, got "https://bucket/static"'],
    ['s3:///static', 'option "to" must look like s3://bucket/prefix, got "s3:///static"'],
    ['s3://b/static', 'option "to" names an invalid bucket "b" in "s3://b/static"'],
    ['s3://bucket/../x', 'option "to" must not have "." or ".." in its prefix, got "s3://bucket/../x"'],
  ])('refuses %s', (value, message) => {
    expect(() => parseTarget(value)).toThrow(message)
  })
})

describe('toPublishedObjects: the headers of each kind of key', () => {
  const variant = (file: string, hash: string) => ({ file, size: 5, hash })
  const manifest: Manifest = {
    version: 1,
    generator: 'vstatic test',
    builtAt: '2026-12-06T00:00:00.000Z',
    buildId: '0123456789abcdef',
    options: {
      prefix: '/static/',
      versioning: 'filename',
      hash: 'sha256',
      tokenLength: 16,
      integrity: 'sha384',
      layout: 'out-dir',
      outDir: 'out',
    },
    assets: {
      'css/app.css': {
        size: 10,
        hash: A,
        token: 'aaaaaaaaaaaaaaaa',
        integrity: 'sha384-app',
        contentType: 'text/css; charset=utf-8',
        file: 'css/app.aaaaaaaaaaaaaaaa.css',
        encodings: { br: variant('css/app.aaaaaaaaaaaaaaaa.css.br', B) },
      },
      'assets/index-AbCd1234.js': {
        size: 10,
        hash: B,
        token: 'bbbbbbbbbbbbbbbb',
        integrity: 'sha384-index',
        contentType: 'text/javascript; charset=utf-8',
        fingerprinted: true,
      },
    },
    history: [
      {
        buildId: 'ffffffffffffffff',
        builtAt: '2026-12-05T00:00:00.000Z',
        files: {
          'css/app.cccccccccccccccc.css': {
            logicalPath: 'css/app.css',
            token: 'cccccccccccccccc',
            size: 9,
            hash: 'c'.repeat(64),
            contentType: 'text/css; charset=utf-8',
          },
        },
      },
    ],
  }

  it('gives immutable caching exactly to content-addressed names, and the original’s type to a variant', () => {
    const rows = toPublishedObjects(manifest, { variants: true, maxAge: 0 }).map((item) => [
      item.file,
      item.cacheControl,
      item.contentType,
      item.contentEncoding ?? '-',
      item.contentAddressed,
    ])
    expect(rows).toEqual([
      ['assets/index-AbCd1234.js', IMMUTABLE, 'text/javascript; charset=utf-8', '-', true],
      ['css/app.aaaaaaaaaaaaaaaa.css', IMMUTABLE, 'text/css; charset=utf-8', '-', true],
      ['css/app.aaaaaaaaaaaaaaaa.css.br', IMMUTABLE, 'text/css; charset=utf-8', 'br', true],
      ['css/app.cccccccccccccccc.css', IMMUTABLE, 'text/css; charset=utf-8', '-', true],
      ['css/app.css', 'no-cache', 'text/css; charset=utf-8', '-', false],
      ['css/app.css.br', 'no-cache', 'text/css; charset=utf-8', 'br', false],
    ])
  })

  it('follows maxAge on plain names, as the handler does, and leaves variants out unless asked', () => {
    const objects = toPublishedObjects(manifest, { variants: false, maxAge: 300 })
    expect(objects.map((item) => [item.file, item.cacheControl])).toEqual([
      ['assets/index-AbCd1234.js', IMMUTABLE],
      ['css/app.aaaaaaaaaaaaaaaa.css', IMMUTABLE],
      ['css/app.cccccccccccccccc.css', IMMUTABLE],
      ['css/app.css', 'public, max-age=300'],
    ])
  })

  it('retains every name a manifest can reach, variants included, published or not', () => {
    expect([...referencedFiles(manifest)].sort()).toEqual([
      'assets/index-AbCd1234.js',
      'assets/index-AbCd1234.js.br',
      'assets/index-AbCd1234.js.gz',
      'css/app.aaaaaaaaaaaaaaaa.css',
      'css/app.aaaaaaaaaaaaaaaa.css.br',
      'css/app.cccccccccccccccc.css',
      'css/app.css',
      'css/app.css.br',
      'css/app.css.gz',
    ])
  })
})
