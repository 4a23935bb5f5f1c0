/**
 * negotiateEncoding(): Accept-Encoding (RFC 9110 §12.5.3) against the variants an asset has. Pure.
 * @module
 */

/** Preference among equally acceptable codings: the smaller first. */
const PREFERENCE = ['br', 'gzip', 'identity'] as const

/** A coding vstatic can send. */
export type Coding = (typeof PREFERENCE)[number]

/**
 * Picks the coding to send: the highest q-value among those available, ties broken by
 * br > gzip > identity. `*` covers codings the header does not name; `identity` stays acceptable
 * unless excluded with q=0 (and if nothing is acceptable, identity is sent anyway: a 406 for a
 * static file helps nobody).
 */
export function negotiateEncoding(
  acceptEncoding: string | undefined,
  available: ReadonlySet<string>,
): Coding {
  if (acceptEncoding === undefined || available.size === 0) return 'identity'
  const weights = parseAcceptEncoding(acceptEncoding)
  const star = weights.get('*')
  let best: Coding = 'identity'
  let bestWeight = -1
  for (const coding of PREFERENCE) {
    if (coding !== 'identity' && !available.has(coding)) continue
    let weight = weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined) ?? star
    if (weight === undefined) weight = coding === 'identity' ? 0.001 : 0
    if (weight > bestWeight) {
      best = coding
      bestWeight = weight
    }
  }
  return bestWeight > 0 ? best : 'identity'
}

// --- internal ---

/** Coding → q-value. Malformed members are skipped; the header is read once, linearly. */
function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>()
  for (const member of header.split(',', 64)) {
    const [rawCoding, ...parameters] = member.split(';')
    const coding = rawCoding?.trim().toLowerCase() ?? ''
    if (coding === '') continue
    let weight = 1
    for (const parameter of parameters) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter)
      if (match?.[1] !== undefined) weight = Math.min(1, Number(match[1]))
    }
    if (!weights.has(coding)) weights.set(coding, weight)
  }
  return weights
}
