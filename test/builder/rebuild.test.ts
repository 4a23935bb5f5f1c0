import { readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type BuildOptions, buildManifest } from '../../src/builder/build.js'
import type { BuildProgress } from '../../src/builder/progress.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { useTempRoot } from '../helpers/fixtures.js'

const SITE = {
  'css/site.css': `${'body { background: url(../img/dot.png); }\n'.repeat(60)}`,
  'img/dot.png': 'not really a png',
  'js/app.js': `${'console.log("hello");\n'.repeat(80)}//# sourceMappingURL=app.js.map\n`,
  'js/app.js.map': `{"version":3,"sources":[],"names":[${'"n",'.repeat(400)}"n"]}`,
  'docs/readme.txt': `${'plain words '.repeat(200)}\n`,
}

function setUp(): { root: string; options: BuildOptions } {
  const root = useTempRoot(SITE)
  const work = useTempRoot({})
  const options = {
    root,
    out: path.join(work, 'static-manifest.json'),
    outDir: path.join(work, 'out'),
    compress: true,
    now: new Date('2026-01-01T00:00:00Z'),
  }
  return { root, options }
}

describe('a rebuild redoes only what changed', () => {
  it('writes and compresses nothing when nothing changed, and records the same manifest', async () => {
    const { options } = setUp()
    const first = await buildManifest(options)
    expect(first.written).toBeGreaterThan(0)
    expect(first.compressed.br + first.compressed.gzip).toBeGreaterThan(0)
    const before = readFileSync(options.out as string, 'utf8')
    const again = await buildManifest(options)
    expect(again.written).toBe(0)
    expect(again.compressed).toEqual({ br: 0, gzip: 0, reused: first.compressed.br + first.compressed.gzip })
    expect(readFileSync(options.out as string, 'utf8')).toBe(before)
  })

  it('writes again only the files of a changed source and of what references it', async () => {
    const { root, options } = setUp()
    await buildManifest(options)
    writeFileSync(path.join(root, 'img/dot.png'), 'another picture')
    const again = await buildManifest(options)
    // The image (plain and fingerprinted copy) and the stylesheet whose url() names its new token
    // (plain, fingerprinted, and a br and a gzip variant under each name).
    expect(again.written).toBe(2 + 2 + 4)
    const manifest = readManifest(options.out as string)
    const assets = await createStatic({ root: options.outDir as string, manifest: options.out })
    expect(assets.get('css/site.css')?.hash).toBe(manifest.assets['css/site.css']?.hash)
  })

  it('copies a plain file again when the copy in the output directory is not the one it wrote', async () => {
    const { options } = setUp()
    await buildManifest(options)
    const copy = path.join(options.outDir as string, 'docs/readme.txt')
    writeFileSync(copy, 'edited by hand')
    const again = await buildManifest(options)
    expect(again.written).toBe(1)
    expect(readFileSync(copy, 'utf8')).toBe(SITE['docs/readme.txt'])
  })

  it('copies everything into an output directory the previous manifest was not built into', async () => {
    const { options } = setUp()
    const first = await buildManifest(options)
    const elsewhere = { ...options, outDir: path.join(path.dirname(options.outDir as string), 'other') }
    const moved = await buildManifest(elsewhere)
    expect(moved.written).toBe(first.written)
    expect(statSync(path.join(elsewhere.outDir, 'docs/readme.txt')).size).toBe(SITE['docs/readme.txt'].length)
  })
})

describe('build progress', () => {
  it('advances through every phase in order, and ends each with the files and bytes of the summary', async () => {
    const { options } = setUp()
    const updates: BuildProgress[] = []
    const summary = await buildManifest({ ...options, onProgress: (update) => updates.push(update) })
    const phases = [...new Set(updates.map((update) => update.phase))]
    expect(phases).toEqual(['read', 'rewrite', 'write'])
    for (const phase of phases) {
      const last = updates.filter((update) => update.phase === phase).at(-1)
      expect(last).toMatchObject({ files: summary.files, totalFiles: summary.files, bytes: summary.bytes })
    }
    // Without an output directory the write phase (variants, SRI) is reported too.
    const inRoot: BuildProgress[] = []
    await buildManifest({ ...options, outDir: undefined, onProgress: (update) => inRoot.push(update) })
    expect([...new Set(inRoot.map((update) => update.phase))]).toEqual(['read', 'rewrite', 'write'])
  })
})
