import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashContent } from '../../src/hash.js'
import { resolveOptions } from '../../src/options/options.js'
import { resolveGraph, type SourceFile } from '../../src/rewrite/asset-graph.js'
import { toGraphOptions } from '../../src/root/read-file.js'
import { readRoot } from '../../src/root/read-root.js'
import { useTempRoot } from '../helpers/fixtures.js'

/** Files a generated root may hold, and what each may reference. */
const NAMES = ['a.css', 'b.css', 'sub/c.css', 'd.js', 'd.js.map', 'img.png', 'x.txt']
const TARGETS = [...NAMES, 'missing.png', 'sub/../img.png', 'https://cdn.example/e.png']

function content(name: string, references: readonly string[]): string {
  const relative = (target: string) =>
    target.startsWith('https:') ? target : path.posix.relative(path.posix.dirname(name), target) || target
  if (name.endsWith('.css'))
    return references.map((target, index) => `.r${index}{background:url(${relative(target)})}`).join('\n')
  if (name.endsWith('.js')) {
    const target = references[0]
    return `run()\n${target === undefined ? '' : `//# sourceMappingURL=${relative(target)}\n`}`
  }
  return `bytes of ${name}`
}

/**
 * What the whole graph gives when every stylesheet and script keeps its text until all are read:
 * how the root was resolved before files were resolved as they were read.
 */
function resolvedByGraph(root: string, names: readonly string[], warnings: string[]) {
  const sources = new Map<string, SourceFile>()
  for (const name of [...names].sort()) {
    const bytes = readFileSync(path.join(root, name))
    const text = /\.(css|js)$/.test(name) ? bytes.toString('utf8') : undefined
    sources.set(name, { logicalPath: name, hash: hashContent(bytes), text })
  }
  const options = resolveOptions({ root, onWarning: (message) => warnings.push(message) })
  return resolveGraph(sources, toGraphOptions(options))
}

describe('readRoot resolves files as they are read', () => {
  it('gives every file the token, bytes, references and warnings the whole graph gives', () => {
    const tree = fc.dictionary(
      fc.constantFrom(...NAMES),
      fc.array(fc.constantFrom(...TARGETS), { maxLength: 3 }),
      { minKeys: 1 },
    )
    fc.assert(
      fc.property(tree, (references) => {
        const files = Object.fromEntries(
          Object.entries(references).map(([name, targets]) => [name, content(name, targets)]),
        )
        const root = useTempRoot(files)
        const expectedWarnings: string[] = []
        const expected = resolvedByGraph(root, Object.keys(files), expectedWarnings)
        const warnings: string[] = []
        const options = resolveOptions({ root, onWarning: (message) => warnings.push(message) })
        const { files: read } = readRoot(options)
        expect(Object.fromEntries(read.map(({ file, resolved }) => [file.logicalPath, resolved]))).toEqual(
          Object.fromEntries(expected),
        )
        expect([...warnings].sort()).toEqual([...expectedWarnings].sort())
      }),
      { numRuns: 150 },
    )
  })
})

describe('readRoot rewrites the source-map comment of a script that is not ASCII', () => {
  it.each([
    ['non-ASCII text', 'say("café € 😀")\n//# sourceMappingURL=d.js.map\n'],
    ['a byte order mark', '\ufeffsay("é")\n//# sourceMappingURL=d.js.map'],
    [
      "multi-byte text longer than the comment's window",
      `say("${'€😀'.repeat(3000)}")\n//@ sourceMappingURL=./d.js.map \n`,
    ],
  ])('keeps every other byte of a script with %s', (_with, script) => {
    const root = useTempRoot({ 'd.js': script, 'd.js.map': '{}' })
    const { files } = readRoot(resolveOptions({ root }))
    const map = files.find(({ file }) => file.logicalPath === 'd.js.map')?.resolved.token
    const body = files.find(({ file }) => file.logicalPath === 'd.js')?.resolved.body
    const url = /sourceMappingURL=(\S+)/.exec(script)?.[1] ?? ''
    expect(body?.toString('hex')).toEqual(
      Buffer.from(script.replace(`=${url}`, `=${url}?v=${map}`)).toString('hex'),
    )
    expect(files.find(({ file }) => file.logicalPath === 'd.js')?.read.utf8).toBe(true)
  })
})
