import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { hashContent, toToken } from '../../src/hash.js'
import { createStatic } from '../../src/index.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { IMMUTABLE, LARGE, nextSecond } from '../helpers/trust-contract.js'

const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`

describe('scanned root (production): one stat per file per second', () => {
  it('rewrites the files that reference an edited file with its new token', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.png)}', 'img/bg.png': 'one' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.get('img/bg.png')?.token
    writeFileSync(path.join(root, 'img/bg.png'), 'two!')
    await nextSecond()
    await request(url, '/static/img/bg.png')
    const after = assets.get('img/bg.png')?.token
    expect(after).not.toBe(before)
    // The stylesheet is re-read in the background; poll briefly for the rewrite to land.
    for (
      let tries = 0;
      tries < 50 && !String(assets.get('css/app.css')?.body).includes(String(after));
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const css = await request(url, assets.url('css/app.css'))
    expect(css.body.toString()).toBe(`a{background:url(../img/bg.png?v=${after})}`)
    expect(css.headers.etag).toBe(etagOf(css.body))
    expect(css.headers['cache-control']).toBe(IMMUTABLE)
  })

  it('serves the members of a reference cycle immutable under the tokens the cycle gave them', async () => {
    const root = useTempRoot({ 'a.css': '@import "b.css";', 'b.css': '@import "a.css";' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(assets.get('a.css')?.body?.toString()).toBe(`@import "b.css?v=${assets.get('b.css')?.token}";`)
    for (const name of ['a.css', 'b.css']) {
      const response = await request(url, assets.url(name))
      expect(response.headers['cache-control']).toBe(IMMUTABLE)
      expect(response.headers.etag).toBe(etagOf(response.body))
    }
  })

  it('answers 404 for a file deleted after indexing, and never a 304 for its old ETag', async () => {
    const root = useTempRoot({ 'gone.txt': 'bye' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const first = await request(url, '/static/gone.txt')
    rmSync(path.join(root, 'gone.txt'))
    await nextSecond()
    await request(url, '/static/gone.txt')
    const after = await request(url, '/static/gone.txt', {
      headers: { 'if-none-match': first.headers.etag ?? '' },
    })
    expect(after.status).toBe(404)
  })
})

describe('manifest: trust the manifest, verify what is opened', () => {
  it('sends the validators of the bytes served when a plain file was edited after the build', async () => {
    const root = useTempRoot({ 'a.txt': 'built' })
    const out = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out })
    writeFileSync(path.join(root, 'a.txt'), 'hotfix')
    const warnings: string[] = []
    const assets = await createStatic({ root, manifest: out, onWarning: (message) => warnings.push(message) })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const manifestUrl = assets.url('a.txt')
    const response = await request(url, manifestUrl)
    expect(response.body.toString()).toBe('hotfix')
    expect(response.headers['content-length']).toBe('6')
    expect(response.headers.etag).toBe(etagOf(Buffer.from('hotfix')))
    expect(response.headers['cache-control']).toBe('no-cache')
    // Every process keeps agreeing on the URL: it still carries the manifest's token.
    expect(assets.url('a.txt')).toBe(manifestUrl)
    expect(warnings.some((message) => message.startsWith('a.txt does not match'))).toBe(true)
  })

  it('serves a file that matches its entry as immutable, read once', async () => {
    const root = useTempRoot({ 'a.txt': 'built' })
    const out = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out })
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const response = await request(url, assets.url('a.txt'))
    expect(response.headers['cache-control']).toBe(IMMUTABLE)
    expect(response.body.toString()).toBe('built')
    expect(assets.get('a.txt')?.identity).toBeDefined()
  })
})

describe('dev mode: references follow their files', () => {
  it('re-resolves a reference whose file is deleted and then restored', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.png)}', 'img/bg.png': 'png' })
    const assets = await createStatic({ root, dev: true, onWarning: () => {} })
    const token = assets.get('img/bg.png')?.token
    expect(assets.get('css/app.css')?.body?.toString()).toBe(`a{background:url(../img/bg.png?v=${token})}`)
    rmSync(path.join(root, 'img/bg.png'))
    expect(assets.get('css/app.css')?.body).toBeUndefined()
    writeFileSync(path.join(root, 'img/bg.png'), 'png')
    expect(assets.get('css/app.css')?.body?.toString()).toBe(`a{background:url(../img/bg.png?v=${token})}`)
  })

  it('resolves a reference whose file is created after the stylesheet first named it', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/late.png)}' })
    const assets = await createStatic({ root, dev: true, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, '/static/css/app.css')).body.toString()).toBe(
      'a{background:url(../img/late.png)}',
    )
    mkdirSync(path.join(root, 'img'))
    writeFileSync(path.join(root, 'img/late.png'), 'late')
    const token = assets.get('img/late.png')?.token
    const css = await request(url, '/static/css/app.css')
    expect(css.body.toString()).toBe(`a{background:url(../img/late.png?v=${token})}`)
  })

  it('resolves a 3,000-deep @import chain without exhausting the stack, and follows an edit at its end', {
    timeout: 60_000,
  }, async () => {
    const depth = 3000
    const tree: Record<string, string> = {}
    for (let level = 0; level < depth; level++) {
      tree[`chain/s${level}.css`] = level === depth - 1 ? 'a{color:red}' : `@import "s${level + 1}.css";`
    }
    const root = useTempRoot(tree)
    const assets = await createStatic({ root, dev: true, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const first = await request(url, '/static/chain/s0.css')
    expect(first.status).toBe(200)
    expect(first.body.toString()).toMatch(/^@import "s1\.css\?v=[0-9a-f]{16}";$/)
    const before = assets.url('chain/s0.css')
    writeFileSync(path.join(root, `chain/s${depth - 1}.css`), 'a{color:blue}')
    expect(assets.url('chain/s0.css')).not.toBe(before)
    expect((await request(url, '/static/chain/s0.css')).status).toBe(200)
  })
})

/** Polls `read` (every 20 ms, up to 5 s) until `done` holds for what it gives, and returns that. */
async function pollUntil<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  let value = read()
  for (let waited = 0; waited < 5000 && !done(value); waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    value = read()
  }
  expect(done(value), `still ${String(value)} after 5 s`).toBe(true)
  return value
}

const tokenOf = (bytes: string) => toToken(hashContent(Buffer.from(bytes)))

describe('scanned root: the graph is part of freshness', () => {
  it('changes a stylesheet URL and bytes when an image it references is edited, with no request for the image', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.png)}', 'img/bg.png': 'one' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.url('css/app.css')
    writeFileSync(path.join(root, 'img/bg.png'), 'two, longer')
    // Only the stylesheet is asked for: its once-a-second check covers the image.
    const after = await pollUntil(
      () => assets.url('css/app.css'),
      (value) => value !== before && value.includes('?v='),
    )
    const css = await request(url, after)
    expect(css.body.toString()).toBe(`a{background:url(../img/bg.png?v=${tokenOf('two, longer')})}`)
    expect(css.headers.etag).toBe(etagOf(css.body))
    expect(css.headers['cache-control']).toBe(IMMUTABLE)
  })

  it('follows an edit through an @import: the importing sheet gets a new token too', async () => {
    const root = useTempRoot({
      'css/app.css': '@import "base.css";',
      'css/base.css': 'a{background:url(../img/bg.png)}',
      'img/bg.png': 'one',
    })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.url('css/app.css')
    writeFileSync(path.join(root, 'img/bg.png'), 'two')
    const after = await pollUntil(
      () => assets.url('css/app.css'),
      (value) => value !== before && value.includes('?v='),
    )
    const app = await request(url, after)
    const baseUrl = assets.url('css/base.css')
    expect(app.body.toString()).toBe(`@import "${baseUrl.slice('/static/css/'.length)}";`)
    const base = await request(url, baseUrl)
    expect(base.body.toString()).toBe(`a{background:url(../img/bg.png?v=${tokenOf('two')})}`)
    expect(base.headers['cache-control']).toBe(IMMUTABLE)
  })

  it('hands out no token for a stylesheet while a file it references is being re-read', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.png)}', 'img/bg.png': 'one' })
    const assets = await createStatic({ root, onWarning: () => {} })
    writeFileSync(path.join(root, 'img/bg.png'), 'two, longer')
    await nextSecond()
    // The check just started the image's re-read, which cannot end before this line runs.
    expect(assets.url('css/app.css')).toBe('/static/css/app.css')
    const tag = assets.stylesheet('css/app.css')
    expect(tag).toContain('href="/static/css/app.css"')
    expect(tag).not.toContain('integrity')
  })
})

describe('scanned root: re-reads retry, never drop', () => {
  afterEach(() => vi.restoreAllMocks())

  it('keeps serving a file that is truncated and rewritten while it is read again', async () => {
    const root = useTempRoot({ 'big.bin': LARGE })
    const file = path.join(root, 'big.bin')
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    writeFileSync(file, Buffer.alloc(LARGE.length + 1, 'x'))
    const final = Buffer.alloc(LARGE.length + 2, 'y')
    // The request finds the file changed and reads it again; its first read sees the file emptied,
    // the next one the new bytes arriving: a writer such as `cp`.
    const writes = [() => truncateSync(file, 0), () => writeFileSync(file, final)]
    const probe = await open(file)
    const prototype = Object.getPrototypeOf(probe) as FileHandle
    await probe.close()
    const read = prototype.read
    vi.spyOn(prototype, 'read').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
      writes.shift()?.()
      return (read as (...given: unknown[]) => ReturnType<FileHandle['read']>).apply(this, args)
    })
    const response = await request(url, '/static/big.bin')
    expect(writes).toEqual([])
    expect(response.status).toBe(200)
    expect(response.body.equals(final)).toBe(true)
    expect(response.headers.etag).toBe(etagOf(final))
    expect((await request(url, '/static/big.bin')).status).toBe(200)
    expect(assets.url('big.bin')).toBe(`/static/big.bin?v=${toToken(hashContent(final))}`)
  })
})

describe('scanned root: a referenced file that is deleted', () => {
  it('rewrites the stylesheet without the token of a file that is gone, with no request for the file', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.png)}', 'img/bg.png': 'one' })
    const assets = await createStatic({ root, onWarning: () => {} })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.url('css/app.css')
    rmSync(path.join(root, 'img/bg.png'))
    const after = await pollUntil(
      () => assets.url('css/app.css'),
      (value) => value !== before && value.includes('?v='),
    )
    const css = await request(url, after)
    expect(css.body.toString()).toBe('a{background:url(../img/bg.png)}')
    expect(css.headers['cache-control']).toBe(IMMUTABLE)
  })
})

describe('the warnings of a live root carry their kind and paths', () => {
  it('changed-on-disk for a scanned index, manifest-mismatch for a manifest', async () => {
    const root = useTempRoot({ 'a.txt': 'first', 'b.txt': 'b' })
    const manifest = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out: manifest, onWarning: () => {} })
    const heard: Array<[string | undefined, readonly string[] | undefined]> = []
    const onWarning = (_message: string, context?: { kind: string; paths: readonly string[] }) =>
      heard.push([context?.kind, context?.paths])
    const scanned = await createStatic({ root, onWarning })
    const fromManifest = await createStatic({ root, manifest, onWarning })
    await nextSecond()
    writeFileSync(path.join(root, 'a.txt'), 'second, longer')
    for (const assets of [scanned, fromManifest]) {
      const { url } = await listen((req, res) => assets.handle(req, res))
      expect((await request(url, '/static/a.txt')).body.toString()).toBe('second, longer')
    }
    expect(heard).toEqual([
      ['changed-on-disk', ['a.txt']],
      ['manifest-mismatch', ['a.txt']],
    ])
  })
})
