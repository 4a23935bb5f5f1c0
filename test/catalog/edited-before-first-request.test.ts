// A manifest entry whose file was edited on disk after the build and before anything asked for it:
// the first request, whatever it accepts, gets the bytes on disk and never a precompressed variant or
// a dictionary delta made from the built bytes, nor an ETag, a 304 or `immutable` that names them.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { hashContent, toEtag } from '../../src/hash.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { appScript, buildWithDeltaNode, DELTA_NODE } from '../helpers/delta-node.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { IMMUTABLE } from '../helpers/trust-contract.js'

const BROWSER = 'gzip, deflate, br, zstd, dcb, dcz'
/** A Structured Field byte sequence, as Available-Dictionary carries a SHA-256. */
const sf = (hash: string) => `:${Buffer.from(hash, 'hex').toString('base64')}:`

/** Text worth compressing, with its first line naming `release`: the same size for every release of one length. */
function script(release: string): string {
  return `// release ${release}\n${'export const value = "compressible text";\n'.repeat(120)}`
}

/**
 * For each request, a server that never served the entry before: the request is its first for the
 * entry, and a second one like it follows. Each answer carries `edited` as it is, validators of
 * `edited`, and no caching as immutable.
 */
async function expectOnlyEditedBytes(
  start: () => Promise<{ url: string; path: string }>,
  edited: string,
  requests: ReadonlyArray<{ readonly method?: string; readonly headers: Record<string, string> }>,
): Promise<void> {
  for (const { method = 'GET', headers } of requests) {
    const { url, path: target } = await start()
    for (const attempt of ['first', 'second']) {
      const response = await request(url, target, { method, headers })
      const seen = [attempt, method, headers, response.status, response.headers['content-encoding']]
      expect(seen).toEqual([attempt, method, headers, 200, undefined])
      expect(response.body.toString()).toBe(method === 'HEAD' ? '' : edited)
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(edited)))
      expect(response.headers.etag).toBe(toEtag(hashContent(Buffer.from(edited))))
      expect(response.headers['cache-control']).not.toBe(IMMUTABLE)
    }
  }
}

describe('a manifest entry edited before its first request never gets a variant or delta of the built bytes', () => {
  it.each([
    ['over the source root', false],
    ['from an output directory', true],
  ])('br and gzip variants (vstatic build --compress), %s', async (_where, withOutDir) => {
    const root = useTempRoot({ 'app.js': script('one') })
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const outDir = withOutDir ? path.join(work, 'dist') : undefined
    await buildManifest({ root, out, outDir, compress: true })
    const served = outDir ?? root
    const entry = readManifest(out).assets['app.js']
    const br = entry?.encodings?.br
    const gzip = entry?.encodings?.gzip
    if (entry === undefined || br === undefined || gzip === undefined) throw new Error('no variants built')
    // Other bytes, the same size: only the bytes themselves can tell.
    const edited = script('two')
    expect(Buffer.byteLength(edited)).toBe(entry.size)
    writeFileSync(path.join(served, entry.file ?? 'app.js'), edited)
    // The variants on disk still decompress to the built bytes.
    expect(readFileSync(path.join(served, br.file)).length).toBe(br.size)
    const start = async () => {
      const assets = await createStatic({ root: served, manifest: out, onWarning() {} })
      const { url } = await listen((req, res) => assets.handle(req, res))
      return { url, path: assets.url('app.js') }
    }
    await expectOnlyEditedBytes(start, edited, [
      { method: 'HEAD', headers: { 'accept-encoding': 'br' } },
      { headers: { 'accept-encoding': 'br' } },
      { headers: { 'accept-encoding': 'gzip' } },
      { headers: { 'accept-encoding': BROWSER } },
      // A client holding the built Brotli or gzip body revalidates it: no 304 for those bytes.
      { headers: { 'accept-encoding': 'br', 'if-none-match': toEtag(br.hash) } },
      { headers: { 'accept-encoding': 'gzip', 'if-none-match': toEtag(gzip.hash) } },
      { headers: { 'accept-encoding': BROWSER, 'if-none-match': toEtag(entry.hash) } },
    ])
  })

  it.skipIf(DELTA_NODE === undefined)('dcz and dcb deltas (vstatic build --deltas)', async () => {
    const root = useTempRoot({ 'js/app.js': appScript('v1') })
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const outDir = path.join(work, 'dist')
    const args = [root, '--out', out, '--out-dir', outDir, '--keep', '3', '--deltas', '--compress']
    buildWithDeltaNode(args)
    const v1 = readManifest(out).assets['js/app.js']?.hash as string
    writeFileSync(path.join(root, 'js/app.js'), appScript('v2'))
    buildWithDeltaNode(args)
    const entry = readManifest(out).assets['js/app.js']
    const deltas = entry?.deltas?.[v1]
    if (entry?.file === undefined || deltas?.dcz === undefined) throw new Error('no delta built')
    const edited = appScript('v9')
    expect(Buffer.byteLength(edited)).toBe(entry.size)
    writeFileSync(path.join(outDir, entry.file), edited)
    const start = async () => {
      const assets = await createStatic({ root: outDir, manifest: out, onWarning() {} })
      const { url } = await listen((req, res) => assets.handle(req, res))
      return { url, path: assets.url('js/app.js') }
    }
    const dictionary = sf(v1)
    await expectOnlyEditedBytes(start, edited, [
      { method: 'HEAD', headers: { 'accept-encoding': BROWSER, 'available-dictionary': dictionary } },
      { headers: { 'accept-encoding': BROWSER, 'available-dictionary': dictionary } },
      { headers: { 'accept-encoding': 'dcz', 'available-dictionary': dictionary } },
      { headers: { 'accept-encoding': 'dcb', 'available-dictionary': dictionary } },
      ...Object.values(deltas).map((delta) => ({
        headers: {
          'accept-encoding': BROWSER,
          'available-dictionary': dictionary,
          'if-none-match': toEtag(delta.hash),
        },
      })),
    ])
  })
})
