/**
 * The URL scheme: how a logical path and a version token are spelled in a URL, and read back.
 * @module
 */
import { TOKEN_LENGTH } from '../hash.js'
import type { Versioning } from '../types.js'

/**
 * The URL path of a file of the root: the prefix, the percent-encoded logical path, and the token
 * where `versioning` puts it; without a token, the plain URL path. The one place a versioned URL is
 * spelled: `url()`, the nginx generator and the rewritten references all come here.
 * @example formatAssetPath('/static/', 'css/app.css', '3f2a9c1b7d0e4a51', 'query') // → '/static/css/app.css?v=3f2a9c1b7d0e4a51'
 */
export function formatAssetPath(
  prefix: string,
  logicalPath: string,
  token: string | undefined,
  versioning: Versioning,
): string {
  const urlPath = prefix + formatUrlPath(logicalPath)
  return token === undefined ? urlPath : formatVersionedUrl(urlPath, token, versioning)
}

/**
 * The inverse of {@link formatAssetPath}: the readings of a URL path (with its query) under `prefix`,
 * most likely first. The path as it is, with the query's `v` as its token; then the filename
 * readings ({@link parseVersionedPath}). A resolver takes the first reading that names an indexed
 * file. Undefined outside the prefix or for malformed percent-encoding.
 */
export function parseAssetPath(
  prefix: string,
  url: string,
): Array<{ logicalPath: string; token: string | undefined }> | undefined {
  const questionMark = url.indexOf('?')
  const rawPath = questionMark === -1 ? url : url.slice(0, questionMark)
  if (!rawPath.startsWith(prefix)) return undefined
  let path: string
  try {
    path = decodeURIComponent(rawPath.slice(prefix.length))
  } catch {
    return undefined
  }
  const token = questionMark === -1 ? undefined : parseVersionToken(url.slice(questionMark + 1))
  return [{ logicalPath: path, token }, ...parseVersionedPath(path)]
}

/**
 * Puts a token into a path already in URL form (`/static/css/app.css`, or `../img/a.png` as written
 * in a stylesheet), keeping `suffix`, the query and fragment it had (`?x=1#f`). Filename mode inserts
 * the token before the extension; query mode makes it the first parameter, so it is the `v` a server
 * reads.
 */
export function formatVersionedUrl(
  urlPath: string,
  token: string,
  versioning: Versioning,
  suffix = '',
): string {
  if (versioning === 'filename') return formatVersionedPath(urlPath, token) + suffix
  if (suffix.startsWith('#')) return `${urlPath}?v=${token}${suffix}`
  // What follows the `?` (nothing when there is no suffix) becomes the rest of the new query.
  const rest = suffix.slice(1)
  return rest === '' || rest.startsWith('#')
    ? `${urlPath}?v=${token}${rest}`
    : `${urlPath}?v=${token}&${rest}`
}

/**
 * Reads the version token from a raw query string (without `?`): the first `v` parameter.
 * Returns undefined when there is none; an empty `v` gives `''` (a version that never matches).
 */
export function parseVersionToken(query: string): string | undefined {
  let start = 0
  for (;;) {
    let end = query.indexOf('&', start)
    if (end === -1) end = query.length
    if (query.charCodeAt(start) === 118 /* v */) {
      if (end === start + 1) return ''
      if (query.charCodeAt(start + 1) === 61 /* = */) return safeDecode(query.slice(start + 2, end))
    }
    if (end === query.length) return undefined
    start = end + 1
  }
}

/**
 * Filename mode: inserts the token before the last extension of the last segment.
 * `css/site.css` → `css/site.<token>.css`; `archive.tar.gz` → `archive.tar.<token>.gz`;
 * `LICENSE` → `LICENSE.<token>`.
 */
export function formatVersionedPath(logicalPath: string, token: string): string {
  const slash = logicalPath.lastIndexOf('/')
  const dot = logicalPath.lastIndexOf('.')
  // A dot at the start of the name (".htaccess") is not an extension.
  if (dot <= slash + 1) return `${logicalPath}.${token}`
  return `${logicalPath.slice(0, dot)}.${token}${logicalPath.slice(dot)}`
}

/**
 * The readings of a path that may carry a filename token, most likely first: the token before the
 * extension (`site.<token>.css`), then the token as the extension (`LICENSE.<token>`). Callers check
 * each reading against the index, after trying the path as it is.
 */
export function parseVersionedPath(path: string): Array<{ logicalPath: string; token: string }> {
  const slash = path.lastIndexOf('/')
  const lastDot = path.lastIndexOf('.')
  const previousDot = path.lastIndexOf('.', lastDot - 1)
  const readings: Array<{ logicalPath: string; token: string }> = []
  // A token is a whole dot-separated part of the name. Between a dot of the directory and the
  // last dot lies a slash, which no token holds. The lengths are compared first, so that a path
  // without a part of the token's length (every 404 that is not a versioned name) costs no slice.
  if (previousDot !== -1 && lastDot - previousDot - 1 === TOKEN_LENGTH) {
    const beforeExtension = path.slice(previousDot + 1, lastDot)
    if (TOKEN_PATTERN.test(beforeExtension)) {
      readings.push({ logicalPath: path.slice(0, previousDot) + path.slice(lastDot), token: beforeExtension })
    }
  }
  // As the extension, the token needs a name before it (`.<token>` is a dotfile, not a version).
  if (lastDot > slash + 1 && path.length - lastDot - 1 === TOKEN_LENGTH) {
    const extension = path.slice(lastDot + 1)
    if (TOKEN_PATTERN.test(extension)) {
      readings.push({ logicalPath: path.slice(0, lastDot), token: extension })
    }
  }
  return readings
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

const TOKEN_PATTERN = new RegExp(`^[0-9a-f]{${TOKEN_LENGTH}}$`)

/** Percent-encodes each segment of a logical path for use in a URL path (`?`, `#`, `%`, spaces, non-ASCII). */
function formatUrlPath(logicalPath: string): string {
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
