import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, type StaticOptions } from '../../src/index.js'
import { OUTSIDE_FILE, OUTSIDE_TEXT, useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { LARGE, nextSecond } from '../helpers/trust-contract.js'

type Mode = 'scanned' | 'manifest' | 'dev'
const MODES: Mode[] = ['scanned', 'manifest', 'dev']

/** createStatic over `root` in one of the three index kinds, served by node:http. */
async function serveIn(mode: Mode, root: string, options: Partial<StaticOptions> = {}) {
  const base: StaticOptions = { root, onWarning: () => {}, ...options }
  if (mode === 'manifest') {
    const out = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out, onWarning: () => {} })
    base.manifest = out
  }
  if (mode === 'dev') base.dev = true
  const assets = await createStatic(base)
  const { url } = await listen((req, res) => assets.handle(req, res))
  return { assets, get: (target: string) => request(url, target) }
}

function replaceWithLink(root: string, name: string, target: string): void {
  rmSync(path.join(root, name), { recursive: true, force: true })
  symlinkSync(target, path.join(root, name))
}

describe.each(MODES)('file identity on every open (%s)', (mode) => {
  it('answers 404 for a file swapped for a link to /dev/zero, at once and without reading it', async () => {
    const root = useTempRoot({ 'zero.txt': 'not zero', 'large.bin': LARGE })
    const { get } = await serveIn(mode, root)
    replaceWithLink(root, 'zero.txt', '/dev/zero')
    replaceWithLink(root, 'large.bin', '/dev/zero')
    for (const name of ['zero.txt', 'large.bin']) {
      const response = await get(`/static/${name}`)
      expect(response.status).toBe(404)
    }
  })

  it('answers 404 for files swapped for FIFOs, and keeps serving (no thread blocks in open)', async () => {
    const root = useTempRoot({
      'a.txt': 'a',
      'b.txt': 'b',
      'c.txt': 'c',
      'd.txt': 'd',
      'e.txt': 'still here',
    })
    const { get } = await serveIn(mode, root)
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) {
      rmSync(path.join(root, name))
      execFileSync('mkfifo', [path.join(root, name)])
    }
    const responses = await Promise.all(
      ['a.txt', 'b.txt', 'c.txt', 'd.txt'].map((name) => get(`/static/${name}`)),
    )
    expect(responses.map((response) => response.status)).toEqual([404, 404, 404, 404])
    expect((await get('/static/e.txt')).body.toString()).toBe('still here')
  })

  it('never serves a file through a directory swapped for a link out of the root', async () => {
    const root = useTempRoot({ 'sub/outside.txt': 'inside', 'sub/big.bin': LARGE })
    const { get } = await serveIn(mode, root)
    renameSync(path.join(root, 'sub'), path.join(root, 'moved'))
    symlinkSync(path.dirname(OUTSIDE_FILE), path.join(root, 'sub'))
    const response = await get('/static/sub/outside.txt')
    expect(response.status).toBe(404)
    expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
  })

  it('never serves a dotfile through an in-root symlink (config.txt -> .env)', async () => {
    const root = useTempRoot({ '.env': 'SECRET=1', 'config.txt': 'config' })
    if (mode !== 'manifest') replaceWithLink(root, 'config.txt', path.join(root, '.env'))
    const { get } = await serveIn(mode, root)
    if (mode === 'manifest') replaceWithLink(root, 'config.txt', path.join(root, '.env'))
    const response = await get('/static/config.txt')
    expect(response.status).toBe(404)
    expect(response.body.toString()).not.toContain('SECRET')
  })
})

describe('dev mode', () => {
  it('never serves a directory link out of the root while it flips, whatever the timing', async () => {
    const root = useTempRoot({ 'real/outside.txt': 'inside' })
    const { get } = await serveIn('dev', root)
    symlinkSync(path.join(root, 'real'), path.join(root, 'flip'))
    let flipping = true
    const flipper = (async () => {
      while (flipping) {
        replaceWithLink(root, 'flip', path.dirname(OUTSIDE_FILE))
        await new Promise((resolve) => setImmediate(resolve))
        replaceWithLink(root, 'flip', path.join(root, 'real'))
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const statuses = new Set<number>()
    for (let round = 0; round < 200; round++) {
      const response = await get('/static/flip/outside.txt')
      statuses.add(response.status)
      expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
    }
    flipping = false
    await flipper
    expect([...statuses].every((status) => status === 200 || status === 404)).toBe(true)
  })

  it('never serves .git through an in-root directory link (repo -> .git)', async () => {
    const root = useTempRoot({ '.git/config': '[core]', 'index.txt': 'x' })
    symlinkSync(path.join(root, '.git'), path.join(root, 'repo'))
    const { get } = await serveIn('dev', root)
    expect((await get('/static/repo/config')).status).toBe(404)
  })
})

describe('a manifest entry whose file changed', () => {
  it('is not served from a link out of the root, even when the manifest named it', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const { get } = await serveIn('manifest', root)
    replaceWithLink(root, 'a.txt', OUTSIDE_FILE)
    const response = await get('/static/a.txt')
    expect(response.status).toBe(404)
    expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
  })

  it('drops a file of an earlier build (--keep) whose bytes changed, rather than serve it immutable', async () => {
    const root = useTempRoot({ 'app.js': 'one' })
    const outDir = path.join(useTempRoot(), 'dist')
    const out = path.join(outDir, '..', 'manifest.json')
    await buildManifest({ root, out, outDir, keep: 2 })
    const first = await createStatic({ root: outDir, manifest: out })
    const oldUrl = first.url('app.js')
    writeFileSync(path.join(root, 'app.js'), 'two')
    await buildManifest({ root, out, outDir, keep: 2 })
    const assets = await createStatic({ root: outDir, manifest: out, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const kept = await request(url, oldUrl)
    expect(kept.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(kept.body.toString()).toBe('one')
    const token = new URL(oldUrl, url).searchParams.get('v')
    writeFileSync(path.join(outDir, `app.${token}.js`), 'tampered')
    // Within the second, the bytes already read (the token's own) may still be served; never others.
    expect((await request(url, oldUrl)).body.toString()).not.toBe('tampered')
    await nextSecond()
    const tampered = await request(url, oldUrl)
    expect(tampered.status).toBe(200)
    expect(tampered.body.toString()).toBe('two')
    expect(tampered.headers['cache-control']).toBe('no-cache')
  })
})

describe('one read at a time', () => {
  it('shares one re-read among concurrent requests for a file that changed', async () => {
    const root = useTempRoot({ 'big.bin': LARGE })
    const warnings: string[] = []
    const assets = await createStatic({ root, onWarning: (message) => warnings.push(message) })
    const { url } = await listen((req, res) => assets.handle(req, res))
    writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(LARGE.length, 'M'))
    await nextSecond()
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => request(url, '/static/big.bin', { headers: { range: 'bytes=0-9' } })),
    )
    expect(responses.map((response) => response.body.toString())).toEqual(Array(20).fill('MMMMMMMMMM'))
    expect(warnings.filter((message) => message.startsWith('big.bin changed on disk'))).toHaveLength(1)
  })

  it('shares one first read among concurrent requests for an uncached file', async () => {
    const body = Buffer.alloc(1024 * 1024, 'x')
    const root = useTempRoot({ 'one.bin': body })
    const assets = await createStatic({ root })
    const asset = assets.get('one.bin')
    expect(asset).toBeDefined()
    const prepared = await Promise.all(
      Array.from({ length: 50 }, () =>
        assets.prepare({ method: 'GET', url: '/static/one.bin', header: () => undefined }),
      ),
    )
    const buffers = prepared.map((response) => response?.body)
    expect(buffers.every((bytes) => Buffer.isBuffer(bytes) && bytes.equals(body))).toBe(true)
    // Every response holds the same bytes in memory: one read, not fifty.
    expect(new Set(buffers.map((bytes) => (bytes as Buffer).buffer)).size).toBe(1)
  })
})

describe('integrity() and the tags', () => {
  it('never blocks on a FIFO or reads a device, and never describes bytes other than those indexed', async () => {
    const root = useTempRoot({ 'a.js': 'one()', 'b.js': 'two()' })
    const assets = await createStatic({ root, onWarning: () => {} })
    replaceWithLink(root, 'a.js', '/dev/zero')
    rmSync(path.join(root, 'b.js'))
    execFileSync('mkfifo', [path.join(root, 'b.js')])
    for (const name of ['a.js', 'b.js']) {
      expect(() => assets.integrity(name)).toThrow(/changed on disk since it was indexed/)
      expect(assets.script(name)).not.toContain('integrity=')
    }
  })

  it('gives the value of the new bytes once an edited file has been re-read', async () => {
    const root = useTempRoot({ 'a.js': 'one()' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const before = assets.integrity('a.js')
    writeFileSync(path.join(root, 'a.js'), 'two()')
    await nextSecond()
    assets.url('a.js') // notices the change and re-reads the file
    await assets.prepare({ method: 'GET', url: '/static/a.js', header: () => undefined })
    const after = assets.integrity('a.js')
    expect(after).not.toBe(before)
    expect(after).toBe(`sha384-${createHash('sha384').update('two()').digest('base64')}`)
  })

  it("does not hand out a manifest's recorded value for a file edited after the build", async () => {
    const root = useTempRoot({ 'a.js': 'built()' })
    const out = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out })
    writeFileSync(path.join(root, 'a.js'), 'hotfix()')
    const assets = await createStatic({ root, manifest: out, onWarning: () => {} })
    expect(() => assets.integrity('a.js')).toThrow(/changed on disk/)
    await assets.prepare({ method: 'GET', url: assets.url('a.js'), header: () => undefined })
    expect(assets.integrity('a.js')).toBe(
      `sha384-${createHash('sha384').update('hotfix()').digest('base64')}`,
    )
  })
})

describe('precompressed variants that are decompression bombs', () => {
  it('are refused after inflating no more than the file they sit beside, at startup and in the build', async () => {
    const inflated = Buffer.alloc(64 * 1024 * 1024)
    const root = useTempRoot({
      'app.css': 'a{color:red}',
      'app.css.gz': gzipSync(inflated),
      'app.css.br': brotliCompressSync(inflated, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } }),
    })
    const warnings: string[] = []
    const assets = await createStatic({ root, onWarning: (message) => warnings.push(message) })
    expect(assets.get('app.css')?.encodings).toEqual([])
    expect(warnings.filter((message) => message.includes('does not decompress'))).toHaveLength(2)
    const out = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out, onWarning: () => {} })
    const manifest = JSON.parse(readFileSync(out, 'utf8')) as {
      assets: Record<string, { encodings?: unknown }>
    }
    expect(manifest.assets['app.css']?.encodings).toBeUndefined()
  })
})
