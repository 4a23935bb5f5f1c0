/**
 * The content codings vstatic serves precompressed, and negotiateEncoding(): Accept-Encoding
 * (RFC 9110 §12.5.3) against the variants an asset has. Pure.
 * @module
 */
import type { Encoding } from '../types.js'

/** What the protocol needs to know about one coding. */
interface EncodingFacts {
  /** Suffix of the precompressed file beside the original: `app.css` → `app.css.br`. */
  readonly extension: string
  /** Other names a client may use for it in Accept-Encoding. */
  readonly aliases: readonly string[]
}

/**
 * The one table of codings, in preference order: among equally acceptable codings the smaller
 * output comes first. Adding a coding starts here; its codecs are looked up by name in
 * `catalog/variants.ts` (decompress) and `build/compress.ts` (compress).
 */
const ENCODING_TABLE: Readonly<Record<Encoding, EncodingFacts>> = {
  br: { extension: '.br', aliases: [] },
  gzip: { extension: '.gz', aliases: ['x-gzip'] },
}

/** Every coding served precompressed, best first. */
export const ENCODINGS: readonly Encoding[] = Object.freeze(Object.keys(ENCODING_TABLE) as Encoding[])

/** The suffix of a coding's file: `br` → `.br`, `gzip` → `.gz`. */
export function encodingExtension(encoding: Encoding): string {
  return ENCODING_TABLE[encoding].extension
}

/** True when `name` is a coding vstatic serves precompressed (the manifest's keys, for one). */
export function isEncoding(name: string): name is Encoding {
  return Object.hasOwn(ENCODING_TABLE, name)
}

/** Orders variants best first; deltas (not in the table) after them. */
export function byPreference(a: { encoding: string }, b: { encoding: string }): number {
  return preferenceOf(a.encoding) - preferenceOf(b.encoding)
}

/** A coding's place in the table; codings outside it (deltas) come after every one in it. */
export function preferenceOf(encoding: string): number {
  return isEncoding(encoding) ? ENCODINGS.indexOf(encoding) : ENCODINGS.length
}

/** A coding vstatic can send: a precompressed one, or the file as it is. */
export type Coding = Encoding | 'identity'

/** Preference among equally acceptable codings. */
const PREFERENCE: readonly Coding[] = [...ENCODINGS, 'identity']

/**
 * Picks the coding to send: the highest q-value among those available, ties broken by the table's
 * order (br > gzip), then identity. `*` covers codings the header does not name; `identity` stays
 * acceptable unless excluded with q=0 (and if nothing is acceptable, identity is sent anyway: a 406
 * for a static file helps nobody).
 */
export function negotiateEncoding(
  acceptEncoding: string | undefined,
  available: ReadonlySet<string>,
): Coding {
  if (acceptEncoding === undefined) return 'identity'
  const weights = parseAcceptEncoding(acceptEncoding)
  const star = weights.get('*')
  let best: Coding = 'identity'
  let bestWeight = -1
  for (const coding of PREFERENCE) {
    if (coding !== 'identity' && !available.has(coding)) continue
    // A coding the header does not name (identity included) weighs 0: identity is the answer
    // anyway when no coding weighs more.
    const weight = weights.get(coding) ?? aliasWeight(weights, coding) ?? star ?? 0
    if (weight > bestWeight) {
      best = coding
      bestWeight = weight
    }
  }
  return bestWeight > 0 ? best : 'identity'
}

// --- internal ---

function aliasWeight(weights: ReadonlyMap<string, number>, coding: Coding): number | undefined {
  if (coding === 'identity') return undefined
  for (const alias of ENCODING_TABLE[coding].aliases) {
    const weight = weights.get(alias)
    if (weight !== undefined) return weight
  }
  return undefined
}

/** An Accept-Encoding header's codings (lowercase) → q-value, as {@link negotiateEncoding} reads them. */
export function acceptedCodings(header: string): ReadonlyMap<string, number> {
  return parseAcceptEncoding(header)
}

/** Coding → q-value. Malformed members are skipped; the header is read once, linearly. */
function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>()
  for (const member of header.split(',', 64)) {
    const [rawCoding, ...parameters] = member.split(';')
    const coding = rawCoding?.trim().toLowerCase() ?? ''
    let weight = 1
    for (const parameter of parameters) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter)
      if (match?.[1] !== undefined) weight = Math.min(1, Number(match[1]))
    }
    if (!weights.has(coding)) weights.set(coding, weight)
  }
  return weights
}
