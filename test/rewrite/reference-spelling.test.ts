// References as written and rewritten: what counts as one, where it starts and ends, its line, and
// how a new value is spelled back in the same form.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyReplacements,
  type FoundReference,
  findReferences,
  hasReferences,
  mayHaveReferences,
  resolveReference,
  serializeReference,
} from '../../src/rewrite/references.js'

/** Each reference as [form, quote, value, line, the text it replaces]. */
function spelled(logicalPath: string, text: string) {
  return findReferences(logicalPath, text).map((reference) => [
    reference.form,
    reference.quote,
    reference.value,
    reference.line,
    text.slice(reference.start, reference.end),
  ])
}

describe('what counts as a CSS reference', () => {
  it.each([
    ['@charset is not a reference', '@charset "UTF-8";', []],
    [
      'only the first string after @import',
      '@import "a.css" "b.css";',
      [['string', '"', 'a.css', 1, '"a.css"']],
    ],
    [
      'not a string after @import url()',
      '@import url("a.css") "b";',
      [['string', '"', 'a.css', 1, '"a.css"']],
    ],
    [
      'a comment between @import and its string',
      '@import /* c */ "a.css";',
      [['string', '"', 'a.css', 1, '"a.css"']],
    ],
    ['upper-case @IMPORT', "@IMPORT 'a.css';", [['string', "'", 'a.css', 1, "'a.css'"]]],
    ['not a string after url("…")', 'a{b:url("x.png") "y.png"}', [['string', '"', 'x.png', 1, '"x.png"']]],
    ['single quotes kept', "a{b:url('x.png')}", [['string', "'", 'x.png', 1, "'x.png'"]]],
    [
      'not format() beside src url()',
      '@font-face{src:url(a.woff) format("woff")}',
      [['url', undefined, 'a.woff', 1, 'url(a.woff)']],
    ],
    ['src() strings', 'a{b:src("x.png")}', [['string', '"', 'x.png', 1, '"x.png"']]],
    [
      'not a string in another function',
      'a{b:foo(url(x.png), "y.png")}',
      [['url', undefined, 'x.png', 1, 'url(x.png)']],
    ],
    [
      'not a string after image-set()',
      'a{b:image-set("a.png" 1x) "c.png"}',
      [['string', '"', 'a.png', 1, '"a.png"']],
    ],
    [
      'url("…") inside image-set()',
      'x{b:image-set(url("a.png") 1x)}',
      [['string', '"', 'a.png', 1, '"a.png"']],
    ],
    ['not an attribute selector', 'a[href="x.png"]{}', []],
    [
      'not a string in a block after url()',
      'a{b:url(x.png)} c{content:"y.png"}',
      [['url', undefined, 'x.png', 1, 'url(x.png)']],
    ],
    ['inside nested blocks', '@media screen{a{b:url("x.png")}}', [['string', '"', 'x.png', 1, '"x.png"']]],
    [
      'not a string after a bracket inside url-like functions',
      'a{b:image-set([x] "a.png")}',
      [['string', '"', 'a.png', 1, '"a.png"']],
    ],
    ['not a string inside parentheses of a function', 'a{b:image-set(("a.png"))}', []],
    [
      'lines counted from 1',
      'url(a.png)\nurl(b.png)\n\n\nurl(c.png)',
      [
        ['url', undefined, 'a.png', 1, 'url(a.png)'],
        ['url', undefined, 'b.png', 2, 'url(b.png)'],
        ['url', undefined, 'c.png', 5, 'url(c.png)'],
      ],
    ],
    ['a reference right after a newline', 'a{}\n@import "b.css";', [['string', '"', 'b.css', 2, '"b.css"']]],
  ])('%s', (_when, css, expected) => {
    expect(spelled('css/app.css', css)).toEqual(expected)
  })
})

describe('sourceMappingURL, only as the last comment', () => {
  it.each([
    [
      'app.css',
      'a{}\n/*# sourceMappingURL=app.css.map */',
      [['raw', undefined, 'app.css.map', 2, 'app.css.map']],
    ],
    ['app.css', 'a{}/*@ sourceMappingURL=x.map*/\n\n', [['raw', undefined, 'x.map', 1, 'x.map']]],
    ['app.css', 'a{}\n/*#sourceMappingURL=x.map*/', [['raw', undefined, 'x.map', 2, 'x.map']]],
    ['app.css', 'a{}\n/*#  sourceMappingURL=x.map  */', [['raw', undefined, 'x.map', 2, 'x.map']]],
    ['app.js', 'run()\n//#sourceMappingURL=a.map', [['raw', undefined, 'a.map', 2, 'a.map']]],
    ['app.css', 'a{}/*# sourceMappingURL=x.map */ b{}', []],
    ['app.css', 'a{}/* # sourceMappingURL=x.map */', []],
    ['app.css', 'a{}\n//# sourceMappingURL=x.map', []],
    ['app.CSS', 'a{}\n/*# sourceMappingURL=x.map */', [['raw', undefined, 'x.map', 2, 'x.map']]],
    ['app.js', 'run()\n//# sourceMappingURL=app.js.map', [['raw', undefined, 'app.js.map', 2, 'app.js.map']]],
    ['app.mjs', 'run()\n//@  sourceMappingURL=a.map  \n', [['raw', undefined, 'a.map', 2, 'a.map']]],
    ['app.js', '//# sourceMappingURL=a.map\nrun()', []],
    ['app.js', 'run()\n// # sourceMappingURL=a.map', []],
    ['app.js', 'run()\n/*# sourceMappingURL=a.map */', []],
    ['app.js', 'x = "url(a.png)"\n@import "b.css"', []],
  ])('%s: %j', (logicalPath, text, expected) => {
    expect(spelled(logicalPath, text)).toEqual(expected)
  })

  it.each([
    [
      'a script named like a stylesheet',
      'app.css.js',
      'run()\n//# sourceMappingURL=a.map',
      [['raw', undefined, 'a.map', 2, 'a.map']],
    ],
    ['a stylesheet named like a script', 'app.js.css', 'a{}\n//# sourceMappingURL=a.map', []],
    // The comment must start within the last 4,096 characters; an inline map is longer than that.
    [
      'a comment that starts before the tail',
      'app.js',
      `run()\n//# sourceMappingURL=data:,${'x'.repeat(4096)}`,
      [],
    ],
    [
      'a comment that starts in the tail',
      'app.js',
      `run()\n//# sourceMappingURL=data:,${'x'.repeat(4000)}`,
      [['raw', undefined, `data:,${'x'.repeat(4000)}`, 2, `data:,${'x'.repeat(4000)}`]],
    ],
  ])('%s', (_when, logicalPath, text, expected) => {
    expect(spelled(logicalPath, text)).toEqual(expected)
  })

  it('finds it after a long file, at its real offset', () => {
    const text = `${'x'.repeat(5000)}\n//# sourceMappingURL=a.map\n`
    expect(spelled('app.js', text)).toEqual([['raw', undefined, 'a.map', 2, 'a.map']])
  })
})

describe('mayHaveReferences: false only where findReferences finds nothing', () => {
  const MARKER = 'sourceMappingURL='
  it.each([
    ['a.css', 'a{}', true],
    ['a.CSS', '', true],
    ['a.js', 'run()', false],
    ['a.css.js', 'run()', false],
    ['a.js', `run()\n//# ${MARKER}a.map`, true],
    // Within the last 3 × 4,096 bytes, the most that 4,096 characters of UTF-8 take.
    ['a.js', `${MARKER}${'x'.repeat(3 * 4096 - MARKER.length)}`, true],
    ['a.js', `${MARKER}${'x'.repeat(3 * 4096 - MARKER.length + 1)}`, false],
    ['a.js', `${'x'.repeat(20_000)}${MARKER}`, true],
  ])('%s %#', (logicalPath, text, expected) => {
    expect(mayHaveReferences(logicalPath, Buffer.from(text))).toBe(expected)
  })

  it('never skips a script with a source map comment, whatever its characters (fast-check)', () => {
    const text = fc.string({ unit: fc.constantFrom('x', ' ', '\n', 'é', '€', '😀'), maxLength: 5000 })
    fc.assert(
      fc.property(text, text, (before, url) => {
        const script = `${before}\n//# sourceMappingURL=${url.replace(/\s/g, '') || 'a.map'}\n`
        if (findReferences('app.js', script).length > 0) {
          expect(mayHaveReferences('app.js', Buffer.from(script))).toBe(true)
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe('hasReferences', () => {
  it.each([
    ['a.css', true],
    ['a.CSS', true],
    ['a.js', true],
    ['a.mjs', true],
    ['a.json', false],
    ['a.css.map', false],
    ['a.jsx', false],
    ['css', false],
  ])('%s → %s', (logicalPath, expected) => {
    expect(hasReferences(logicalPath)).toBe(expected)
  })
})

describe('serializeReference', () => {
  const as = (form: FoundReference['form'], quote: FoundReference['quote']): FoundReference => ({
    start: 0,
    end: 0,
    form,
    quote,
    value: '',
    line: 1,
  })
  it.each([
    [as('raw', undefined), 'a b.map', 'a b.map'],
    [as('url', undefined), 'x.png?v=1', 'url(x.png?v=1)'],
    [as('url', undefined), 'a b.png', 'url("a b.png")'],
    [as('url', undefined), 'a\tb.png', 'url("a\tb.png")'],
    [as('url', undefined), 'a(1).png', 'url("a(1).png")'],
    [as('url', undefined), 'a(.png', 'url("a(.png")'],
    [as('url', undefined), 'a).png', 'url("a).png")'],
    [as('url', undefined), "a'.png", 'url("a\'.png")'],
    [as('url', undefined), "it's.png", 'url("it\'s.png")'],
    [as('url', undefined), 'a"b.png', 'url("a\\"b.png")'],
    [as('url', undefined), 'a\\b.png', 'url("a\\\\b.png")'],
    [as('url', undefined), 'a\nb.png', 'url("a\\a b.png")'],
    [as('string', '"'), 'x.png', '"x.png"'],
    [as('string', '"'), 'a"b"c.png', '"a\\"b\\"c.png"'],
    [as('string', "'"), 'x.png', "'x.png'"],
    [as('string', "'"), "it's.png", "'it\\'s.png'"],
    [as('string', "'"), 'a"b.png', "'a\"b.png'"],
    [as('string', "'"), 'a\\b\\c\nd\ne', "'a\\\\b\\\\c\\a d\\a e'"],
  ])('%j with %j → %s', (reference, value, expected) => {
    expect(serializeReference(reference, value)).toBe(expected)
  })
})

describe('applyReplacements', () => {
  it('applies replacements in offset order, whatever order they come in', () => {
    const text = 'a{b:url(x.png)} c{d:url(y.png)}'
    expect(
      applyReplacements(text, [
        { start: 20, end: 30, text: 'url(Y)' },
        { start: 4, end: 14, text: 'url(X)' },
      ]),
    ).toBe('a{b:url(X)} c{d:url(Y)}')
    expect(applyReplacements(text, [])).toBe(text)
    expect(applyReplacements('abc', [{ start: 0, end: 3, text: 'z' }])).toBe('z')
  })
})

describe('resolveReference edge cases', () => {
  it.each([
    [' ../img/a.png ', { kind: 'file', logicalPath: 'img/a.png', pathText: '../img/a.png', suffix: '' }],
    ['a.png#f?x', { kind: 'file', logicalPath: 'css/a.png', pathText: 'a.png', suffix: '#f?x' }],
    ['/static/a.png', { kind: 'file', logicalPath: 'a.png', pathText: '/static/a.png', suffix: '' }],
    ['HTTP://cdn.example.com/a.png', { kind: 'external' }],
    ['web+app:x', { kind: 'external' }],
    ['a.b-c9:x', { kind: 'external' }],
    ['x:', { kind: 'external' }],
    ['9a:x.png', { kind: 'file', logicalPath: 'css/9a:x.png', pathText: '9a:x.png', suffix: '' }],
    ['img/a:b.png', { kind: 'file', logicalPath: 'css/img/a:b.png', pathText: 'img/a:b.png', suffix: '' }],
    ['a_b:x.png', { kind: 'file', logicalPath: 'css/a_b:x.png', pathText: 'a_b:x.png', suffix: '' }],
    ['../../a.png', { kind: 'unresolvable', reason: '"../../a.png" does not name a file inside the root' }],
    ['./', { kind: 'unresolvable', reason: '"./" does not name a file inside the root' }],
    ['a.png?', { kind: 'file', logicalPath: 'css/a.png', pathText: 'a.png', suffix: '?' }],
    ['C:/x.png', { kind: 'external' }],
    ['   ', { kind: 'external' }],
    ['..', { kind: 'unresolvable', reason: '".." does not name a file inside the root' }],
    ['img/', { kind: 'unresolvable', reason: '"img/" does not name a file inside the root' }],
    ['/static/', { kind: 'unresolvable', reason: '"/static/" does not name a file inside the root' }],
    [
      '/static/../a.png',
      { kind: 'unresolvable', reason: '"/static/../a.png" does not name a file inside the root' },
    ],
    ['/static', { kind: 'unresolvable', reason: '"/static" is outside the prefix /static/' }],
    ['%zz.png', { kind: 'unresolvable', reason: 'malformed percent-encoding in "%zz.png"' }],
  ])('%j from css/app.css', (value, expected) => {
    expect(resolveReference('css/app.css', value, '/static/')).toEqual(expected)
  })

  it('resolves against the root for a file at the top', () => {
    expect(resolveReference('app.css', '.', '/static/')).toMatchObject({ kind: 'unresolvable' })
    for (const value of ['..', '/static/..']) {
      expect(resolveReference('app.css', value, '/static/')).toEqual({
        kind: 'unresolvable',
        reason: `${JSON.stringify(value)} does not name a file inside the root`,
      })
    }
    expect(resolveReference('app.css', 'img/a.png', '/static/')).toMatchObject({ logicalPath: 'img/a.png' })
  })
})
