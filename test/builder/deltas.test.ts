import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { addDeltas } from '../../src/builder/deltas.js'
import { createReport } from '../../src/builder/progress.js'
import { hashContent } from '../../src/hash.js'
import { loadManifest } from '../../src/manifest/check.js'
import { type Manifest, readManifest } from '../../src/manifest/format.js'
import { run } from '../helpers/cli.js'
import { appScript, buildWithDeltaNode, DELTA_NODE, DELTA_NODE_WRITES_DCB } from '../helpers/delta-node.js'
import { useTempRoot } from '../helpers/fixtures.js'

function site(edit: string): Record<string, string> {
  return {
    'js/app.js': appScript(edit),
    'css/small.css': 'body { margin: 0 }\n',
    'img/logo.png': `PNG${'x'.repeat(4000)}${edit}`,
  }
}

function setUp(keep = 3) {
  const root = useTempRoot(site('v1'))
  const work = useTempRoot({})
  const out = path.join(work, 'static-manifest.json')
  const outDir = path.join(work, 'out')
  const args = [root, '--out', out, '--out-dir', outDir, '--keep', String(keep), '--deltas', '--compress']
  const rebuild = (edit: string) => {
    writeFileSync(path.join(root, 'js/app.js'), appScript(edit))
    writeFileSync(path.join(root, 'img/logo.png'), site(edit)['img/logo.png'] as string)
    return buildWithDeltaNode(args)
  }
  return { root, out, outDir, args, rebuild }
}

function deltaFile(
  outDir: string,
  manifest: Manifest,
  logicalPath: string,
  dictionary: string,
  coding: 'dcz' | 'dcb',
) {
  const file = manifest.assets[logicalPath]?.deltas?.[dictionary]?.[coding]?.file
  if (file === undefined) throw new Error(`no ${coding} delta of ${logicalPath} against ${dictionary}`)
  return path.join(outDir, file)
}

describe.skipIf(DELTA_NODE === undefined)('vstatic build --deltas', () => {
  it('writes a dcz delta that the zstd CLI decodes, with the old version as dictionary, to exactly the new bytes', () => {
    const { out, outDir, args, rebuild } = setUp()
    buildWithDeltaNode(args)
    const v1 = readManifest(out).assets['js/app.js']
    rebuild('v2')
    const manifest = readManifest(out)
    const v2 = manifest.assets['js/app.js']
    if (v1?.file === undefined || v2?.file === undefined) throw new Error('no fingerprinted copies')
    const delta = readFileSync(deltaFile(outDir, manifest, 'js/app.js', v1.hash, 'dcz'))
    // RFC 9842 §4: the magic, then the dictionary's SHA-256, then a Zstandard frame.
    expect(delta.subarray(0, 8)).toEqual(Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0x20, 0, 0, 0]))
    expect(delta.subarray(8, 40).toString('hex')).toBe(v1.hash)
    const frame = path.join(outDir, 'frame.zst')
    writeFileSync(frame, delta.subarray(40))
    const decoded = execFileSync('zstd', ['-d', '-c', '-D', path.join(outDir, v1.file), frame])
    expect(hashContent(decoded)).toBe(v2.hash)
    expect(decoded.equals(readFileSync(path.join(outDir, v2.file)))).toBe(true)
    // A one-line edit: the delta is a small fraction of Brotli at quality 11.
    expect(delta.length * 10).toBeLessThan(v2.encodings?.br?.size ?? 0)
  })

  it.skipIf(!DELTA_NODE_WRITES_DCB)(
    'writes a dcb delta that Brotli with the old version as dictionary decodes',
    () => {
      const { out, outDir, args, rebuild } = setUp()
      buildWithDeltaNode(args)
      const v1 = readManifest(out).assets['js/app.js']
      rebuild('v2')
      const manifest = readManifest(out)
      const v2 = manifest.assets['js/app.js']
      if (v1?.file === undefined || v2 === undefined) throw new Error('no fingerprinted copy')
      const delta = deltaFile(outDir, manifest, 'js/app.js', v1.hash, 'dcb')
      const head = readFileSync(delta).subarray(0, 36)
      expect(head.subarray(0, 4)).toEqual(Buffer.from([0xff, 0x44, 0x43, 0x42]))
      expect(head.subarray(4).toString('hex')).toBe(v1.hash)
      const decoded = execFileSync(DELTA_NODE as string, [
        '-e',
        `const fs = require('node:fs'), z = require('node:zlib'), c = require('node:crypto');
       const out = z.brotliDecompressSync(fs.readFileSync(process.argv[1]).subarray(36), { dictionary: fs.readFileSync(process.argv[2]) });
       process.stdout.write(c.createHash('sha256').update(out).digest('hex'))`,
        delta,
        path.join(outDir, v1.file),
      ]).toString()
      expect(decoded).toBe(v2.hash)
    },
  )

  it('records deltas only for text files worth it, against each kept version, and the manifest loads', () => {
    const { out, outDir, args, rebuild } = setUp()
    buildWithDeltaNode(args)
    const first = readManifest(out)
    expect(first.options.deltas).toBe(true)
    expect(first.assets['js/app.js']?.deltas).toBeUndefined() // nothing kept yet
    rebuild('v2')
    rebuild('v3')
    const manifest = loadManifest(out, { root: outDir })
    const app = manifest.assets['js/app.js']
    expect(Object.keys(app?.deltas ?? {}).sort()).toEqual(
      manifest.history
        .flatMap((build) =>
          Object.values(build.files)
            .filter((file) => file.logicalPath === 'js/app.js')
            .map((file) => file.hash),
        )
        .sort(),
    )
    expect(Object.keys(app?.deltas ?? {})).toHaveLength(2)
    // Binary files and files under 1 KiB get none.
    expect(manifest.assets['img/logo.png']?.deltas).toBeUndefined()
    expect(manifest.assets['css/small.css']?.deltas).toBeUndefined()
    for (const byCoding of Object.values(app?.deltas ?? {}))
      for (const delta of Object.values(byCoding))
        expect(existsSync(path.join(outDir, delta.file))).toBe(true)
  })

  it('keeps deltas as long as the version they start from: --keep 2 drops those against older builds', () => {
    const { out, outDir, args, rebuild } = setUp(2)
    buildWithDeltaNode(args)
    const v1 = readManifest(out).assets['js/app.js']?.hash as string
    rebuild('v2')
    const atV2 = readManifest(out)
    const v1Delta = deltaFile(outDir, atV2, 'js/app.js', v1, 'dcz')
    rebuild('v3')
    const atV3 = readManifest(out)
    const v2 = atV2.assets['js/app.js']?.hash as string
    expect(Object.keys(atV3.assets['js/app.js']?.deltas ?? {})).toEqual([v2])
    expect(existsSync(v1Delta)).toBe(false)
  })

  it('reuses the deltas of the previous build when nothing changed', () => {
    const { out, args, rebuild } = setUp()
    buildWithDeltaNode(args)
    rebuild('v2')
    const before = readManifest(out).assets
    const again = buildWithDeltaNode([...args, '--json'])
    const summary = JSON.parse(again.stdout) as { deltas: { dcz: number; dcb: number; reused: number } }
    expect(summary.deltas.dcz + summary.deltas.dcb).toBe(0)
    expect(summary.deltas.reused).toBeGreaterThan(0)
    expect(readManifest(out).assets).toEqual(before)
  })

  it('leaves out a delta that is not clearly smaller than Brotli (a file rewritten from scratch)', () => {
    const { root, out, args } = setUp()
    buildWithDeltaNode(args)
    // Same path, unrelated content: the old version helps nothing.
    let text = ''
    let seed = 99
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 69069 + 1) % 4294967296
      text += seed.toString(36)
    }
    writeFileSync(path.join(root, 'js/app.js'), `const data = '${text}'\n`)
    buildWithDeltaNode(args)
    expect(readManifest(out).assets['js/app.js']?.deltas).toBeUndefined()
  })
})

describe('vstatic build --deltas where zlib cannot compress with a dictionary', () => {
  it('warns once, naming the Node versions that can, and builds the rest', () => {
    const report = createReport(undefined, undefined, false)
    const warnings: string[] = []
    const assets = {
      'a.js': {
        size: 5000,
        hash: 'a'.repeat(64),
        token: 'a'.repeat(16),
        integrity: 'x',
        contentType: 'text/javascript',
      },
    }
    const result = addDeltas(assets, [], {
      outDir: useTempRoot({}),
      previous: undefined,
      report: { ...report, warn: (message: string) => warnings.push(message) },
      support: { dcz: false, dcb: false },
    })
    expect(result.assets).toEqual(assets)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/Node 22\.19\+ or 24\.6\+/)
    expect(warnings[0]).toContain(process.version)
  })

  it.skipIf(DELTA_NODE === process.execPath)(
    'on this Node, a build with --deltas warns once and writes everything else',
    async () => {
      const root = useTempRoot(site('v1'))
      const work = useTempRoot({})
      const warnings: string[] = []
      const options = {
        root,
        out: path.join(work, 'm.json'),
        outDir: path.join(work, 'out'),
        deltas: true,
        onWarning: (message: string) => warnings.push(message),
      }
      await buildManifest(options)
      writeFileSync(path.join(root, 'js/app.js'), appScript('v2'))
      const summary = await buildManifest(options)
      expect(warnings.filter((message) => message.includes('--deltas'))).toHaveLength(2) // once per build
      expect(summary.deltas).toEqual({ dcz: 0, dcb: 0, reused: 0 })
      expect(readManifest(options.out).assets['js/app.js']?.file).toBeDefined()
    },
  )

  it('refuses --deltas without --out-dir, which holds the versions deltas start from', async () => {
    const root = useTempRoot(site('v1'))
    const result = await run(['build', root, '--out', path.join(useTempRoot({}), 'm.json'), '--deltas'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--deltas needs --out-dir')
    await expect(
      buildManifest({ root, deltas: true, out: path.join(useTempRoot({}), 'm.json') }),
    ).rejects.toThrow(/deltas.*needs outDir/)
  })
})
