/**
 * createAsset(): one file → a frozen Asset with its token, strong ETag, content type and Last-Modified.
 * @module
 */
import mime from 'mime-types'
import { toEtag, toToken } from './hash.js'
import type { Asset } from './types.js'

/** The facts about a file that an asset is made from. */
export interface AssetSource {
  readonly logicalPath: string
  readonly absolutePath: string
  readonly size: number
  readonly mtimeMs: number
  readonly hash: string
}

/** Builds the frozen record for one file. All header values a response needs are computed here, once. */
export function createAsset(source: AssetSource): Asset {
  return Object.freeze({
    logicalPath: source.logicalPath,
    absolutePath: source.absolutePath,
    size: source.size,
    mtimeMs: source.mtimeMs,
    hash: source.hash,
    token: toToken(source.hash),
    etag: toEtag(source.hash),
    contentType: contentTypeFor(source.logicalPath),
    lastModified: toHttpDate(source.mtimeMs),
  })
}

/** Content-Type for a file name: mime-types' table, `charset=utf-8` on text types, octet-stream otherwise. */
export function contentTypeFor(logicalPath: string): string {
  const type = mime.lookup(logicalPath)
  if (type === false) return 'application/octet-stream'
  return mime.contentType(type) || type
}

/**
 * An mtime as an IMF-fixdate. HTTP dates have one-second resolution (RFC 9110 §5.6.7), so the
 * milliseconds are dropped here and every comparison is made against this string's value.
 */
export function toHttpDate(mtimeMs: number): string {
  return new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString()
}
