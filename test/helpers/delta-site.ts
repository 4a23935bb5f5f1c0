/**
 * An output directory with one dictionary delta, made on any Node: two builds of a script, then the
 * `dcz` delta of the second against the first written with Debian's `zstd` CLI and recorded in the
 * manifest as `vstatic build --deltas` records it. Serving must work where building cannot.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildManifest } from '../../src/builder/build.js'
import { hashContent } from '../../src/hash.js'
import { deltaHeader } from '../../src/http/dictionary.js'
import { type Manifest, readManifest } from '../../src/manifest/format.js'
import { appScript } from './delta-node.js'
import { useTempRoot } from './fixtures.js'

export interface DeltaSite {
  readonly outDir: string
  readonly manifest: string
  readonly v1: Buffer
  readonly v2: Buffer
  /** SHA-256 of v1, the dictionary, as `Available-Dictionary` sends it. */
  readonly availableDictionary: string
  readonly delta: Buffer
}

export async function makeDeltaSite(versioning: 'query' | 'filename' = 'query'): Promise<DeltaSite> {
  const root = useTempRoot({ 'js/app.js': appScript('v1') })
  const work = useTempRoot({})
  const options = {
    root,
    versioning,
    out: path.join(work, 'static-manifest.json'),
    outDir: path.join(work, 'out'),
    keep: 3,
    compress: true,
    onWarning: () => {},
  }
  await buildManifest(options)
  const first = readManifest(options.out).assets['js/app.js']
  writeFileSync(path.join(root, 'js/app.js'), appScript('v2'))
  await buildManifest(options)
  const manifest = readManifest(options.out)
  const second = manifest.assets['js/app.js']
  if (first?.file === undefined || second?.file === undefined) throw new Error('no fingerprinted copies')
  const oldFile = path.join(options.outDir, first.file)
  const newFile = path.join(options.outDir, second.file)
  const frame = execFileSync('zstd', ['-19', '-q', '-c', '-D', oldFile, newFile])
  const delta = Buffer.concat([deltaHeader('dcz', first.hash), frame])
  const file = `${second.file}.${first.hash.slice(0, 16)}.dcz`
  writeFileSync(path.join(options.outDir, file), delta)
  const withDelta: Manifest = {
    ...manifest,
    options: { ...manifest.options, deltas: true },
    assets: {
      ...manifest.assets,
      'js/app.js': {
        ...second,
        deltas: { [first.hash]: { dcz: { file, size: delta.length, hash: hashContent(delta) } } },
      },
    },
  }
  writeFileSync(options.out, JSON.stringify(withDelta, null, 2))
  return {
    outDir: options.outDir,
    manifest: options.out,
    v1: readFileSync(oldFile),
    v2: readFileSync(newFile),
    availableDictionary: `:${Buffer.from(first.hash, 'hex').toString('base64')}:`,
    delta,
  }
}
