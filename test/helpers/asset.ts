// A hand-made asset for the pure protocol tests: every field pinned, nothing read from disk.
import type { Asset, EncodedVariant } from '../../src/types.js'

/** Last-Modified of every made asset; its mtime is half a second later (validators use whole seconds). */
export const LAST_MODIFIED = 'Fri, 01 Mar 2024 08:30:15 GMT'

/** A 16-hex-digit version token. */
export const TOKEN = '0123456789abcdef'

export function makeAsset(overrides: Partial<Asset> = {}): Asset {
  const logicalPath = overrides.logicalPath ?? 'a.css'
  return {
    logicalPath,
    root: '/r',
    absolutePath: `/r/${logicalPath}`,
    size: 100,
    mtimeMs: Date.parse(LAST_MODIFIED) + 500,
    hash: 'h',
    token: TOKEN,
    tokenMatchesBytes: true,
    etag: '"a"',
    contentType: 'text/css; charset=utf-8',
    lastModified: LAST_MODIFIED,
    body: undefined,
    encodings: [],
    fingerprinted: false,
    integrity: undefined,
    references: [],
    identity: undefined,
    ...overrides,
  }
}

export function makeVariant(encoding: 'br' | 'gzip', size: number): EncodedVariant {
  return {
    encoding,
    absolutePath: `/r/a.css.${encoding}`,
    size,
    hash: encoding,
    etag: `"${encoding}"`,
    identity: undefined,
  }
}
