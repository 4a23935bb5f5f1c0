import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { contentTypeFor } from '../../src/root/asset.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { getAndHead, listen, request } from '../helpers/http.js'

/** Stylesheets saved as ISO-8859-1 (171 bytes, `@charset "iso-8859-1"`, £ and é), UTF-8, and UTF-8 with a BOM. */
const CHARSET_ROOT = fileURLToPath(new URL('../../fixtures/charset', import.meta.url))
const LATIN1 = readFileSync(path.join(CHARSET_ROOT, 'latin1.css'))

/** More than one hashing chunk (256 KiB), with a two-byte character across every chunk boundary. */
const LARGE_BYTES = 300 * 1024
const largeUtf8 = () => Buffer.from('é'.repeat(LARGE_BYTES / 2), 'utf8')
const largeLatin1 = () => Buffer.from(`${'a'.repeat(LARGE_BYTES - 1)}é`, 'latin1')

type Mode = 'scanned' | 'dev' | 'manifest'

/** The static assets of `root` in one mode; a manifest is built outside the root. */
async function assetsFor(mode: Mode, root: string): Promise<StaticAssets> {
  if (mode === 'dev') return createStatic({ root, dev: true })
  if (mode === 'scanned') return createStatic({ root })
  const out = path.join(useTempRoot({}), 'static-manifest.json')
  await buildManifest({ root, out })
  return createStatic({ root, manifest: out })
}

describe('contentTypeFor: charset=utf-8 only on text whose bytes are UTF-8', () => {
  it.each([
    ['css/app.css', true, 'text/css; charset=utf-8'],
    ['css/latin1.css', false, 'text/css'],
    ['js/app.js', false, 'text/javascript'],
    ['data.json', true, 'application/json; charset=utf-8'],
    ['img/logo.svg', true, 'image/svg+xml'],
    ['img/pixel.png', true, 'image/png'],
    ['no-extension', true, 'application/octet-stream'],
  ])('%s, utf8=%s → %s', (logicalPath, utf8, expected) => {
    expect(contentTypeFor(logicalPath, utf8)).toBe(expected)
  })
})

describe.each(['scanned', 'dev', 'manifest'] as const)('Content-Type from the bytes (%s)', (mode) => {
  it('sends the ISO-8859-1 stylesheet without a charset, and the UTF-8 ones with charset=utf-8', async () => {
    const assets = await assetsFor(mode, CHARSET_ROOT)
    const { url } = await listen((req, res) => assets.handle(req, res))
    const latin1 = await getAndHead(url, assets.url('latin1.css'))
    expect([latin1.status, latin1.headers['content-type'], latin1.body]).toEqual([200, 'text/css', LATIN1])
    for (const file of ['utf8.css', 'bom.css']) {
      const response = await getAndHead(url, assets.url(file))
      expect([response.status, response.headers['content-type']], file).toEqual([
        200,
        'text/css; charset=utf-8',
      ])
    }
  })

  it('decides the same for a file hashed in chunks', async () => {
    const root = useTempRoot({ 'utf8.txt': largeUtf8(), 'latin1.txt': largeLatin1() })
    const assets = await assetsFor(mode, root)
    expect(assets.get('utf8.txt')?.contentType).toBe('text/plain; charset=utf-8')
    expect(assets.get('latin1.txt')?.contentType).toBe('text/plain')
  })

  it('through fetch() as through handle()', async () => {
    const assets = await assetsFor(mode, CHARSET_ROOT)
    const response = await assets.fetch(new Request(`http://localhost${assets.url('latin1.css')}`))
    expect(response.headers.get('content-type')).toBe('text/css')
    expect(Buffer.from(await response.arrayBuffer())).toEqual(LATIN1)
  })
})

describe('the manifest records the type decided from the bytes', () => {
  it('with and without a charset', async () => {
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: CHARSET_ROOT, out })
    const { assets } = readManifest(out)
    expect({
      latin1: assets['latin1.css']?.contentType,
      utf8: assets['utf8.css']?.contentType,
      bom: assets['bom.css']?.contentType,
    }).toEqual({ latin1: 'text/css', utf8: 'text/css; charset=utf-8', bom: 'text/css; charset=utf-8' })
  })
})

describe('an edit that changes the encoding changes the Content-Type', () => {
  it.each(['scanned', 'dev'] as const)('%s', async (mode) => {
    const root = useTempRoot({})
    copyFileSync(path.join(CHARSET_ROOT, 'utf8.css'), path.join(root, 'style.css'))
    const assets = await assetsFor(mode, root)
    expect(assets.get('style.css')?.contentType).toBe('text/css; charset=utf-8')
    // The file is re-read when its bytes no longer match the index, and its type decided again.
    writeFileSync(path.join(root, 'style.css'), LATIN1)
    const { url } = await listen((req, res) => assets.handle(req, res))
    const response = await request(url, '/static/style.css')
    expect([response.body, response.headers['content-type']]).toEqual([LATIN1, 'text/css'])
  })
})
