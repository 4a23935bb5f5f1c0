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

  it('keeps the pure protocol modules free of I/O', () => {
    const pure = [
      'conditional.ts',
      'range.ts',
      'respond.ts',
      'cache-control.ts',
      'versioned-path.ts',
      'resolve.ts',
    ]
    for (const name of pure) {
      const text = readFileSync(path.join(SRC, name), 'utf8')
      expect(text, name).not.toMatch(/from ['"]node:(?:fs|net|http|http2|stream)/)
    }
  })

  it('keeps build code (compression, manifest writing, nginx) out of the serving path', () => {
    const servingFiles = files.filter(
      (file) => !file.includes(`${path.sep}build${path.sep}`) && !/[\\/](cli|cluster)\.ts$/.test(file),
    )
    const offenders = servingFiles.filter((file) => /from '\.{1,2}\/build\//.test(readFileSync(file, 'utf8')))
    expect(offenders).toEqual([])
  })

  it('uses each runtime dependency in one file only', () => {
    const users = (pattern: RegExp) =>
      files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((f) => path.basename(f))
    expect(users(/from 'fast-glob'/)).toEqual(['scan.ts'])
    expect(users(/from 'mime-types'/)).toEqual(['asset.ts'])
  })
})
