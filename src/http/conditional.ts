/**
 * Conditional requests (RFC 9110 §13): entity-tag lists, HTTP dates, and the §13.2.2 evaluation order.
 * Pure functions, no I/O.
 * @module
 */

/** Reads a request header by lowercase name; undefined when absent. */
export type HeaderGetter = (name: string) => string | undefined

/** The validators of the selected representation. */
export interface Validators {
  /** Quoted strong entity tag, e.g. `"abc"`. */
  readonly etag: string
  /** Last-Modified in epoch milliseconds, already truncated to whole seconds. */
  readonly lastModifiedMs: number
}

/** The outcome of the preconditions. */
export type PreconditionResult = 'proceed' | 'not-modified' | 'precondition-failed'

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
 * RFC 9110 §13.2.2 for a GET or HEAD request. If-Range is separate ({@link isRangeCurrent}).
 * A request `Cache-Control: no-cache` asks for a full response, so it skips the 304 steps
 * (as `fresh` does for Express).
 */
export function evaluatePreconditions(
  header: HeaderGetter,
  validators: Validators,
  nowMs: number,
): PreconditionResult {
  // Step 1 and 2: If-Match (strong comparison, §13.1.1); else If-Unmodified-Since (§13.1.4).
  const ifMatch = header('if-match')
  if (ifMatch !== undefined) {
    if (!matchesEntityTag(ifMatch, validators.etag, 'strong')) return 'precondition-failed'
  } else {
    const ifUnmodifiedSince = header('if-unmodified-since')
    const since = ifUnmodifiedSince === undefined ? undefined : parseHttpDate(ifUnmodifiedSince)
    if (since !== undefined && validators.lastModifiedMs > since) return 'precondition-failed'
  }
  if (hasNoCache(header('cache-control'))) return 'proceed'
  // Step 3: If-None-Match, weak comparison (§13.1.2). An empty field counts as absent.
  const ifNoneMatch = header('if-none-match')
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '') {
    return matchesEntityTag(ifNoneMatch, validators.etag, 'weak') ? 'not-modified' : 'proceed'
  }
  // Step 4: If-Modified-Since, only without If-None-Match; ignored when invalid or in the future (§13.1.3).
  const ifModifiedSince = header('if-modified-since')
  if (ifModifiedSince !== undefined) {
    const since = parseHttpDate(ifModifiedSince)
    if (since !== undefined && since <= nowMs && validators.lastModifiedMs <= since) return 'not-modified'
  }
  return 'proceed'
}

/**
 * If-Range (RFC 9110 §13.1.5): true when the validator names the current representation,
 * so the Range applies. An entity tag must match strongly; a date must equal Last-Modified.
 */
export function isRangeCurrent(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true
  const value = ifRange.trim()
  // Any other tag (a weak one included) is not a date either: it never names the representation.
  return value === validators.etag || parseHttpDate(value) === validators.lastModifiedMs
}

/**
 * True when the field value (`*` or a list of entity tags) matches `etag`, a quoted strong tag.
 * `weak` compares the opaque tags whatever their W/ prefix; `strong` needs both sides strong.
 * Runs in time linear in the header's length; a malformed member ends the list.
 */
export function matchesEntityTag(fieldValue: string, etag: string, comparison: 'weak' | 'strong'): boolean {
  const length = fieldValue.length
  let position = 0
  while (position < length) {
    const code = fieldValue.charCodeAt(position)
    if (code === 32 || code === 9 || code === 44 /* SP, HTAB, comma */) {
      position++
      continue
    }
    if (code === 42 /* * */) return true
    let weak = false
    if (code === 87 /* W */ && fieldValue.charCodeAt(position + 1) === 47 /* / */) {
      weak = true
      position += 2
    }
    if (fieldValue.charCodeAt(position) !== 34 /* " */) return false
    const close = fieldValue.indexOf('"', position + 1)
    if (close === -1) return false
    // The tag has no quote inside, so starting with it means ending at `close` too.
    if (fieldValue.startsWith(etag, position) && (comparison === 'weak' || !weak)) return true
    position = close + 1
  }
  return false
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/
const RFC_850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/

/**
 * Parses an HTTP-date in any of the three formats RFC 9110 §5.6.7 requires recipients to accept.
 * Returns epoch milliseconds, or undefined for anything else (so an invalid date is ignored).
 */
export function parseHttpDate(value: string): number | undefined {
  // Every format is anchored and of fixed width, so a long value fails within its first characters.
  const text = value.trim()
  let match = IMF_FIXDATE.exec(text)
  if (match) return toEpoch(match[3], match[2], match[1], match[4], match[5], match[6])
  match = RFC_850.exec(text)
  if (match) {
    // Two-digit years: RFC 9110 §5.6.7 says a year more than 50 years ahead is in the past century.
    const shortYear = Number(match[3])
    const thisYear = new Date().getUTCFullYear()
    let year = Math.floor(thisYear / 100) * 100 + shortYear
    if (year > thisYear + 50) year -= 100
    return toEpoch(String(year), match[2], match[1], match[4], match[5], match[6])
  }
  match = ASCTIME.exec(text)
  // A one-digit day is padded with a space, which Number() reads past.
  if (match) return toEpoch(match[6], match[1], match[2], match[3], match[4], match[5])
  return undefined
}

// --- internal ---

function toEpoch(
  year: string | undefined,
  monthName: string | undefined,
  day: string | undefined,
  hours: string | undefined,
  minutes: string | undefined,
  secs: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf(monthName ?? '')
  const dayNumber = Number(day)
  const hourNumber = Number(hours)
  const minuteNumber = Number(minutes)
  const secondNumber = Number(secs)
  if (month === -1 || minuteNumber > 59 || secondNumber > 60) return undefined
  const epoch = Date.UTC(Number(year), month, dayNumber, hourNumber, minuteNumber, Math.min(secondNumber, 59))
  // A day or an hour out of range rolls over into another day of the month (31 Feb → 3 Mar, day 00
  // → the last day of the month before, hour 24 to 99 → one to four days later): reject it.
  return new Date(epoch).getUTCDate() === dayNumber ? epoch : undefined
}

function hasNoCache(cacheControl: string | undefined): boolean {
  if (cacheControl === undefined) return false
  return /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(cacheControl)
}
