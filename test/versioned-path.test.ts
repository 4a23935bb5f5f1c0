import { describe, expect, it } from 'vitest'
import { formatVersionedPath, parseVersionedPath, parseVersionToken } from '../src/http/versioned-path.js'

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
