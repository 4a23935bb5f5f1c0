/**
 * Compression Dictionary Transport (RFC 9842), the protocol half: the `dcz` / `dcb` codings and
 * their 40- / 36-byte headers, `Available-Dictionary` read from a request, the delta chosen for it,
 * and the `Use-As-Dictionary` pattern that lets a browser keep a version as the dictionary of the
 * next. Pure.
 * @module
 */
import type { Asset, DeltaEncoding, EncodedVariant, Versioning } from '../types.js'
import { acceptedCodings } from './encoding.js'
import { formatAssetPath, formatVersionedPath } from './versioned-path.js'

/** What the protocol needs to know about one dictionary coding. */
interface DeltaFacts {
  /** The bytes a delta starts with, before the dictionary's SHA-256 (RFC 9842 §4). */
  readonly magic: readonly number[]
  /** Suffix of the delta's file: `app.<token>.js.<dictionary>.dcz`. */
  readonly extension: string
}

/** The one table of dictionary codings, smaller output first. */
const DELTA_TABLE: Readonly<Record<DeltaEncoding, DeltaFacts>> = {
  dcb: { magic: [0xff, 0x44, 0x43, 0x42], extension: '.dcb' },
  dcz: { magic: [0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00], extension: '.dcz' },
}

/** Every dictionary coding, in the order they are preferred when a client accepts both equally. */
export const DELTA_ENCODINGS: readonly DeltaEncoding[] = Object.freeze(
  Object.keys(DELTA_TABLE) as DeltaEncoding[],
)

/** True when `name` is a dictionary coding (the manifest's keys, for one). */
export function isDeltaEncoding(name: string): name is DeltaEncoding {
  return Object.hasOwn(DELTA_TABLE, name)
}

/** The suffix of a delta's file. */
export function deltaExtension(encoding: DeltaEncoding): string {
  return DELTA_TABLE[encoding].extension
}

/** The header a delta's bytes start with: the coding's magic, then the dictionary's SHA-256 (`dictionary` in hex). */
export function deltaHeader(encoding: DeltaEncoding, dictionary: string): Buffer {
  return Buffer.concat([Buffer.from(DELTA_TABLE[encoding].magic), Buffer.from(dictionary, 'hex')])
}

/** Length of {@link deltaHeader} for `encoding`. */
export function deltaHeaderLength(encoding: DeltaEncoding): number {
  return DELTA_TABLE[encoding].magic.length + 32
}

/** The key a variant's bytes are kept under: its coding, and for a delta the dictionary too. */
export function variantKey(variant: EncodedVariant | undefined): string {
  if (variant === undefined) return 'identity'
  return variant.dictionary === undefined ? variant.encoding : `${variant.encoding}:${variant.dictionary}`
}

/**
 * The SHA-256 (lowercase hex) an `Available-Dictionary` header names: a Structured Field byte
 * sequence, `:` base64 `:`, of exactly 32 bytes. Undefined when absent or malformed.
 */
export function parseAvailableDictionary(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^[ \t]*:([A-Za-z0-9+/]{43}=):[ \t]*$/.exec(header)
  if (match?.[1] === undefined) return undefined
  const bytes = Buffer.from(match[1], 'base64')
  return bytes.length === 32 ? bytes.toString('hex') : undefined
}

/**
 * The delta to send: one against the dictionary `availableDictionary` names, in a coding that
 * `Accept-Encoding` names with a non-zero weight (`*` does not count: a client that never heard of
 * dictionaries cannot decode them). Highest weight first, then the smaller file.
 */
export function selectDelta(
  asset: Asset,
  availableDictionary: string | undefined,
  acceptEncoding: string | undefined,
): EncodedVariant | undefined {
  if (availableDictionary === undefined || acceptEncoding === undefined) return undefined
  const dictionary = parseAvailableDictionary(availableDictionary)
  if (dictionary === undefined) return undefined
  const weights = acceptedCodings(acceptEncoding)
  let best: EncodedVariant | undefined
  let bestWeight = 0
  for (const variant of asset.encodings) {
    if (variant.dictionary !== dictionary) continue
    const weight = weights.get(variant.encoding) ?? 0
    if (weight <= 0) continue
    if (best === undefined || weight > bestWeight || (weight === bestWeight && variant.size < best.size)) {
      best = variant
      bestWeight = weight
    }
  }
  return best
}

/**
 * True for the text types a delta is built for and a dictionary announced on: scripts, styles,
 * JSON (source maps too), SVG, HTML and other XML and text.
 */
export function isDeltaType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return (
    type.startsWith('text/') ||
    type === 'image/svg+xml' ||
    /^application\/(?:javascript|x-javascript|json|[\w.+-]+\+json|xml|[\w.+-]+\+xml)$/.test(type)
  )
}

/** True when some response of `asset` is a delta, so every response of it varies by `Available-Dictionary`. */
export function hasDeltas(asset: Asset): boolean {
  return asset.encodings.some((variant) => variant.dictionary !== undefined)
}

/** Where the URLs of a build's files are spelled, for {@link useAsDictionary}. */
export interface DictionaryScheme {
  readonly prefix: string
  readonly versioning: Versioning
}

/**
 * The `Use-As-Dictionary` value for a version of `logicalPath`: a URL pattern (RFC 9842 §2.1.1,
 * WHATWG URL Pattern) that matches this file's next versions and no other file. Filename versioning:
 * the token's place becomes `*` (`/static/css/app.*.css`). Query versioning: the plain path, whose
 * pattern matches any query (`/static/css/app.css` matches `?v=<next>`). Characters the pattern
 * syntax reserves are escaped; the value is a Structured Field string.
 */
export function useAsDictionary(logicalPath: string, scheme: DictionaryScheme): string {
  const plain = escapePattern(formatAssetPath(scheme.prefix, logicalPath, undefined, 'query'))
  const pattern = scheme.versioning === 'filename' ? formatVersionedPath(plain, '*') : plain
  return `match="${pattern.replace(/[\\"]/g, (char) => `\\${char}`)}"`
}

// --- internal ---

/** Escapes what URL Pattern syntax reserves and a percent-encoded path may still hold. */
function escapePattern(urlPath: string): string {
  return urlPath.replace(/[*()+?:{}\\]/g, (char) => `\\${char}`)
}
