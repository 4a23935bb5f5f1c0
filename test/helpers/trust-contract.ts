import { createHash } from 'node:crypto'
import {
  appendFileSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, type StaticAssets } from '../../src/index.js'
import type { Mount, Requester } from './adapter-contract.js'
import { OUTSIDE_FILE, OUTSIDE_TEXT, useTempRoot } from './fixtures.js'
import { request as httpRequest } from './http.js'
import { describeFreshness } from './trust-freshness.js'

export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Resolves once the wall clock has entered a new second (the index checks the disk once a second). */
export async function nextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000)
  while (Math.floor(Date.now() / 1000) === second) await new Promise((resolve) => setTimeout(resolve, 25))
}

/** A large body: above the in-memory limits, so it is streamed from an open descriptor. */
export const LARGE = Buffer.alloc(3 * 1024 * 1024, 'L')

/**
 * Sends two pipelined GETs on one raw socket and truncates `file` once the first body has started.
 * Returns every byte received and whether the server closed the connection within `waitMs`.
 */
async function pipelineAcrossTruncation(
  baseUrl: string,
  file: string,
  waitMs: number,
): Promise<{ received: Buffer; closed: boolean }> {
  const { hostname, port } = new URL(baseUrl)
  const socket = net.connect(Number(port), hostname)
  const chunks: Buffer[] = []
  let truncated = false
  return new Promise((resolve) => {
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ received: Buffer.concat(chunks), closed })
    }
    const timer = setTimeout(() => finish(false), waitMs)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (!truncated && Buffer.concat(chunks).includes('\r\n\r\n')) {
        truncated = true
        truncateSync(file, 1000)
      }
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => undefined)
    socket.write(
      'GET /static/large.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /static/ok.txt HTTP/1.1\r\nHost: x\r\n\r\n',
    )
  })
}

/**
 * A streamed file far larger than what loopback buffers hold (a few MiB), so that a write made after
 * the first 64 KiB arrived lands before the server has read the file.
 */
const STREAMED = Buffer.alloc(12 * 1024 * 1024, 'S')

/** How a writer changes a file while it is being sent. */
const WRITERS: ReadonlyArray<readonly [string, (file: string) => void]> = [
  [
    'rewritten in place, same size',
    (file) => writeFileSync(file, Buffer.alloc(STREAMED.length, 'N'), { flag: 'r+' }),
  ],
  [
    'truncated, then written (as cp does)',
    (file) => {
      truncateSync(file, 0)
      writeFileSync(file, Buffer.alloc(STREAMED.length, 'N'), { flag: 'r+' })
    },
  ],
  ['appended to', (file) => appendFileSync(file, 'appended')],
]

/** How a download across a write ended. */
interface Download {
  readonly status: number
  readonly etag: string | undefined
  /** Every byte Content-Length announced arrived, and the response ended normally. */
  readonly complete: boolean
  readonly body: Buffer
}

/** GETs `target`, and once 64 KiB of the body arrived, calls `write` and reads on. */
function downloadAcrossWrite(
  baseUrl: string,
  target: string,
  headers: Record<string, string>,
  write: () => void,
): Promise<Download> {
  return new Promise((resolve, reject) => {
    let responded = false
    const req = http.get(new URL(target, baseUrl), { agent: false, headers }, (res) => {
      responded = true
      const chunks: Buffer[] = []
      let received = 0
      let written = false
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        received += chunk.length
        if (written || received < 64 * 1024) return
        written = true
        write()
      })
      const done = () => {
        const body = Buffer.concat(chunks)
        const length = Number(res.headers['content-length'])
        const complete = res.complete && body.length === length
        resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, complete, body })
      }
      res.once('end', done)
      res.once('aborted', done)
      res.once('error', done)
    })
    // Once the response began, its end is reported by `done`.
    req.on('error', (error) => (responded ? undefined : reject(error)))
  })
}

const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`

async function mountRequester(mount: Mount, assets: StaticAssets): Promise<Requester> {
  const mounted = await mount(assets)
  return mounted.request ?? ((target, options) => httpRequest(mounted.url, target, options))
}

/**
 * The two promises, over a real socket through one adapter: an `immutable` response carries the
 * bytes its token names, and no byte comes from outside the root, whatever is written into the
 * live root after startup.
 */
export function describeTrust(name: string, mount: Mount): void {
  describeFreshness(name, mount)
  describe(`${name}: one URL, one set of bytes, from inside the root`, () => {
    it('serves an in-place edit of a cached file within about a second, with new validators', async () => {
      const root = useTempRoot({ 'a.txt': 'first version' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      const oldUrl = assets.url('a.txt')
      const first = await request(oldUrl)
      expect(first.body.toString()).toBe('first version')
      writeFileSync(path.join(root, 'a.txt'), 'second version, longer')
      await nextSecond()
      await request('/static/a.txt') // the first request of the second notices the change
      const after = await request('/static/a.txt', { headers: { 'if-none-match': first.headers.etag ?? '' } })
      expect(after.status).toBe(200)
      expect(after.body.toString()).toBe('second version, longer')
      expect(after.headers['content-length']).toBe(String(after.body.length))
      expect(after.headers.etag).not.toBe(first.headers.etag)
      expect(assets.url('a.txt')).not.toBe(oldUrl)
      const stale = await request(oldUrl)
      expect(stale.headers['cache-control']).toBe('no-cache')
      expect(stale.body.toString()).toBe('second version, longer')
    })

    it('never sends a manifest hotfix (edited without a rebuild) as immutable', async () => {
      const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/a.svg)}', 'img/a.svg': '<svg/>' })
      const out = path.join(useTempRoot(), 'manifest.json')
      await buildManifest({ root, out })
      writeFileSync(path.join(root, 'css/app.css'), 'a{background:url(../img/a.svg);color:red}')
      const assets = await createStatic({ root, manifest: out, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      const response = await request(assets.url('css/app.css'))
      expect(response.status).toBe(200)
      expect(response.body.toString()).toContain('color:red')
      expect(response.headers['cache-control']).toBe('no-cache')
      const plain = await request(assets.url('img/a.svg'))
      expect(plain.headers['cache-control']).toBe(IMMUTABLE)
    })

    it('serves a kept version of a deleted file with its own bytes under its token, never other bytes', async () => {
      const root = useTempRoot({ 'img/p5.jpg': 'kept bytes', 'a.txt': 'a' })
      const work = useTempRoot()
      const [out, outDir] = [path.join(work, 'manifest.json'), path.join(work, 'dist')]
      await buildManifest({ root, out, outDir, keep: 2 })
      const token = (await createStatic({ root: outDir, manifest: out })).get('img/p5.jpg')?.token ?? ''
      rmSync(path.join(root, 'img/p5.jpg'))
      await buildManifest({ root, out, outDir, keep: 2 })
      const assets = await createStatic({ root: outDir, manifest: out, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      const urls = [`/static/img/p5.jpg?v=${token}`, `/static/img/p5.${token}.jpg`]
      for (const url of urls) {
        const response = await request(url)
        expect([response.status, response.body.toString(), response.headers['cache-control']], url).toEqual([
          200,
          'kept bytes',
          IMMUTABLE,
        ])
      }
      // The kept copy overwritten: that version is gone, and its token never names the new bytes.
      writeFileSync(path.join(outDir, `img/p5.${token}.jpg`), 'other bytes')
      await nextSecond()
      for (const url of urls) {
        const response = await request(url)
        expect(response.body.toString(), url).not.toContain('other')
        if (response.status === 200) expect(response.body.toString()).toBe('kept bytes')
      }
      await nextSecond()
      for (const url of urls) expect((await request(url)).status, url).toBe(404)
    })

    it('never serves a file swapped for a symlink out of the root (small, cached or streamed)', async () => {
      const root = useTempRoot({ 'small.txt': 'small', 'cached.txt': 'cached', 'large.bin': LARGE })
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      expect((await request('/static/cached.txt')).body.toString()).toBe('cached')
      for (const name of ['small.txt', 'cached.txt', 'large.bin']) {
        rmSync(path.join(root, name))
        symlinkSync(OUTSIDE_FILE, path.join(root, name))
      }
      await nextSecond()
      for (const name of ['small.txt', 'cached.txt', 'large.bin']) {
        const response = await request(`/static/${name}`)
        expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
        expect([404, 200]).toContain(response.status)
        if (response.status === 200) expect(response.body.toString()).toBe('cached')
      }
      await nextSecond()
      for (const name of ['small.txt', 'cached.txt', 'large.bin']) {
        expect((await request(`/static/${name}`)).status).toBe(404)
      }
    })

    it('ends the connection when a streamed file shrinks: no pipelined response inside its body', async (context) => {
      const root = useTempRoot({ 'large.bin': LARGE, 'ok.txt': 'ok' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const mounted = await mount(assets)
      if (!mounted.url.startsWith('http:')) return context.skip()
      const { received, closed } = await pipelineAcrossTruncation(
        mounted.url,
        path.join(root, 'large.bin'),
        5000,
      )
      expect(closed).toBe(true)
      const statusLines = received.toString('latin1').match(/HTTP\/1\.1 \d{3}/g) ?? []
      expect(statusLines).toEqual(['HTTP/1.1 200'])
      expect(received.length).toBeLessThan(LARGE.length)
    })

    it('judges ignore patterns and the dotfile rule on the real path of a link, in every index kind', async () => {
      const secret = 'IGNORED SECRET'
      const root = useTempRoot({
        'public.txt': 'public',
        'drafts/post.html': secret,
        'css/app.scss': secret,
        '.env': secret,
      })
      symlinkSync(path.join(root, 'css/app.scss'), path.join(root, 'notes.txt'))
      symlinkSync(path.join(root, 'drafts'), path.join(root, 'pages'))
      symlinkSync(path.join(root, '.env'), path.join(root, 'config.txt'))
      symlinkSync(path.join(root, 'public.txt'), path.join(root, 'alias.txt'))
      const ignore = ['drafts/**', '**/*.scss']
      const manifest = path.join(useTempRoot(), 'manifest.json')
      await buildManifest({ root, out: manifest, ignore })
      for (const mode of [{ dev: false }, { dev: true }, { manifest }]) {
        const options = 'manifest' in mode ? mode : { ...mode, ignore }
        const assets = await createStatic({ root, ...options, onWarning: () => {} })
        const request = await mountRequester(mount, assets)
        expect((await request('/static/alias.txt')).body.toString(), JSON.stringify(mode)).toBe('public')
        for (const target of ['notes.txt', 'pages/post.html', 'config.txt']) {
          const response = await request(`/static/${target}`)
          expect(response.status, `${target} ${JSON.stringify(mode)}`).toBe(404)
          expect(response.body.toString()).not.toContain(secret)
          expect(() => assets.url(target)).toThrow()
        }
      }
    })

    it('never serves a file swapped after startup for a link to an ignored file or a dotfile', async () => {
      const secret = 'IGNORED SECRET'
      const ignore = ['drafts/**']
      // From a manifest the patterns are the build's, whatever the server is given.
      for (const mode of ['scanned', 'manifest'] as const) {
        const root = useTempRoot({ 'a.txt': 'a', 'b.txt': 'b', '.env': secret })
        mkdirSync(path.join(root, 'drafts'))
        writeFileSync(path.join(root, 'drafts/post.html'), secret)
        const manifest = path.join(useTempRoot(), 'manifest.json')
        if (mode === 'manifest') await buildManifest({ root, out: manifest, ignore })
        const options = mode === 'manifest' ? { manifest } : { ignore }
        const assets = await createStatic({ root, ...options, onWarning: () => {} })
        const request = await mountRequester(mount, assets)
        for (const name of ['a.txt', 'b.txt']) {
          expect((await request(`/static/${name}`)).status, `${name} ${mode}`).toBe(200)
        }
        rmSync(path.join(root, 'a.txt'))
        symlinkSync(path.join(root, 'drafts/post.html'), path.join(root, 'a.txt'))
        rmSync(path.join(root, 'b.txt'))
        symlinkSync(path.join(root, '.env'), path.join(root, 'b.txt'))
        await nextSecond()
        for (const name of ['a.txt', 'b.txt']) {
          const response = await request(`/static/${name}`)
          expect(response.status, `${name} ${mode}`).toBe(404)
          expect(response.body.toString()).not.toContain(secret)
        }
      }
    })
    for (const [how, write] of WRITERS) {
      it(`never completes a streamed response whose file is ${how} while it is sent`, async (context) => {
        const root = useTempRoot({ 'streamed.bin': STREAMED })
        const assets = await createStatic({ root, onWarning: () => {} })
        const mounted = await mount(assets)
        if (!mounted.url.startsWith('http:')) return context.skip()
        const file = path.join(root, 'streamed.bin')
        const whole = await downloadAcrossWrite(mounted.url, assets.url('streamed.bin'), {}, () =>
          write(file),
        )
        expect(whole.status).toBe(200)
        expect(whole.etag).toBe(etagOf(STREAMED))
        // Complete only with the very bytes its ETag names; else cut, never ended.
        if (whole.complete) expect(whole.body.equals(STREAMED)).toBe(true)
        if (how !== 'appended to') expect(whole.complete).toBe(false)
        // Put the first content back in one step (the cut response had the file read again, and a
        // re-read must not see a half-written file), and let the index take it.
        writeFileSync(`${file}.new`, STREAMED)
        renameSync(`${file}.new`, file)
        await nextSecond()
        const again = await downloadAcrossWrite(mounted.url, '/static/streamed.bin', {}, () => undefined)
        expect(again.complete).toBe(true)
        expect(again.etag).toBe(etagOf(STREAMED))
        const range = await downloadAcrossWrite(
          mounted.url,
          '/static/streamed.bin',
          { range: `bytes=1-${STREAMED.length - 2}` },
          () => write(file),
        )
        expect(range.status).toBe(206)
        expect(range.etag).toBe(etagOf(STREAMED))
        // A range cannot be hashed: the handle's fstat before the last chunk must show no change.
        expect(range.complete).toBe(false)
      })
    }

    it('never serves a directory swapped for a symlink out of the root', async () => {
      const root = useTempRoot({ 'sub/outside.txt': 'inside after all' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      renameSync(path.join(root, 'sub'), path.join(root, 'moved'))
      symlinkSync(path.dirname(OUTSIDE_FILE), path.join(root, 'sub'))
      const response = await request('/static/sub/outside.txt')
      expect(response.status).toBe(404)
      expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
    })
  })
}
