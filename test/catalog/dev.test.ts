import { rmSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, MissingAssetError } from '../../src/index.js'
import { useTempRoot, writeTree } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

describe('dev mode (static_hash_cache=False)', () => {
  it('follows an edit at once in url(), the ETag and the bytes', async () => {
    const root = useTempRoot({ 'app.css': 'a {}' })
    const assets = await createStatic({ root, dev: true })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = assets.url('app.css')
    const first = await request(url, before)
    expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable')

    writeFileSync(path.join(root, 'app.css'), 'b {}') // same size, new bytes
    const after = assets.url('app.css')
    expect(after).not.toBe(before)
    const fresh = await request(url, after)
    expect(fresh.body.toString()).toBe('b {}')
    expect(fresh.headers.etag).not.toBe(first.headers.etag)
    expect(fresh.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // The old URL now names stale bytes: current content, never immutable.
    const stale = await request(url, before)
    expect(stale.body.toString()).toBe('b {}')
    expect(stale.headers['cache-control']).toBe('no-cache')
    // The old ETag no longer validates.
    expect(
      (await request(url, '/static/app.css', { headers: { 'if-none-match': first.headers.etag ?? '' } }))
        .status,
    ).toBe(200)
  })

  it('sees an edit that keeps size and mtime (the ctime still changes)', async () => {
    const root = useTempRoot({ 'a.txt': 'one' })
    const assets = await createStatic({ root, dev: true })
    const before = assets.url('a.txt')
    const file = path.join(root, 'a.txt')
    writeFileSync(file, 'two')
    utimesSync(file, new Date(0), new Date(0))
    const middle = assets.url('a.txt')
    writeFileSync(file, 'six')
    utimesSync(file, new Date(0), new Date(0))
    expect(new Set([before, middle, assets.url('a.txt')]).size).toBe(3)
  })

  it('sees new and deleted files without a restart', async () => {
    const root = useTempRoot({ 'keep.txt': 'k' })
    const assets = await createStatic({ root, dev: true })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(() => assets.url('new.txt')).toThrow(MissingAssetError)
    expect((await request(url, '/static/new.txt')).status).toBe(404)

    writeTree(root, { 'new.txt': 'hello', 'robots.txt': 'User-agent: *\n' })
    expect(assets.url('new.txt')).toMatch(/^\/static\/new\.txt\?v=[0-9a-f]{16}$/)
    expect((await request(url, '/static/new.txt')).body.toString()).toBe('hello')
    expect((await request(url, '/robots.txt')).status).toBe(200)

    rmSync(path.join(root, 'new.txt'))
    expect(() => assets.url('new.txt')).toThrow(MissingAssetError)
    expect((await request(url, '/static/new.txt')).status).toBe(404)
  })

  it('keeps the dotfile policy and refuses traversal on disk', async () => {
    const root = useTempRoot({ 'public/a.txt': 'a', 'public/.env': 'SECRET=1', 'private.txt': 'private' })
    const assets = await createStatic({ root: path.join(root, 'public'), dev: true })
    const { url } = await listen((req, res) => assets.handle(req, res))
    for (const target of [
      '/static/.env',
      '/static/../private.txt',
      '/static/%2e%2e/private.txt',
      '/static/..%2fprivate.txt',
    ]) {
      const response = await request(url, target)
      expect(response.status).toBe(404)
      expect(response.body.toString()).not.toMatch(/SECRET|private/)
    }
    expect(() => assets.url('.env')).toThrow(MissingAssetError)
    expect(() => assets.url('../private.txt')).toThrow(MissingAssetError)
  })

  it('serves directory index files created after start', async () => {
    const root = useTempRoot({})
    const assets = await createStatic({ root, dev: true, indexFile: 'index.html' })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, '/static/guide/')).status).toBe(404)
    writeTree(root, { 'guide/index.html': '<h1>guide</h1>' })
    expect((await request(url, '/static/guide')).headers.location).toBe('/static/guide/')
    expect((await request(url, '/static/guide/')).body.toString()).toBe('<h1>guide</h1>')
  })

  it('lists the current files through assets()', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const assets = await createStatic({ root, dev: true })
    writeTree(root, { 'b/c.txt': 'c' })
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual(['a.txt', 'b/c.txt'])
  })

  it('follows edits to files a stylesheet references, and serves the rewritten bytes', async () => {
    const root = useTempRoot({
      'css/a.css': '@import "b.css";',
      'css/b.css': 'x{background:url(../i.png)}',
      'i.png': 'one',
    })
    const assets = await createStatic({ root, dev: true })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const before = { a: assets.url('css/a.css'), b: assets.url('css/b.css') }
    writeFileSync(path.join(root, 'i.png'), 'two')
    const after = { a: assets.url('css/a.css'), b: assets.url('css/b.css') }
    expect(after.a).not.toBe(before.a)
    expect(after.b).not.toBe(before.b)
    const served = await request(url, after.b)
    expect(served.body.toString()).toBe(`x{background:url(../i.png?v=${assets.get('i.png')?.token})}`)
    expect(served.headers['content-length']).toBe(String(served.body.length))
    expect((await request(url, after.a)).body.toString()).toBe(
      `@import "b.css?v=${assets.get('css/b.css')?.token}";`,
    )
  })

  it('leaves a reference cycle unversioned in dev mode instead of looping', async () => {
    const root = useTempRoot({ 'a.css': '@import "b.css";', 'b.css': '@import "a.css";' })
    const assets = await createStatic({ root, dev: true })
    expect(assets.url('a.css')).toMatch(/^\/static\/a\.css\?v=[0-9a-f]{16}$/)
    expect(assets.url('b.css')).toMatch(/^\/static\/b\.css\?v=[0-9a-f]{16}$/)
  })
})
