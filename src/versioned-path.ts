/**
 * The URL scheme: how a logical path and a version token are spelled in a URL, and read back.
 * @module
 */

/** Percent-encodes each segment of a logical path for use in a URL path (`?`, `#`, `%`, spaces, non-ASCII). */
export function formatUrlPath(logicalPath: string): string {
  let out = ''
  let start = 0
  for (;;) {
    const slash = logicalPath.indexOf('/', start)
    const segment = slash === -1 ? logicalPath.slice(start) : logicalPath.slice(start, slash)
    out += encodeURIComponent(segment)
    if (slash === -1) return out
    out += '/'
    start = slash + 1
  }
}

/** Appends the version query to a URL path: `css/app.css` + token → `css/app.css?v=<token>`. */
export function formatVersionedUrl(urlPath: string, token: string): string {
  return `${urlPath}?v=${token}`
}

/**
 * Reads the version token from a raw query string (without `?`): the first `v` parameter.
 * Returns undefined when there is none; an empty `v` gives `''` (a version that never matches).
 */
export function parseVersionToken(query: string): string | undefined {
  if (query === '') return undefined
  let start = 0
  while (start <= query.length) {
    let end = query.indexOf('&', start)
    if (end === -1) end = query.length
    if (query.charCodeAt(start) === 118 /* v */) {
      if (end === start + 1) return ''
      if (query.charCodeAt(start + 1) === 61 /* = */) return safeDecode(query.slice(start + 2, end))
    }
    start = end + 1
  }
  return undefined
}

// --- internal ---

function safeDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}
