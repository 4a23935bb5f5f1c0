import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const FRAMEWORKS = /from ['"](?:express|fastify|fastify-plugin|koa|hono|@hono\/[^'"]+)['"]/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

describe('architecture', () => {
  const files = sourceFiles(SRC)

  it('keeps framework imports inside src/adapters', () => {
    const offenders = files
      .filter((file) => !file.includes(`${path.sep}adapters${path.sep}`))
      .filter((file) => FRAMEWORKS.test(readFileSync(file, 'utf8')))
    expect(offenders).toEqual([])
  })

  it('keeps the pure protocol folder (http/) free of I/O', () => {
    const pure = files.filter((file) => file.includes(`${path.sep}http${path.sep}`))
    expect(pure.length).toBeGreaterThan(5)
    for (const file of pure) {
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toMatch(
        /from ['"]node:(?:fs|fs\/promises|net|http|http2|stream|zlib|child_process)/,
      )
    }
  })

  /**
   * The layers, top to bottom. Each folder of src/ is placed in one; folders of one layer are separate
   * products and import nothing from each other. The top-level files are the façade, except the
   * vocabulary that every layer shares (`LEAVES`).
   */
  const LAYERS: readonly (readonly string[])[] = [
    ['cli'],
    ['builder', 'report', 'nginx', 'publish'],
    ['adapters'],
    ['facade'],
    ['markup'],
    ['serve'],
    ['catalog'],
    ['manifest'],
    ['root'],
    ['rewrite'],
    ['http'],
    ['options'],
    ['leaf'],
  ]
  const LEAVES = new Set(['types.ts', 'errors.ts', 'logical-path.ts', 'hash.ts'])
  const placeOf = (file: string): string => {
    const relative = path.relative(SRC, file).split(path.sep)
    if (relative.length > 1) return relative[0] as string
    return LEAVES.has(relative[0] as string) ? 'leaf' : 'facade'
  }
  const rankOf = (place: string): number => LAYERS.findIndex((layer) => layer.includes(place))

  it('places every folder of src/ in a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory())
    const unplaced = folders.map((entry) => entry.name).filter((name) => rankOf(name) < 0)
    expect(unplaced).toEqual([])
    expect(folders.length).toBeGreaterThan(10)
  })

  it('imports only downward between the layers, and never sideways between products', () => {
    const offenders: string[] = []
    for (const file of files) {
      const from = placeOf(file)
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))
        const to = placeOf(target)
        if (to !== from && rankOf(to) <= rankOf(from)) {
          offenders.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`)
        }
      }
    }
    expect(offenders).toEqual([])
  })

  it('keeps the top of src/ small and no folder over a fifth of the code', () => {
    const top = readdirSync(SRC).filter((name) => name.endsWith('.ts'))
    expect(top.length).toBeLessThanOrEqual(8)
    const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length
    const total = files.reduce((sum, file) => sum + lines(file), 0)
    const byFolder = new Map<string, number>()
    for (const file of files) {
      const place = placeOf(file)
      byFolder.set(place, (byFolder.get(place) ?? 0) + lines(file))
    }
    const oversized = [...byFolder].filter(([, count]) => count > total / 5).map(([place]) => place)
    expect(oversized).toEqual([])
  })

  it('keeps build products (builder, report, nginx, publish) out of the serving path', () => {
    const products = /from '\.{1,2}\/(?:\.\.\/)*(?:builder|report|nginx|publish)\//
    const servingFiles = files.filter(
      (file) => !['builder', 'report', 'nginx', 'publish', 'cli'].includes(placeOf(file)),
    )
    const offenders = servingFiles.filter((file) => products.test(readFileSync(file, 'utf8')))
    expect(offenders).toEqual([])
  })

  it('names no source folder like output', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory())
    const outputLike = folders
      .map((entry) => entry.name)
      .filter((name) => /^(?:build|dist|out|reports)$/.test(name))
    expect(outputLike).toEqual([])
  })

  it('keeps functions short: at most one over 60 lines, none over 80', () => {
    const long: Array<{ name: string; lines: number }> = []
    for (const file of files) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
          const first = source.getLineAndCharacterOfPosition(node.getStart()).line
          const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
          const name =
            node.name?.getText() ??
            (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)')
          if (last - first + 1 > 60)
            long.push({ name: `${path.relative(SRC, file)}: ${name}`, lines: last - first + 1 })
        }
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(long.filter(({ lines }) => lines > 80)).toEqual([])
    expect(long.length, JSON.stringify(long)).toBeLessThanOrEqual(1)
  })

  it('has a test folder for every source folder (test/ mirrors src/)', () => {
    const TEST = fileURLToPath(new URL('.', import.meta.url))
    const folders = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
    const tested = new Set(folders(TEST))
    expect(folders(SRC).filter((name) => !tested.has(name))).toEqual([])
  })

  it('uses each runtime dependency in one file only', () => {
    const users = (pattern: RegExp) =>
      files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((f) => path.basename(f))
    expect(users(/from 'fast-glob'/)).toEqual(['scan.ts'])
    expect(users(/from 'mime-types'/)).toEqual(['asset.ts'])
  })

  it('loads the optional AWS SDK in one file only, and only when a publish runs', () => {
    const importers = files.filter((file) => /['"]@aws-sdk\//.test(readFileSync(file, 'utf8')))
    expect(importers.map((file) => path.relative(SRC, file))).toEqual([path.join('publish', 's3-store.ts')])
    const text = readFileSync(path.join(SRC, 'publish', 's3-store.ts'), 'utf8')
    // Types only at the top; the package itself through import() inside a function.
    const staticImports = [...text.matchAll(/^import (?!type )[^\n]*['"]@aws-sdk\/[^'"]+['"]/gm)]
    expect(staticImports).toEqual([])
    expect(text).toMatch(/await import\('@aws-sdk\/client-s3'\)/)
  })
})
