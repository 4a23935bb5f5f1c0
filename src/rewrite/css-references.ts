/**
 * findCssReferences(): the `url()`, `@import` and `image-set()` references of a stylesheet, found
 * with a real CSS tokenizer, but only where one can be. A cheap scan skips comments and strings and
 * stops at the few spellings that can start a reference; the tokenizer then runs from the token
 * boundary before that point until no reference can be open, and the scan resumes. A stylesheet
 * without any of those spellings is never tokenized at all.
 * @module
 */
import {
  type CSSToken,
  isTokenAtKeyword,
  isTokenCloseCurly,
  isTokenEOF,
  isTokenFunction,
  isTokenOpenCurly,
  isTokenSemicolon,
  isTokenString,
  isTokenURL,
  tokenizer,
} from '@csstools/css-tokenizer'

/** A reference as the tokenizer saw it: offsets in the stylesheet, and its value with escapes decoded. */
export interface CssReference {
  readonly start: number
  readonly end: number
  readonly form: 'url' | 'string'
  readonly quote: '"' | "'" | undefined
  readonly value: string
}

/**
 * The references of a stylesheet, in order. The same as tokenizing the whole text: a window starts
 * at a token boundary (after a `;`, `{` or `}` outside comments and strings), so the tokens in it
 * are those of the whole text; and the only context a reference depends on (the function a string
 * sits in, an `@import` before it) is opened by one of the spellings the scan stops at, so no
 * context from before the window can matter.
 */
export function findCssReferences(css: string): CssReference[] {
  const found: CssReference[] = []
  let boundary = 0
  let position = 0
  for (;;) {
    // Without these spellings there is no reference: most stylesheets end here at the first search.
    TRIGGER.lastIndex = position
    const trigger = TRIGGER.exec(css)?.index
    if (trigger === undefined) return found
    // Walk the text up to the spelling, skipping comments and strings and noting token boundaries.
    let oddString = -1
    while (position < trigger) {
      const code = css.charCodeAt(position)
      if (code === SEMICOLON || code === OPEN_CURLY || code === CLOSE_CURLY) {
        boundary = ++position
      } else if (code === SLASH && css.charCodeAt(position + 1) === ASTERISK) {
        const close = css.indexOf('*/', position + 2)
        if (close === -1) return found
        position = close + 2
      } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
        if (!isPlainString(css, position)) {
          oddString = position
          break
        }
        position = css.indexOf(code === DOUBLE_QUOTE ? '"' : "'", position + 1) + 1
      } else {
        position++
      }
    }
    // Inside a comment or a plain string: not a reference; search on from the end of it.
    if (oddString === -1 && position > trigger) continue
    boundary = tokenizeWindow(css, boundary, found)
    // The window always ends past the spelling that opened it; the guard only makes that certain.
    position = Math.max(boundary, (oddString === -1 ? trigger : oddString) + 1)
  }
}

// --- internal ---

const SEMICOLON = 0x3b
const OPEN_CURLY = 0x7b
const CLOSE_CURLY = 0x7d
const SLASH = 0x2f
const ASTERISK = 0x2a
const DOUBLE_QUOTE = 0x22
const SINGLE_QUOTE = 0x27
const BACKSLASH = 0x5c

/**
 * True when the string opened at `start` closes on the same line with no escape in it. Any other
 * string (an escape, a newline, the end of the text) is left to the tokenizer.
 */
function isPlainString(css: string, start: number): boolean {
  const quote = css.charCodeAt(start)
  for (let position = start + 1; position < css.length; position++) {
    const code = css.charCodeAt(position)
    if (code === quote) return true
    if (code === BACKSLASH || code === 0x0a || code === 0x0c || code === 0x0d) return false
  }
  return false
}

/**
 * The spellings that can start a reference or hide one: `url(`, `src(`, `image-set(` and `@import`
 * in any ASCII case, and an escape (`u\\72l(` is `url(`).
 */
const TRIGGER = /url\(|src\(|image-set\(|@import|\\/gi

/** True for the functions whose string arguments are references. */
function isReferencing(name: string): boolean {
  return name === 'url' || name === 'src' || name.endsWith('image-set')
}

/**
 * Tokenizes from `from` (a token boundary), adds the references found to `found`, and returns the
 * offset after the first `;`, `{` or `}` at which no referencing function or `@import` is open (or
 * the end of the text).
 */
function tokenizeWindow(css: string, from: number, found: CssReference[]): number {
  const tokens = tokenizer({ css: from === 0 ? css : css.slice(from) })
  // Functions open around the current token, innermost last: strings are references only directly
  // inside url(), src() and image-set(), or right after @import.
  const functions: string[] = []
  let afterImport = false
  for (let token = tokens.nextToken(); !isTokenEOF(token); token = tokens.nextToken()) {
    const type = token[0]
    const start = from + token[2]
    const end = from + token[3] + 1
    if (isTokenURL(token)) {
      found.push({ start, end, form: 'url', quote: undefined, value: token[4].value })
    } else if (isTokenString(token)) {
      const enclosing = functions[functions.length - 1]
      if (afterImport || (enclosing !== undefined && isReferencing(enclosing))) {
        const quote = css.charCodeAt(start) === SINGLE_QUOTE ? "'" : '"'
        found.push({ start, end, form: 'string', quote, value: token[4].value })
      }
    } else if (isTokenFunction(token)) {
      functions.push(token[4].value.toLowerCase())
    } else if (type === ')-token' || type === ']-token' || type === '}-token') {
      functions.pop()
    } else if (type === '(-token' || type === '[-token' || type === '{-token') {
      functions.push('')
    }
    if (isTokenAtKeyword(token)) afterImport = token[4].value.toLowerCase() === 'import'
    else if (type !== 'whitespace-token' && type !== 'comment') afterImport = false
    if (isBoundary(token) && !afterImport && !functions.some(isReferencing)) return end
  }
  return css.length
}

function isBoundary(token: CSSToken): boolean {
  return isTokenSemicolon(token) || isTokenOpenCurly(token) || isTokenCloseCurly(token)
}
