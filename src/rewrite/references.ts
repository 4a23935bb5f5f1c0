/**
 * References inside assets: `url()`, `@import` and `image-set()` in CSS (found with a real CSS
 * tokenizer, so comments and ordinary strings are never mistaken for references), and the trailing
 * `sourceMappingURL` comment of CSS and JavaScript. Finding, resolving and re-spelling them.
 * @module
 */
import path from 'node:path'
import {
  isTokenAtKeyword,
  isTokenFunction,
  isTokenString,
  isTokenURL,
  tokenize,
} from '@csstools/css-tokenizer'

/** One reference found in a text asset. */
export interface FoundReference {
  /** Offset of the first character to replace. */
  readonly start: number
  /** Offset after the last character to replace. */
  readonly end: number
  /** How it is spelled: an unquoted `url(…)`, a quoted string, or bare text (source-map comments). */
  readonly form: 'url' | 'string' | 'raw'
  /** The quote of a string form. */
  readonly quote: '"' | "'" | undefined
  /** The reference with CSS escapes decoded, e.g. `../img/a.png?x#f`. */
  readonly value: string
  /** 1-based line of the reference, for warnings. */
  readonly line: number
}

/** What a reference names. */
export type ReferenceTarget =
  /** A file of the root: rewrite `pathText` (as written) with its token and keep `suffix`. */
  | {
      readonly kind: 'file'
      readonly logicalPath: string
      readonly pathText: string
      readonly suffix: string
    }
  /** Not a file reference (a scheme, `//host`, `#fragment`, empty): left alone silently. */
  | { readonly kind: 'external' }
  /** Looks like a file path but names nothing we can resolve: left alone with a warning. */
  | { readonly kind: 'unresolvable'; readonly reason: string }

/** True for files whose references vstatic rewrites. */
export function hasReferences(logicalPath: string): boolean {
  return /\.(?:css|js|mjs)$/i.test(logicalPath)
}

/** Finds the references of a CSS or JavaScript text (by the file's extension). */
export function findReferences(logicalPath: string, text: string): FoundReference[] {
  const lines = lineStarts(text)
  const found = /\.css$/i.test(logicalPath) ? findCssReferences(text, lines) : []
  const sourceMap = findSourceMapReference(text, /\.css$/i.test(logicalPath) ? 'css' : 'js', lines)
  if (sourceMap !== undefined) found.push(sourceMap)
  return found
}

/**
 * Resolves a reference against the file it appears in. Relative references resolve against that
 * file's directory; absolute ones must start with the URL prefix. A reference that leaves the root is
 * unresolvable.
 */
export function resolveReference(fromLogicalPath: string, value: string, prefix: string): ReferenceTarget {
  const trimmed = value.trim()
  if (
    trimmed === '' ||
    trimmed.startsWith('#') ||
    trimmed.startsWith('//') ||
    /^[a-z][a-z0-9+.-]*:/i.test(trimmed)
  ) {
    return { kind: 'external' }
  }
  const cut = trimmed.search(/[?#]/)
  const pathText = cut === -1 ? trimmed : trimmed.slice(0, cut)
  const suffix = cut === -1 ? '' : trimmed.slice(cut)
  let decoded: string
  try {
    decoded = decodeURIComponent(pathText)
  } catch {
    return { kind: 'unresolvable', reason: `malformed percent-encoding in ${JSON.stringify(value)}` }
  }
  let logicalPath: string
  if (decoded.startsWith('/')) {
    if (!decoded.startsWith(prefix)) {
      return { kind: 'unresolvable', reason: `${JSON.stringify(value)} is outside the prefix ${prefix}` }
    }
    logicalPath = path.posix.normalize(decoded.slice(prefix.length))
  } else {
    logicalPath = path.posix.normalize(path.posix.join(path.posix.dirname(fromLogicalPath), decoded))
  }
  if (
    logicalPath.startsWith('../') ||
    logicalPath === '..' ||
    logicalPath === '.' ||
    logicalPath.endsWith('/')
  ) {
    return { kind: 'unresolvable', reason: `${JSON.stringify(value)} does not name a file inside the root` }
  }
  return { kind: 'file', logicalPath, pathText, suffix }
}

/** Re-spells `value` in the form the reference had, escaping what that form needs. */
export function serializeReference(reference: FoundReference, value: string): string {
  if (reference.form === 'raw') return value
  if (reference.form === 'url' && !/[\s"'()\\]/.test(value)) return `url(${value})`
  const quote = reference.quote ?? '"'
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\a ')
    .replace(new RegExp(quote, 'g'), `\\${quote}`)
  return reference.form === 'url' ? `url(${quote}${escaped}${quote})` : `${quote}${escaped}${quote}`
}

/** Applies non-overlapping replacements to a text. */
export function applyReplacements(
  text: string,
  replacements: Array<{ start: number; end: number; text: string }>,
): string {
  const ordered = [...replacements].sort((a, b) => a.start - b.start)
  let out = ''
  let position = 0
  for (const replacement of ordered) {
    out += text.slice(position, replacement.start) + replacement.text
    position = replacement.end
  }
  return out + text.slice(position)
}

// --- internal ---

function findCssReferences(css: string, lines: number[]): FoundReference[] {
  const found: FoundReference[] = []
  // Functions open around the current token, innermost last: strings are references only directly
  // inside url() and image-set(), or right after @import.
  const functions: string[] = []
  let afterImport = false
  for (const token of tokenize({ css })) {
    const [type, , start, end] = token
    if (isTokenURL(token)) {
      found.push(reference(start, end + 1, 'url', undefined, token[4].value, lines))
    } else if (isTokenString(token)) {
      const enclosing = functions[functions.length - 1]
      if (afterImport || enclosing === 'url' || enclosing === 'src' || enclosing?.endsWith('image-set')) {
        const quote = css[start] === "'" ? "'" : '"'
        found.push(reference(start, end + 1, 'string', quote, token[4].value, lines))
      }
    } else if (isTokenFunction(token)) {
      functions.push(token[4].value.toLowerCase())
    } else if (type === ')-token') {
      functions.pop()
    } else if (type === '(-token' || type === '[-token' || type === '{-token') {
      functions.push('')
    } else if (type === ']-token' || type === '}-token') {
      functions.pop()
    }
    if (isTokenAtKeyword(token)) afterImport = token[4].value.toLowerCase() === 'import'
    else if (type !== 'whitespace-token' && type !== 'comment') afterImport = false
  }
  return found
}

const CSS_SOURCE_MAP = /\/\*[#@]\s*sourceMappingURL=(\S+?)\s*\*\/\s*$/
const JS_SOURCE_MAP = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/

function findSourceMapReference(
  text: string,
  kind: 'css' | 'js',
  lines: number[],
): FoundReference | undefined {
  // Only the last comment of the file counts (a source map URL elsewhere may be inside a string).
  const tail = text.slice(Math.max(0, text.length - 4096))
  const match = (kind === 'css' ? CSS_SOURCE_MAP : JS_SOURCE_MAP).exec(tail)
  const value = match?.[1]
  if (match === null || value === undefined) return undefined
  const start = text.length - tail.length + match.index + match[0].indexOf(value)
  return reference(start, start + value.length, 'raw', undefined, value, lines)
}

function reference(
  start: number,
  end: number,
  form: FoundReference['form'],
  quote: FoundReference['quote'],
  value: string,
  lines: number[],
): FoundReference {
  return { start, end, form, quote, value, line: lineOf(start, lines) }
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1))
    starts.push(index + 1)
  return starts
}

function lineOf(offset: number, starts: number[]): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] ?? 0) <= offset) low = middle
    else high = middle - 1
  }
  return low + 1
}
