import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { verifyManifest } from '../../src/builder/verify.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { PUBLIC_ROOT, useTempRoot, writeTree } from '../helpers/fixtures.js'
import { getAndHead, listen, request } from '../helpers/http.js'

const CSS = 'body { background: url(../img/dot.png); }\n'.repeat(60)
const SITE = {
  'css/site.css': `@import "theme.css";\n${CSS}`,
  'css/theme.css': '.t { background: url("/static/img/dot.png?x=1#f") }\n',
  'img/dot.png': 'not really a png',
  'js/app.js': `${'console.log("hello");\n'.repeat(80)}//# sourceMappingURL=app.js.map\n`,
  'js/app.js.map': '{"version":3,"sources":[]}',
  'assets/index-AbCd1234.js': 'import "./chunk-EfGh5678.js"',
  'assets/chunk-EfGh5678.js': 'export {}',
}

function allFiles(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const relative = base === '' ? entry.name : `${base}/${entry.name}`
    if (entry.isDirectory()) Object.assign(out, allFiles(dir, relative))
    else
      out[relative] = createHash('sha256')
        .update(readFileSync(path.join(dir, relative)))
        .digest('hex')
  }
  return out
}

describe('vstatic build: the manifest', () => {
  it('writes a versioned manifest whose index equals the scanned one', async () => {
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const summary = await buildManifest({ root: PUBLIC_ROOT, out })
    const manifest = readManifest(out)
    expect(manifest.version).toBe(1)
    expect(manifest.options).toEqual({
      prefix: '/static/',
      versioning: 'query',
      hash: 'sha256',
      tokenLength: 16,
      integrity: 'sha384',
      layout: 'source',
    })
    expect(summary.files).toBe(Object.keys(manifest.assets).length)
    const scanned = await createStatic({ root: PUBLIC_ROOT })
    const loaded = await createStatic({ root: PUBLIC_ROOT, manifest: out })
    expect(loaded.assets().map((asset) => asset.logicalPath)).toEqual(
      scanned.assets().map((asset) => asset.logicalPath),
    )
    for (const asset of scanned.assets()) {
      expect(loaded.url(asset.logicalPath)).toBe(scanned.url(asset.logicalPath))
      expect(loaded.get(asset.logicalPath)?.etag).toBe(asset.etag)
      expect(loaded.integrity(asset.logicalPath)).toBe(scanned.integrity(asset.logicalPath))
    }
    expect(loaded.buildId).toBe(manifest.buildId)
  })

  it('is deterministic: the same bytes give the same entries and output bytes on another day', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const first = path.join(work, 'one.json')
    const second = path.join(work, 'two.json')
    await buildManifest({
      root,
      out: first,
      outDir: path.join(work, 'one'),
      compress: true,
      now: new Date(0),
    })
    await buildManifest({
      root,
      out: second,
      outDir: path.join(work, 'two'),
      compress: true,
      now: new Date(86_400_000),
    })
    const a = readManifest(first)
    const b = readManifest(second)
    expect(b.assets).toEqual(a.assets)
    expect(b.buildId).toBe(a.buildId)
    expect(b.builtAt).not.toBe(a.builtAt)
    expect(allFiles(path.join(work, 'two'))).toEqual(allFiles(path.join(work, 'one')))
  })

  it('leaves the previous manifest intact when a build fails', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({ blocker: 'a file where a directory should go' })
    const out = path.join(work, 'static-manifest.json')
    await buildManifest({ root, out })
    const before = readFileSync(out, 'utf8')
    writeTree(root, { 'new.txt': 'new' })
    await expect(buildManifest({ root, out, outDir: path.join(work, 'blocker', 'out') })).rejects.toThrow()
    expect(readFileSync(out, 'utf8')).toBe(before)
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('rewrites references and records them, SRI over the rewritten bytes', async () => {
    const root = useTempRoot(SITE)
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out })
    const manifest = readManifest(out)
    const site = manifest.assets['css/site.css']
    expect(site?.rewritten).toBe(true)
    expect(site?.references).toEqual(['css/theme.css', 'img/dot.png'])
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const served = await request(url, assets.url('css/site.css'))
    const theme = manifest.assets['css/theme.css']
    expect(served.body.toString()).toContain(`@import "theme.css?v=${theme?.token}";`)
    expect(served.body.toString()).toContain(`url(../img/dot.png?v=${manifest.assets['img/dot.png']?.token})`)
    const sri = `sha384-${createHash('sha384').update(served.body).digest('base64')}`
    expect(site?.integrity).toBe(sri)
    expect(assets.integrity('css/site.css')).toBe(sri)
    const js = await request(url, assets.url('js/app.js'))
    expect(js.body.toString()).toMatch(/\/\/# sourceMappingURL=app\.js\.map\?v=[0-9a-f]{16}\n$/)
  })

  it('reports paths that differ only in case', async () => {
    const root = useTempRoot({ 'Logo.png': 'a', 'logo.png': 'b' })
    const summary = await buildManifest({ root, out: path.join(useTempRoot({}), 'm.json') })
    expect(summary.caseCollisions).toEqual([['Logo.png', 'logo.png']])
    expect(summary.warnings).toContain('paths differ only in case: Logo.png, logo.png')
  })

  it('keeps a manifest written inside the root out of the index', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const out = path.join(root, 'static-manifest.json')
    await buildManifest({ root, out })
    const again = await buildManifest({ root, out })
    expect(Object.keys(readManifest(out).assets)).toEqual(['a.txt'])
    expect(again.warnings[0]).toContain('is inside the root')
  })
})

describe('loading a manifest', () => {
  it.each([
    ['missing', () => 'nope.json', /"manifest" ".*nope\.json" does not exist; run "vstatic build"/],
    [
      'broken JSON',
      (dir: string) => write(dir, '{"version": 1,\n  "assets": {'),
      /is not valid JSON: .*\(line 2, column \d+\)/,
    ],
    [
      'another schema',
      (dir: string) => write(dir, '{"version": 2}'),
      /has schema version 2; this vstatic reads version 1/,
    ],
    ['not a manifest', (dir: string) => write(dir, '[1,2]'), /is not a vstatic manifest/],
    [
      'a hostile path',
      (dir: string) =>
        write(
          dir,
          JSON.stringify({
            ...validManifest(),
            assets: { '../etc/passwd': validManifest().assets['a.txt'] },
          }),
        ),
      /entry "\.\.\/etc\/passwd": is not a valid path inside the root/,
    ],
  ])('names the file and the fault: %s', async (_name, make, message) => {
    const dir = useTempRoot({})
    const error = await createStatic({ root: PUBLIC_ROOT, manifest: make(dir) }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ code: 'ERR_STATIC_OPTION', option: 'manifest' })
    expect((error as Error).message).toMatch(message)
  })

  it('refuses options that contradict the manifest, and dev mode', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out, prefix: '/assets/' })
    await expect(createStatic({ root, manifest: out, prefix: '/static/' })).rejects.toThrow(
      /option "prefix" is "\/static\/" but .* was built with "\/assets\/"/,
    )
    await expect(createStatic({ root, manifest: out, versioning: 'filename' })).rejects.toThrow(
      /option "versioning"/,
    )
    await expect(createStatic({ root, manifest: out, dev: true })).rejects.toThrow(
      /cannot be used with dev: true/,
    )
    expect((await createStatic({ root, manifest: out })).url('a.txt')).toMatch(/^\/assets\/a\.txt\?v=/)
  })

  it('answers 404, not a crash, for an entry whose file is gone', async () => {
    // Half of the files stay: a manifest whose files are mostly missing fails at startup instead.
    const root = useTempRoot({ 'a.txt': 'a', 'big.bin': Buffer.alloc(200_000), 'b.txt': 'b', 'c.txt': 'c' })
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out })
    rmSync(path.join(root, 'a.txt'))
    rmSync(path.join(root, 'big.bin'))
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, assets.url('a.txt'))).status).toBe(404)
    expect((await request(url, assets.url('big.bin'))).status).toBe(404)
  })
})

describe('filename versioning and the output directory', () => {
  it('serves fingerprinted names immutable, and an unknown token with revalidation', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const out = path.join(work, 'm.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root, out, outDir, versioning: 'filename' })
    const assets = await createStatic({ root: outDir, manifest: out })
    const versioned = assets.url('css/site.css')
    expect(versioned).toMatch(/^\/static\/css\/site\.[0-9a-f]{16}\.css$/)
    expect(existsSync(path.join(outDir, versioned.slice('/static/'.length)))).toBe(true)
    const { url } = await listen((req, res) => assets.handle(req, res))
    const current = await getAndHead(url, versioned)
    expect(current.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(current.body.toString()).toMatch(/@import "theme\.[0-9a-f]{16}\.css";/)
    const unknown = await getAndHead(url, '/static/css/site.0000000000000000.css')
    expect(unknown.status).toBe(200)
    expect(unknown.headers['cache-control']).toBe('no-cache')
    expect(unknown.body.equals(current.body)).toBe(true)
  })

  it('serves bundler-fingerprinted files immutable under their own names, unrenamed', async () => {
    const root = useTempRoot(SITE)
    const assets = await createStatic({ root, versioning: 'filename' })
    expect(assets.url('assets/index-AbCd1234.js')).toBe('/static/assets/index-AbCd1234.js')
    const { url } = await listen((req, res) => assets.handle(req, res))
    const response = await getAndHead(url, '/static/assets/index-AbCd1234.js')
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(response.body.toString()).toBe('import "./chunk-EfGh5678.js"')
  })

  it('keeps the last N builds for rolling deploys and removes older ones from the history only', async () => {
    const root = useTempRoot({ 'app.css': 'one' })
    const work = useTempRoot({})
    const out = path.join(work, 'm.json')
    const outDir = path.join(work, 'dist')
    const urls: string[] = []
    for (const content of ['one', 'two', 'three']) {
      writeFileSync(path.join(root, 'app.css'), content)
      await buildManifest({ root, out, outDir, keep: 2, versioning: 'filename' })
      urls.push((await createStatic({ root: outDir, manifest: out })).url('app.css'))
      if (content === 'one') writeFileSync(path.join(outDir, 'uploaded-by-hand.txt'), 'keep me')
    }
    const assets = await createStatic({ root: outDir, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const previous = await request(url, urls[1] ?? '')
    expect(previous.body.toString()).toBe('two')
    expect(previous.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const viaQuery = await request(url, `/static/app.css?v=${(urls[1] ?? '').split('.')[1]}`)
    expect(viaQuery.body.toString()).toBe('two')
    const dropped = await request(url, urls[0] ?? '')
    expect(dropped.body.toString()).toBe('three')
    expect(dropped.headers['cache-control']).toBe('no-cache')
    expect(existsSync(path.join(outDir, (urls[0] ?? '').slice('/static/'.length)))).toBe(false)
    expect(readFileSync(path.join(outDir, 'uploaded-by-hand.txt'), 'utf8')).toBe('keep me')
  })

  for (const versioning of ['query', 'filename'] as const) {
    it(`serves a kept version of a deleted file while its build is kept, in both spellings (${versioning})`, async () => {
      const photo = Buffer.alloc(2048, 5)
      const root = useTempRoot({ 'app.css': 'one', 'img/p5.jpg': photo })
      const work = useTempRoot({})
      const out = path.join(work, 'm.json')
      const outDir = path.join(work, 'dist')
      await buildManifest({ root, out, outDir, keep: 2, versioning })
      const token = readManifest(out).assets['img/p5.jpg']?.token ?? ''
      const urls = [`/static/img/p5.jpg?v=${token}`, `/static/img/p5.${token}.jpg`]
      rmSync(path.join(root, 'img/p5.jpg'))
      writeFileSync(path.join(root, 'app.css'), 'two')
      await buildManifest({ root, out, outDir, keep: 2, versioning })
      const assets = await createStatic({ root: outDir, manifest: out })
      expect(() => assets.url('img/p5.jpg')).toThrow(/img\/p5\.jpg/)
      const { url } = await listen((req, res) => assets.handle(req, res))
      for (const target of urls) {
        const kept = await getAndHead(url, target)
        expect([kept.status, kept.body.equals(photo), kept.headers['content-length']], target).toEqual([
          200,
          true,
          String(photo.length),
        ])
        expect(kept.headers['cache-control'], target).toBe('public, max-age=31536000, immutable')
      }
      for (const target of ['/static/img/p5.jpg', '/static/img/p5.jpg?v=0123456789abcdef']) {
        expect((await request(url, target)).status, target).toBe(404)
      }

      // A third build drops the build that had the file: its copy is removed, and the URLs are 404.
      writeFileSync(path.join(root, 'app.css'), 'three')
      await buildManifest({ root, out, outDir, keep: 2, versioning })
      expect(existsSync(path.join(outDir, `img/p5.${token}.jpg`))).toBe(false)
      const later = await createStatic({ root: outDir, manifest: out })
      const { url: laterUrl } = await listen((req, res) => later.handle(req, res))
      for (const target of urls) expect((await request(laterUrl, target)).status, target).toBe(404)
    })
  }
})

describe('precompressed variants', () => {
  it('writes br and gzip for compressible files only, and reuses them on a rebuild', async () => {
    const root = useTempRoot({ ...SITE, 'small.css': 'a{}', 'photo.jpg': Buffer.alloc(4096, 1) })
    const out = path.join(useTempRoot({}), 'm.json')
    const first = await buildManifest({ root, out, compress: true })
    const manifest = readManifest(out)
    expect(Object.keys(manifest.assets['css/site.css']?.encodings ?? {}).sort()).toEqual(['br', 'gzip'])
    expect(manifest.assets['small.css']?.encodings).toBeUndefined()
    expect(manifest.assets['photo.jpg']?.encodings).toBeUndefined()
    const gz = readFileSync(path.join(root, 'css/site.css.gz'))
    expect(gz.readUInt32LE(4)).toBe(0) // no timestamp in the gzip header
    expect(first.compressed.reused).toBe(0)
    const second = await buildManifest({ root, out, compress: true })
    expect(second.compressed).toEqual({ br: 0, gzip: 0, reused: first.compressed.br + first.compressed.gzip })
  })

  it('negotiates Accept-Encoding with Vary on every response, its own ETag per encoding, identity for ranges', async () => {
    const root = useTempRoot(SITE)
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out, compress: true })
    for (const assets of [await createStatic({ root, manifest: out }), await createStatic({ root })]) {
      const { url } = await listen((req, res) => assets.handle(req, res))
      const target = assets.url('js/app.js')
      const identity = await getAndHead(url, target, { 'accept-encoding': 'identity' })
      const br = await getAndHead(url, target, { 'accept-encoding': 'gzip, br' })
      const gzip = await getAndHead(url, target, { 'accept-encoding': 'br;q=0, gzip' })
      expect(identity.headers['content-encoding']).toBeUndefined()
      expect(br.headers['content-encoding']).toBe('br')
      expect(gzip.headers['content-encoding']).toBe('gzip')
      for (const response of [identity, br, gzip]) expect(response.headers.vary).toBe('Accept-Encoding')
      expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true)
      expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true)
      expect(new Set([identity.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3)
      const notModified = await getAndHead(url, target, {
        'accept-encoding': 'br',
        'if-none-match': br.headers.etag ?? '',
      })
      expect(notModified.status).toBe(304)
      expect(notModified.headers.vary).toBe('Accept-Encoding')
      const range = await getAndHead(url, target, { 'accept-encoding': 'br', range: 'bytes=0-6' })
      expect(range.status).toBe(206)
      expect(range.headers['content-encoding']).toBeUndefined()
      expect(range.body.toString()).toBe('console')
    }
  })
})

describe('vstatic verify', () => {
  it('lists added, removed and changed files', async () => {
    const root = useTempRoot(SITE)
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out })
    expect(verifyManifest(root, out)).toEqual({ added: [], removed: [], changed: [] })
    writeTree(root, { 'new.txt': 'x', 'img/dot.png': 'changed' })
    rmSync(path.join(root, 'js/app.js.map'))
    expect(verifyManifest(root, out)).toEqual({
      added: ['new.txt'],
      removed: ['js/app.js.map'],
      // The stylesheets reference the image, so their rewritten bytes changed too.
      changed: ['css/site.css', 'css/theme.css', 'img/dot.png', 'js/app.js'],
    })
  })

  it('checks the output directory of an --out-dir build against everything the build wrote there', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const [out, outDir] = [path.join(work, 'm.json'), path.join(work, 'out')]
    await buildManifest({ root, out, outDir, keep: 2, compress: true, onWarning: () => {} })
    writeTree(root, { 'img/dot.png': 'second' })
    await buildManifest({ root, out, outDir, keep: 2, compress: true, onWarning: () => {} })
    // Right after the build: the output directory (with its copies, variants and kept versions) agrees.
    expect(verifyManifest(outDir, out)).toEqual({ added: [], removed: [], changed: [] })
    // The sources agree as well.
    expect(verifyManifest(root, out)).toEqual({ added: [], removed: [], changed: [] })
    const manifest = readManifest(out)
    const copy = manifest.assets['js/app.js']?.file as string
    const [kept] = Object.keys(manifest.history[0]?.files ?? {})
    writeTree(outDir, { stray: 'x', [copy]: 'tampered', 'img/dot.png': 'tampered' })
    rmSync(path.join(outDir, kept as string))
    expect(verifyManifest(outDir, out)).toEqual({
      added: ['stray'],
      removed: [kept],
      changed: [copy, 'img/dot.png'].sort(),
    })
  })

  it('says when the roots are given in another order than the build had them', async () => {
    const app = useTempRoot({ 'css/site.css': 'app', 'js/app.js': 'app' })
    const theme = useTempRoot({ 'css/theme.css': 'theme', 'img/dot.svg': '<svg/>' })
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root: [app, theme], out })
    expect(verifyManifest([app, theme], out)).toEqual({ added: [], removed: [], changed: [] })
    expect(verifyManifest([theme, app], out)).toEqual({
      added: [],
      removed: [],
      changed: ['css/site.css', 'css/theme.css', 'img/dot.svg', 'js/app.js'],
      buildOrder: [app, theme],
    })
  })
})

function write(dir: string, text: string): string {
  const file = path.join(dir, 'm.json')
  writeFileSync(file, text)
  return file
}

function validManifest() {
  return {
    version: 1,
    generator: 'test',
    builtAt: '2024-01-01T00:00:00.000Z',
    buildId: 'x',
    options: {
      prefix: '/static/',
      versioning: 'query',
      hash: 'sha256',
      tokenLength: 16,
      integrity: 'sha384',
      layout: 'source',
    },
    assets: {
      'a.txt': {
        size: 1,
        hash: 'a'.repeat(64),
        token: 'a'.repeat(16),
        integrity: 'sha384-x',
        contentType: 'text/plain',
      },
    },
    history: [],
  }
}
