import {
  isTokenAtKeyword,
  isTokenFunction,
  isTokenString,
  isTokenURL,
  tokenize,
} from '@csstools/css-tokenizer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findReferences } from '../../src/rewrite/references.js'

/**
 * The reference finder as it was before it learned to skip: the whole stylesheet through the
 * tokenizer. The fast finder must agree with it on every input.
 */
function tokenizeEverything(css: string): Array<{ start: number; end: number; value: string }> {
  const found: Array<{ start: number; end: number; value: string }> = []
  const functions: string[] = []
  let afterImport = false
  for (const token of tokenize({ css })) {
    const [type, , start, end] = token
    if (isTokenURL(token)) {
      found.push({ start, end: end + 1, value: token[4].value })
    } else if (isTokenString(token)) {
      const enclosing = functions[functions.length - 1]
      if (afterImport || enclosing === 'url' || enclosing === 'src' || enclosing?.endsWith('image-set'))
        found.push({ start, end: end + 1, value: token[4].value })
    } else if (isTokenFunction(token)) {
      functions.push(token[4].value.toLowerCase())
    } else if (type === ')-token' || type === ']-token' || type === '}-token') {
      functions.pop()
    } else if (type === '(-token' || type === '[-token' || type === '{-token') {
      functions.push('')
    }
    if (isTokenAtKeyword(token)) afterImport = token[4].value.toLowerCase() === 'import'
    else if (type !== 'whitespace-token' && type !== 'comment') afterImport = false
  }
  return found
}

function cssReferences(css: string): Array<{ start: number; end: number; value: string }> {
  return findReferences('a.css', css)
    .filter((reference) => reference.form !== 'raw')
    .map(({ start, end, value }) => ({ start, end, value }))
}

/** Pieces a stylesheet is made of, chosen for the places a scan could go wrong. */
const PIECES = [
  'a',
  'url(',
  'URL(',
  'uRl(',
  'url( ',
  'src(',
  'SRC(',
  'image-set(',
  '-webkit-Image-Set(',
  'my-url(',
  'xurl(',
  '@import',
  '@IMPORT',
  '@media',
  '@\\69mport',
  'u\\72l(',
  '\\',
  '\\;',
  '\\"',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ';',
  ':',
  ',',
  ' ',
  '\n',
  '\r\n',
  '\f',
  '\t',
  '/*',
  '*/',
  '/* url(x.png) */',
  '"',
  "'",
  '"a.png"',
  "'b.png'",
  '"c\\"d.png"',
  '"e\\\nf.png"',
  '"url(g.png)"',
  'h.png',
  '#url(',
  '1x',
  '2e3',
  '-->',
  '<!--',
  'é',
  '\u0000',
  'ſrc(',
]

describe('findReferences in CSS skips only what cannot hold a reference', () => {
  it('agrees with tokenizing the whole stylesheet, on stylesheets made of tricky pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        const css = pieces.join('')
        expect(cssReferences(css)).toEqual(tokenizeEverything(css))
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'url(src@import"\';{}()/*\\ \nab.png'.split('')) }),
        (css) => {
          expect(cssReferences(css)).toEqual(tokenizeEverything(css))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it.each([
    ['a reference after many rules', `${'.a{color:red}'.repeat(50)}.b{background:url(x.png)}`, ['x.png']],
    ['an escaped url(', '.a{background:u\\72l(x.png)}', ['x.png']],
    [
      'a string with an escape before a reference',
      '.a{content:"\\201C"}.b{background:url(y.png)}',
      ['y.png'],
    ],
    [
      'a reference inside a block opened before the window',
      '@media print{.a{background:url(z.png)}}',
      ['z.png'],
    ],
    ['an unterminated comment', '.a{}/* url(no.png)', []],
    ['a string that spans a reference', ".a{content:'url(no.png);'}", []],
    ['an @import string', '@import "b.css" screen;', ['b.css']],
    ['a string in src()', '@font-face{src:src("f.woff2")}', ['f.woff2']],
  ])('%s', (_name, css, expected) => {
    expect(cssReferences(css).map((reference) => reference.value)).toEqual(expected)
    expect(cssReferences(css)).toEqual(tokenizeEverything(css))
  })
})
