/**
 * parseRange(): the Range header (RFC 9110 §14.2) for one representation of known size. Pure.
 * @module
 */

/** The Range header's effect on a response. */
export type RangeResult =
  /** No usable Range: answer 200 with the whole representation. */
  | { readonly kind: 'ignore' }
  /** Valid, but no range overlaps the representation: 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' }
  /** One byte range, `end` inclusive: 206. */
  | { readonly kind: 'single'; readonly start: number; readonly end: number }

/** More range-specs than this makes the header count as abuse, and it is ignored. */
export const MAX_RANGE_SPECS = 100

const IGNORE: RangeResult = Object.freeze({ kind: 'ignore' })
const UNSATISFIABLE: RangeResult = Object.freeze({ kind: 'unsatisfiable' })
const DIGITS = /^\d+$/

/**
 * Parses `bytes=a-b, c-, -n`. Syntax errors, another unit, or too many specs → ignore (§14.2: a server
 * may ignore Range). Satisfiable ranges are merged where they overlap or touch; when more than one
 * remains, the whole representation is sent as 200 instead of multipart/byteranges.
 */
export function parseRange(fieldValue: string, size: number): RangeResult {
  const equals = fieldValue.indexOf('=')
  if (equals === -1 || fieldValue.slice(0, equals).trim().toLowerCase() !== 'bytes') return IGNORE
  const specs = fieldValue.slice(equals + 1).split(',')
  if (specs.length > MAX_RANGE_SPECS) return IGNORE
  const ranges: Array<{ start: number; end: number }> = []
  let sawSpec = false
  for (const rawSpec of specs) {
    const spec = rawSpec.trim()
    if (spec === '') continue // empty list elements are allowed (§5.6.1)
    sawSpec = true
    const dash = spec.indexOf('-')
    if (dash === -1) return IGNORE
    const first = spec.slice(0, dash).trim()
    const last = spec.slice(dash + 1).trim()
    if (first === '') {
      // suffix-range: the last n bytes; n = 0 is unsatisfiable.
      if (!DIGITS.test(last)) return IGNORE
      const suffixLength = Number(last)
      if (suffixLength > 0 && size > 0)
        ranges.push({ start: Math.max(0, size - suffixLength), end: size - 1 })
      continue
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return IGNORE
    const start = Number(first)
    const end = last === '' ? Number.POSITIVE_INFINITY : Number(last)
    if (end < start) return IGNORE // an invalid range-spec invalidates the whole set (§14.1.1)
    if (start < size) ranges.push({ start, end: Math.min(end, size - 1) })
  }
  if (!sawSpec) return IGNORE
  if (ranges.length === 0) return UNSATISFIABLE
  const merged = mergeRanges(ranges)
  const only = merged[0]
  if (merged.length !== 1 || only === undefined) return IGNORE
  return { kind: 'single', start: only.start, end: only.end }
}

// --- internal ---

function mergeRanges(ranges: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const merged: Array<{ start: number; end: number }> = []
  for (const range of sorted) {
    const previous = merged[merged.length - 1]
    if (previous !== undefined && range.start <= previous.end + 1) {
      previous.end = Math.max(previous.end, range.end)
    } else {
      merged.push({ ...range })
    }
  }
  return merged
}
