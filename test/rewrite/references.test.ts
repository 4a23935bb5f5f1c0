import { describe, expect, it } from 'vitest'
import { hashContent } from '../../src/hash.js'
import { resolveGraph, type SourceFile } from '../../src/rewrite/asset-graph.js'
import { findReferences, resolveReference } from '../../src/rewrite/references.js'

function values(logicalPath: string, text: string): string[] {
  return findReferences(logicalPath, text).map((reference) => reference.value)
}

describe('findReferences in CSS (tokenizer, not regex)', () => {
  it.each([
    ['unquoted url()', 'a{background:url(img/a.png)}', ['img/a.png']],
    ['double-quoted url()', 'a{background:url("img/a b.png")}', ['img/a b.png']],
    ['single-quoted url()', "a{background:url('img/a.png')}", ['img/a.png']],
    ['upper-case URL()', 'a{background:URL( "img/a.png" )}', ['img/a.png']],
    ['escaped paren', 'a{background:url(img/x\\)y.png)}', ['img/x)y.png']],
    ['@import string', '@import "b.css";', ['b.css']],
    ['@import url()', '@import url(b.css) screen;', ['b.css']],
    ['image-set strings', 'a{background:image-set("a.png" 1x, url(b.png) 2x)}', ['a.png', 'b.png']],
    ['-webkit-image-set', 'a{background:-webkit-image-set("a.png" 1x)}', ['a.png']],
    [
      '@font-face src with query and fragment',
      '@font-face{src:url(f.woff2?v=4.7#iefix)}',
      ['f.woff2?v=4.7#iefix'],
    ],
    ['url() inside a comment is ignored', '/* url(no.png) */ a{}', []],
    ['url() inside a string is ignored', 'a{content:"url(no.png)"}', []],
    ['a plain string is not a reference', 'a{font-family:"x.woff"}', []],
    ['trailing source map', 'a{}\n/*# sourceMappingURL=app.css.map */\n', ['app.css.map']],
  ])('%s', (_name, css, expected) => {
    expect(values('css/app.css', css)).toEqual(expected)
  })

  it('finds only the trailing sourceMappingURL of JavaScript', () => {
    const js = 'const s = "//# sourceMappingURL=fake.map"\nrun()\n//# sourceMappingURL=app.js.map\n'
    expect(values('js/app.js', js)).toEqual(['app.js.map'])
    expect(values('js/app.js', 'const s = "//# sourceMappingURL=fake.map"\nrun()\n')).toEqual([])
  })

  it('gives the line of each reference', () => {
    const found = findReferences('a.css', 'a{}\n\nb{background:url(x.png)}')
    expect(found.map((reference) => reference.line)).toEqual([3])
  })
})

describe('resolveReference', () => {
  it.each([
    ['../img/a.png', { kind: 'file', logicalPath: 'img/a.png', pathText: '../img/a.png', suffix: '' }],
    ['./a.png?x=1#f', { kind: 'file', logicalPath: 'css/a.png', pathText: './a.png', suffix: '?x=1#f' }],
    ['a%20b.png', { kind: 'file', logicalPath: 'css/a b.png', pathText: 'a%20b.png', suffix: '' }],
    [
      '/static/img/a.png',
      { kind: 'file', logicalPath: 'img/a.png', pathText: '/static/img/a.png', suffix: '' },
    ],
    ['data:image/png;base64,AAAA', { kind: 'external' }],
    ['https://cdn.example.com/a.png', { kind: 'external' }],
    ['//cdn.example.com/a.png', { kind: 'external' }],
    ['#svg-filter', { kind: 'external' }],
    ['mailto:x@example.com', { kind: 'external' }],
    ['', { kind: 'external' }],
  ])('%j from css/app.css', (value, expected) => {
    expect(resolveReference('css/app.css', value, '/static/')).toEqual(expected)
  })

  it.each(['../../outside.png', '/elsewhere/a.png', '%zz.png'])('%j is unresolvable', (value) => {
    expect(resolveReference('css/app.css', value, '/static/').kind).toBe('unresolvable')
  })
})

describe('resolveGraph', () => {
  const options = {
    prefix: '/static/',
    versioning: 'query' as const,
    isFingerprinted: () => false,
    onWarning: () => {},
  }
  function files(tree: Record<string, string>): Map<string, SourceFile> {
    return new Map(
      Object.entries(tree).map(([logicalPath, text]) => [
        logicalPath,
        {
          logicalPath,
          hash: hashContent(Buffer.from(text)),
          text: /\.(css|js)$/.test(logicalPath) ? text : undefined,
        },
      ]),
    )
  }

  it('makes versions transitive: changing an image changes every stylesheet that reaches it', () => {
    const before = resolveGraph(
      files({ 'a.css': '@import "b.css";', 'b.css': 'x{background:url(i.png)}', 'i.png': 'one' }),
      options,
    )
    const after = resolveGraph(
      files({ 'a.css': '@import "b.css";', 'b.css': 'x{background:url(i.png)}', 'i.png': 'two' }),
      options,
    )
    for (const logicalPath of ['i.png', 'b.css', 'a.css']) {
      expect(after.get(logicalPath)?.token).not.toBe(before.get(logicalPath)?.token)
    }
    expect(after.get('a.css')?.body?.toString()).toBe(`@import "b.css?v=${after.get('b.css')?.token}";`)
  })

  it('gives a cycle one combined version, warns, and terminates', () => {
    const warnings: unknown[] = []
    const tree = {
      'a.css': '@import "b.css";',
      'b.css': '@import "a.css"; x{background:url(i.png)}',
      'i.png': 'x',
    }
    const onWarning = (...args: unknown[]) => warnings.push(args)
    const result = resolveGraph(files(tree), { ...options, onWarning })
    expect(warnings).toEqual([
      [
        'reference cycle between a.css, b.css; they share one version',
        { kind: 'reference-cycle', paths: ['a.css', 'b.css'] },
      ],
    ])
    const a = result.get('a.css')
    const b = result.get('b.css')
    expect(a?.body?.toString()).toBe(`@import "b.css?v=${b?.token}";`)
    expect(b?.body?.toString()).toContain(`@import "a.css?v=${a?.token}";`)
    const changed = resolveGraph(files({ ...tree, 'i.png': 'y' }), options)
    expect(changed.get('a.css')?.token).not.toBe(a?.token)
  })

  it('warns about a reference it leaves as is, naming the file it is in', () => {
    const warnings: unknown[] = []
    resolveGraph(files({ 'css/a.css': 'x{}\ny{background:url(gone.png)}' }), {
      ...options,
      onWarning: (...args: unknown[]) => warnings.push(args),
    })
    expect(warnings).toEqual([
      [
        'css/a.css:2: reference "gone.png" left as is (css/gone.png is not in the root)',
        { kind: 'unresolved-reference', paths: ['css/a.css'] },
      ],
    ])
  })

  it('handles a self-reference and a long chain without recursion limits', () => {
    const chain: Record<string, string> = { 'self.css': 'x{background:url(self.css)}' }
    for (let i = 0; i < 5000; i++) chain[`c${i}.css`] = `@import "c${i + 1}.css";`
    chain['c5000.css'] = 'x{}'
    const result = resolveGraph(files(chain), options)
    expect(result.get('c0.css')?.body?.toString()).toMatch(/^@import "c1\.css\?v=[0-9a-f]{16}";$/)
    expect(result.get('self.css')?.token).toMatch(/^[0-9a-f]{16}$/)
  })

  it('leaves files a bundler fingerprinted untouched', () => {
    const result = resolveGraph(
      files({ 'assets/index-AbCd1234.css': 'x{background:url(i.png)}', 'assets/i.png': 'x' }),
      {
        ...options,
        isFingerprinted: (path) => path.includes('-AbCd1234'),
      },
    )
    expect(result.get('assets/index-AbCd1234.css')?.body).toBeUndefined()
  })
})
