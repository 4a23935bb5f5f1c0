import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatAssetPath,
  formatVersionedPath,
  formatVersionedUrl,
  parseAssetPath,
  parseVersionedPath,
  parseVersionToken,
} from '../../src/http/versioned-path.js'

const TOKEN = '0123456789abcdef'

describe('filename versioning', () => {
  it.each([
    ['css/app.css', 'css/app.0123456789abcdef.css'],
    ['archive.tar.gz', 'archive.tar.0123456789abcdef.gz'],
    ['no-extension', 'no-extension.0123456789abcdef'],
    ['v1.2/app.js', 'v1.2/app.0123456789abcdef.js'],
    ['with space.txt', 'with space.0123456789abcdef.txt'],
  ])('%s ↔ %s', (logicalPath, versioned) => {
    expect(formatVersionedPath(logicalPath, TOKEN)).toBe(versioned)
    expect(parseVersionedPath(versioned)).toContainEqual({ logicalPath, token: TOKEN })
  })

  it.each(['css/app.css', 'app.0123456789ABCDEF.css', 'app.0123456789abcde.css', 'app.xyz.css'])(
    '%s has no token reading',
    (path) => {
      expect(parseVersionedPath(path)).toEqual([])
    },
  )
})

describe('parseVersionToken', () => {
  it.each([
    ['', undefined],
    ['v=abc', 'abc'],
    ['x=1&v=abc', 'abc'],
    ['v=abc&v=def', 'abc'],
    ['v=', ''],
    ['v', ''],
    ['vv=abc', undefined],
    ['x=v=abc', undefined],
    ['v=%61bc', 'abc'],
    ['v=%zz', '%zz'],
  ])('%j → %j', (query, token) => {
    expect(parseVersionToken(query)).toBe(token)
  })
})

describe('formatAssetPath', () => {
  it.each([
    ['query', 'css/app.css', TOKEN, '/static/css/app.css?v=0123456789abcdef'],
    ['filename', 'css/app.css', TOKEN, '/static/css/app.0123456789abcdef.css'],
    ['filename', 'a?b#c.txt', TOKEN, '/static/a%3Fb%23c.0123456789abcdef.txt'],
    ['filename', '.htaccess', TOKEN, '/static/.htaccess.0123456789abcdef'],
    ['query', 'with space.txt', undefined, '/static/with%20space.txt'],
    ['filename', 'css/app.css', undefined, '/static/css/app.css'],
  ] as const)('%s: %s %s → %s', (versioning, logicalPath, token, expected) => {
    expect(formatAssetPath('/static/', logicalPath, token, versioning)).toBe(expected)
  })

  // Any logical path (any Unicode name, dots anywhere, nested or not), any token, any prefix:
  // the path and token read back from the URL are the ones that went in.
  const segment = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
    .filter((name) => !name.includes('/') && name !== '.' && name !== '..')
  const logicalPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'))
  const token = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 })
  const prefix = fc.constantFrom('/static/', '/', '/v1.2/assets/')

  it('round-trips through parseAssetPath in both schemes (fast-check)', () => {
    fc.assert(
      fc.property(prefix, logicalPath, token, (prefix, logicalPath, token) => {
        const query = parseAssetPath(prefix, formatAssetPath(prefix, logicalPath, token, 'query'))
        expect(query?.[0]).toEqual({ logicalPath, token })
        const filename = parseAssetPath(prefix, formatAssetPath(prefix, logicalPath, token, 'filename'))
        expect(filename).toContainEqual({ logicalPath, token })
        expect(parseAssetPath(prefix, formatAssetPath(prefix, logicalPath, undefined, 'query'))?.[0]).toEqual(
          {
            logicalPath,
            token: undefined,
          },
        )
      }),
    )
  })

  it('reads nothing outside the prefix or from a malformed escape', () => {
    expect(parseAssetPath('/static/', '/other/app.css?v=0123456789abcdef')).toBeUndefined()
    expect(parseAssetPath('/static/', '/static/%zz.css')).toBeUndefined()
  })
})

describe('formatVersionedUrl keeps the query and fragment a reference had', () => {
  it.each([
    ['query', '../img/a.png', '', '../img/a.png?v=0123456789abcdef'],
    ['query', 'f.woff2', '?v=4.7#iefix', 'f.woff2?v=0123456789abcdef&v=4.7#iefix'],
    ['query', 'f.eot', '?#iefix', 'f.eot?v=0123456789abcdef#iefix'],
    ['query', 'i.svg', '#icon', 'i.svg?v=0123456789abcdef#icon'],
    ['filename', '../img/a.png', '', '../img/a.0123456789abcdef.png'],
    ['filename', 'f.woff2', '?#iefix', 'f.0123456789abcdef.woff2?#iefix'],
  ] as const)('%s: %s%s', (versioning, urlPath, suffix, expected) => {
    expect(formatVersionedUrl(urlPath, TOKEN, versioning, suffix)).toBe(expected)
  })
})

describe('readings of a name, exactly and in order', () => {
  const OTHER = 'fedcba9876543210'
  it.each([
    ['css/app.0123456789abcdef.css', [{ logicalPath: 'css/app.css', token: TOKEN }]],
    ['LICENSE.0123456789abcdef', [{ logicalPath: 'LICENSE', token: TOKEN }]],
    ['.htaccess.0123456789abcdef', [{ logicalPath: '.htaccess', token: TOKEN }]],
    ['conf/.htaccess.0123456789abcdef', [{ logicalPath: 'conf/.htaccess', token: TOKEN }]],
    ['.0123456789abcdef', []],
    ['dir/.0123456789abcdef', []],
    ['0123456789abcdef', []],
    ['a.b/0123456789abcdef', []],
    ['a.0123456789abcdef/x.css', []],
    [
      `app.${TOKEN}.${OTHER}`,
      [
        { logicalPath: `app.${OTHER}`, token: TOKEN },
        { logicalPath: `app.${TOKEN}`, token: OTHER },
      ],
    ],
    ['archive.tar.0123456789abcdef.gz', [{ logicalPath: 'archive.tar.gz', token: TOKEN }]],
    ['.0123456789abcdef.css', [{ logicalPath: '.css', token: TOKEN }]],
    ['d/.0123456789abcdef.css', [{ logicalPath: 'd/.css', token: TOKEN }]],
    ['0123456789abcdef.css', []],
    ['d/0123456789abcdef.css', []],
    ['d.0123456789abcde/f.css', []],
    ['app.0123456789abcdef0.css', []],
    ['app.00123456789abcdef.css', []],
    ['app.0123456789abcdeg.css', []],
    ['app.g123456789abcdef.css', []],
    ['app.0123456789abcdef.c.css', []],
    ['app.css.0123456789abcdef0', []],
    ['app.css.00123456789abcdef', []],
    ['app.css.0123456789abcdeg', []],
    ['app.css.', []],
    ['app..css', []],
    ['a.b.c', []],
    ['', []],
  ])('%s', (path, readings) => {
    expect(parseVersionedPath(path)).toEqual(readings)
  })

  it.each([
    ['.htaccess', '.htaccess.0123456789abcdef'],
    ['conf/.htaccess', 'conf/.htaccess.0123456789abcdef'],
    ['a.b/c', 'a.b/c.0123456789abcdef'],
    ['a.b/.env', 'a.b/.env.0123456789abcdef'],
    ['.config/app.js', '.config/app.0123456789abcdef.js'],
    ['a.', 'a.0123456789abcdef.'],
  ])('formats %s as %s', (logicalPath, versioned) => {
    expect(formatVersionedPath(logicalPath, TOKEN)).toBe(versioned)
  })

  it('reads the plain path before the filename readings', () => {
    expect(parseAssetPath('/static/', `/static/app.${TOKEN}.css?x=1`)).toEqual([
      { logicalPath: `app.${TOKEN}.css`, token: undefined },
      { logicalPath: 'app.css', token: TOKEN },
    ])
    expect(parseAssetPath('/static/', '/static/a%20b/c.css?v=1')).toEqual([
      { logicalPath: 'a b/c.css', token: '1' },
    ])
    // Without a `?`, a `&v=` is part of the name.
    expect(parseAssetPath('/static/', '/static/q&v=1')).toEqual([{ logicalPath: 'q&v=1', token: undefined }])
    expect(parseAssetPath('/static/', '/static/q&v=1?v=2')).toEqual([{ logicalPath: 'q&v=1', token: '2' }])
  })
})

describe('more queries', () => {
  it.each([
    ['a=1&v', ''],
    ['v&x=1', ''],
    ['&v=abc', 'abc'],
    ['v=abc&', 'abc'],
    ['x=1&', undefined],
    ['V=abc', undefined],
    ['va', undefined],
    ['v=a+b', 'a b'],
    ['v=a%20b', 'a b'],
    ['v=%E0%A4%A', '%E0%A4%A'],
  ])('%j → %j', (query, token) => {
    expect(parseVersionToken(query)).toBe(token)
  })

  it.each([
    ['query', 'a.png', '?', 'a.png?v=0123456789abcdef'],
    ['query', 'a.png', '?x=1', 'a.png?v=0123456789abcdef&x=1'],
    ['query', 'a.png', '?x=1#f', 'a.png?v=0123456789abcdef&x=1#f'],
    ['filename', 'a.png', '?x=1', 'a.0123456789abcdef.png?x=1'],
  ] as const)('%s: %s%s', (versioning, urlPath, suffix, expected) => {
    expect(formatVersionedUrl(urlPath, TOKEN, versioning, suffix)).toBe(expected)
  })

  it('percent-encodes every segment of a nested path', () => {
    expect(formatAssetPath('/s/', 'a b/ü/c#d.txt', undefined, 'query')).toBe('/s/a%20b/%C3%BC/c%23d.txt')
    expect(formatAssetPath('/s/', 'a//b', undefined, 'query')).toBe('/s/a//b')
  })
})
