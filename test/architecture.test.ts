import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
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

  it('imports only downward between the layers', () => {
    // Top to bottom. A folder may import its own files and any folder below it, never one above.
    const order = ['cli', 'build', 'adapters', 'facade', 'serve', 'catalog', 'rewrite', 'http', 'leaf']
    const FACADE = new Set([
      'index.ts',
      'create-static.ts',
      'tags.ts',
      'entry-tags.ts',
      'import-map.ts',
      'static-assets.ts',
    ])
    const layerOf = (file: string): string => {
      const relative = path.relative(SRC, file).split(path.sep)
      if (relative.length > 1) return relative[0] as string
      return FACADE.has(relative[0] as string) ? 'facade' : 'leaf'
    }
    const offenders: string[] = []
    for (const file of files) {
      const from = order.indexOf(layerOf(file))
      expect(from, file).toBeGreaterThanOrEqual(0)
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))
        const to = order.indexOf(layerOf(target))
        if (to < from) offenders.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('keeps build code (compression, manifest writing, nginx) out of the serving path', () => {
    const servingFiles = files.filter(
      (file) => !file.includes(`${path.sep}build${path.sep}`) && !file.includes(`${path.sep}cli${path.sep}`),
    )
    const offenders = servingFiles.filter((file) =>
      /from '\.{1,2}\/(?:\.\.\/)*build\//.test(readFileSync(file, 'utf8')),
    )
    expect(offenders).toEqual([])
  })

  it('uses each runtime dependency in one file only', () => {
    const users = (pattern: RegExp) =>
      files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((f) => path.basename(f))
    expect(users(/from 'fast-glob'/)).toEqual(['scan.ts'])
    expect(users(/from 'mime-types'/)).toEqual(['asset.ts'])
  })
})
