/**
 * createAsset(): one file → a frozen Asset with its token, strong ETag, content type and Last-Modified.
 * @module
 */
import mime from 'mime-types'
import { toEtag, toToken } from './hash.js'
import type { Asset, EncodedVariant } from './types.js'

/** The facts about a file that an asset is made from. */
export interface AssetSource {
  readonly logicalPath: string
  readonly absolutePath: string
  /** Size of the bytes served. */
  readonly size: number
  readonly mtimeMs: number
  /** SHA-256 of the bytes served. */
  readonly hash: string
  /** Version token; defaults to the one derived from `hash`. */
  readonly token?: string
  readonly body?: Buffer | undefined
  readonly encodings?: readonly EncodedVariant[]
  readonly fingerprinted?: boolean
  readonly integrity?: string | undefined
  readonly references?: readonly string[]
  /** Content-Type from a manifest; defaults to the one derived from the name. */
  readonly contentType?: string
}

/** Builds the frozen record for one file. All header values a response needs are computed here, once. */
export function createAsset(source: AssetSource): Asset {
  return Object.freeze({
    logicalPath: source.logicalPath,
    absolutePath: source.absolutePath,
    size: source.size,
    mtimeMs: source.mtimeMs,
    hash: source.hash,
    token: source.token ?? toToken(source.hash),
    etag: toEtag(source.hash),
    contentType: source.contentType ?? contentTypeFor(source.logicalPath),
    lastModified: toHttpDate(source.mtimeMs),
    body: source.body,
    encodings: Object.freeze([...(source.encodings ?? [])]),
    fingerprinted: source.fingerprinted ?? false,
    integrity: source.integrity,
    references: Object.freeze([...(source.references ?? [])]),
  })
}

/** Content-Type for a file name: mime-types' table, `charset=utf-8` on text types, octet-stream otherwise. */
export function contentTypeFor(logicalPath: string): string {
  const type = mime.lookup(logicalPath)
  if (type === false) return 'application/octet-stream'
  return mime.contentType(type) || type
}

/** True when a Content-Type is worth compressing (text, JSON, JavaScript, SVG, XML, fonts that are not already compressed). */
export function isCompressible(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim() ?? ''
  return (
    type.startsWith('text/') ||
    /^application\/(?:javascript|json|.*\+json|xml|.*\+xml|wasm|manifest\+json|x-javascript)$/.test(type) ||
    type === 'image/svg+xml' ||
    type === 'image/vnd.microsoft.icon' ||
    type === 'image/x-icon' ||
    type === 'font/ttf' ||
    type === 'font/otf' ||
    type === 'application/vnd.ms-fontobject'
  )
}

/**
 * An mtime as an IMF-fixdate. HTTP dates have one-second resolution (RFC 9110 §5.6.7), so the
 * milliseconds are dropped here and every comparison is made against this string's value.
 */
export function toHttpDate(mtimeMs: number): string {
  return new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString()
}
