/**
 * References inside assets: `url()`, `@import` and `image-set()` in CSS (found with a real CSS
 * tokenizer, so comments and ordinary strings are never mistaken for references), and the trailing
 * `sourceMappingURL` comment of CSS and JavaScript. Finding, resolving and re-spelling them.
 * @module
 */
import path from 'node:path'
import { findCssReferences } from './css-references.js'

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

/** Finds the references of a CSS or JavaScript text (by the file's extension), in order. */
export function findReferences(logicalPath: string, text: string): FoundReference[] {
  const isCss = /\.css$/i.test(logicalPath)
  const lines = createLineCounter(text)
  const found: FoundReference[] = []
  if (isCss) {
    for (const reference of findCssReferences(text))
      found.push({ ...reference, line: lines.lineOf(reference.start) })
  }
  const sourceMap = findSourceMapReference(text, isCss ? 'css' : 'js')
  if (sourceMap !== undefined) found.push({ ...sourceMap, line: lines.lineOf(sourceMap.start) })
  return found
}

/**
 * False when {@link findReferences} would find nothing in these bytes of a stylesheet or script
 * (UTF-8): a script's only reference is a `sourceMappingURL` comment within its last 4,096
 * characters, so within its last 3 × 4,096 bytes. Lets a reader skip decoding such scripts.
 */
export function mayHaveReferences(logicalPath: string, bytes: Buffer): boolean {
  if (/\.css$/i.test(logicalPath)) return true
  return bytes.includes(SOURCE_MAPPING_URL, Math.max(0, bytes.length - 3 * SOURCE_MAP_TAIL_CHARACTERS))
}

/** Characters at the end of a file in which its source-map comment is looked for. */
const SOURCE_MAP_TAIL_CHARACTERS = 4096
const SOURCE_MAPPING_URL = Buffer.from('sourceMappingURL=')

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

const CSS_SOURCE_MAP = /\/\*[#@]\s*sourceMappingURL=(\S+?)\s*\*\/\s*$/d
const JS_SOURCE_MAP = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/d

function findSourceMapReference(text: string, kind: 'css' | 'js'): Omit<FoundReference, 'line'> | undefined {
  // Only the last comment of the file counts (a source map URL elsewhere may be inside a string).
  const tailStart = Math.max(0, text.length - SOURCE_MAP_TAIL_CHARACTERS)
  const pattern = kind === 'css' ? CSS_SOURCE_MAP : JS_SOURCE_MAP
  const url = pattern.exec(text.slice(tailStart))?.indices?.[1]
  if (url === undefined) return undefined
  const start = tailStart + url[0]
  const end = tailStart + url[1]
  return { start, end, form: 'raw', quote: undefined, value: text.slice(start, end) }
}

/** 1-based line numbers of offsets asked in increasing order, counted only as far as asked. */
function createLineCounter(text: string): { lineOf(offset: number): number } {
  let counted = 0
  let line = 1
  return {
    lineOf(offset) {
      for (
        let index = text.indexOf('\n', counted);
        index !== -1 && index < offset;
        index = text.indexOf('\n', index + 1)
      )
        line++
      counted = offset
      return line
    },
  }
}
