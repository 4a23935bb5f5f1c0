/**
 * createAsset(): one file → a frozen Asset with its token, strong ETag, content type and Last-Modified.
 * @module
 */
import mime from 'mime-types'
import { toEtag, toToken } from '../hash.js'
import type { Asset, EncodedVariant, FileIdentity } from '../types.js'

/** The facts about a file that an asset is made from. */
export interface AssetSource {
  readonly logicalPath: string
  /** The root the file was found in. */
  readonly root: string
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
  /** Content-Type: from a manifest, or {@link contentTypeFor} the name and the bytes. */
  readonly contentType: string
  /** The file the bytes were read from; undefined for a manifest entry not read yet. */
  readonly identity?: FileIdentity | undefined
  /**
   * False when `token` names other bytes than these (a manifest entry edited after the build).
   * @default true: the token was made from these bytes (their hash, or a reference cycle's shared token)
   */
  readonly tokenMatchesBytes?: boolean
}

/** Builds the frozen record for one file. All header values a response needs are computed here, once. */
export function createAsset(source: AssetSource): Asset {
  return Object.freeze({
    logicalPath: source.logicalPath,
    root: source.root,
    absolutePath: source.absolutePath,
    size: source.size,
    mtimeMs: source.mtimeMs,
    hash: source.hash,
    token: source.token ?? toToken(source.hash),
    tokenMatchesBytes: source.tokenMatchesBytes ?? true,
    etag: toEtag(source.hash),
    contentType: source.contentType,
    lastModified: toHttpDate(source.mtimeMs),
    body: source.body,
    encodings: frozenList(source.encodings),
    fingerprinted: source.fingerprinted ?? false,
    integrity: source.integrity,
    references: frozenList(source.references),
    identity: source.identity,
  })
}

const EMPTY: readonly never[] = Object.freeze([])

function frozenList<T>(items: readonly T[] | undefined): readonly T[] {
  return items === undefined || items.length === 0 ? EMPTY : Object.freeze([...items])
}

/**
 * Content-Type of a file from its name and its bytes: mime-types' table (octet-stream when the
 * extension is unknown), with `charset=utf-8` on a text type only when `utf8` says its bytes are
 * UTF-8 text. Other text gets no charset, so the browser reads its `@charset`, BOM or meta tag
 * instead of a header that contradicts them.
 * @example contentTypeFor('css/app.css', true) // → 'text/css; charset=utf-8'
 * @example contentTypeFor('css/latin1.css', false) // → 'text/css'
 */
export function contentTypeFor(logicalPath: string, utf8: boolean): string {
  const type = mediaTypeOf(logicalPath)
  return utf8 && type.utf8 !== undefined ? type.utf8 : type.bare
}

/** True when a file's type is text, so its charset is decided from its bytes (binary types are never checked). */
export function isTextType(logicalPath: string): boolean {
  return mediaTypeOf(logicalPath).utf8 !== undefined
}

/** A type without parameters, and with `charset=utf-8` when it is a text type (one that mime-db gives a charset). */
interface MediaType {
  readonly bare: string
  readonly utf8: string | undefined
}

function mediaTypeOf(logicalPath: string): MediaType {
  const slash = logicalPath.lastIndexOf('/')
  const dot = logicalPath.lastIndexOf('.')
  const extension = dot > slash ? logicalPath.slice(dot + 1).toLowerCase() : ''
  let known = MEDIA_TYPES.get(extension)
  if (known === undefined) {
    const type = extension === '' ? false : mime.lookup(extension)
    known =
      type === false
        ? { bare: 'application/octet-stream', utf8: undefined }
        : { bare: type, utf8: mime.charset(type) === false ? undefined : `${type}; charset=utf-8` }
    MEDIA_TYPES.set(extension, known)
  }
  return known
}

/** Media types by lower-case extension, looked up in mime-db once each. */
const MEDIA_TYPES = new Map<string, MediaType>()

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
function toHttpDate(mtimeMs: number): string {
  const second = Math.floor(mtimeMs / 1000)
  // Files of one tree share few distinct seconds: format each once.
  let text = HTTP_DATES.get(second)
  if (text === undefined) {
    text = new Date(second * 1000).toUTCString()
    if (HTTP_DATES.size >= 4096) HTTP_DATES.clear()
    HTTP_DATES.set(second, text)
  }
  return text
}

const HTTP_DATES = new Map<number, string>()
