import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic } from '../src/index.js'
import { PUBLIC_ROOT, useTempRoot } from './helpers/fixtures.js'

describe('the content hash (pinned: changing it changes every URL in production)', () => {
  it.each([
    ['css/app.css', '8835ac5e6b6b1b6c7caf5cf98d37251895f5c82024ea3dc2853cffa7b370896c'],
    ['robots.txt', '16ceb5ee3e0dc13aa9adf31a3ebbe45a1d965b8c2b9f72eaf84e5911e140ed95'],
    ['img/pixel.png', '219b2774d839edc56126b2ff0fab2dc33a1b16b2c38d14a508b7ea112fd2b454'],
    ['empty.txt', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ])('%s is SHA-256 %s', async (logicalPath, hash) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.get(logicalPath)).toMatchObject({
      hash,
      token: hash.slice(0, 16),
      etag: `"${hash.slice(0, 32)}"`,
    })
  })

  it('hashes a file larger than the read buffer in chunks to the same digest', async () => {
    const big = Buffer.alloc(1_000_003)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251
    const root = useTempRoot({ 'big.bin': big })
    const { createHash } = await import('node:crypto')
    const assets = await createStatic({ root })
    expect(assets.get('big.bin')?.hash).toBe(createHash('sha256').update(big).digest('hex'))
  })
})

describe('what gets indexed', () => {
  it('indexes the fixture root: nested dirs, odd names, .well-known; no dotfiles', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual([
      '.well-known/security.txt',
      'archive.tar.gz',
      'css/app.css',
      'docs/index.html',
      'empty.txt',
      'favicon.ico',
      'fünke.txt',
      'img/large.bin',
      'img/logo.svg',
      'img/pixel.png',
      'js/app.js',
      'no-extension',
      'robots.txt',
      'with space.txt',
    ])
  })

  it('indexes dotfiles with dotfiles: "allow"', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, dotfiles: 'allow' })
    expect(assets.get('.secret')?.size).toBe(readFileSync(path.join(PUBLIC_ROOT, '.secret')).length)
  })

  it('never indexes .git, .env or files in dot-directories', async () => {
    const root = useTempRoot({
      '.env': 'x',
      '.git/config': 'x',
      'a/.hidden/b.txt': 'x',
      'a/ok.txt': 'ok',
      '.well-known/x/.y': 'x',
    })
    const assets = await createStatic({ root })
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual(['a/ok.txt'])
  })
})

describe('asset records', () => {
  it.each([
    ['css/app.css', 'text/css; charset=utf-8'],
    ['js/app.js', 'text/javascript; charset=utf-8'],
    ['img/logo.svg', 'image/svg+xml'],
    ['img/pixel.png', 'image/png'],
    ['favicon.ico', 'image/vnd.microsoft.icon'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['docs/index.html', 'text/html; charset=utf-8'],
    ['archive.tar.gz', 'application/gzip'],
    ['no-extension', 'application/octet-stream'],
    ['img/large.bin', 'application/octet-stream'],
  ])('%s has Content-Type %s', async (logicalPath, contentType) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.get(logicalPath)?.contentType).toBe(contentType)
  })

  it('formats Last-Modified at whole-second precision and freezes the record', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const asset = assets.get('css/app.css')
    expect(asset).toBeDefined()
    if (asset === undefined) return
    expect(asset.lastModified).toBe(new Date(Math.floor(asset.mtimeMs / 1000) * 1000).toUTCString())
    expect(Object.isFrozen(asset)).toBe(true)
  })
})
