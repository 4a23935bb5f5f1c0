import { createHash } from 'node:crypto'
import { truncateSync, writeFileSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createStatic, type StaticAssets } from '../../src/index.js'
import type { Mount, Requester } from './adapter-contract.js'
import { useTempRoot } from './fixtures.js'
import { request as httpRequest } from './http.js'

/**
 * Rows of the trust table about freshness, run by every adapter: tags name only checked bytes, a
 * stylesheet's freshness covers what it references, and a file that changes while it is read again
 * stays in the index.
 */

const IMMUTABLE = 'public, max-age=31536000, immutable'
const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`

async function nextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000)
  while (Math.floor(Date.now() / 1000) === second) await new Promise((resolve) => setTimeout(resolve, 25))
}

/** Polls `read` every 20 ms, up to 5 s, until `done` holds for its value; returns that value. */
async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read()
  for (let waited = 0; waited < 5000 && !done(value); waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    value = await read()
  }
  expect(done(value), 'not within 5 s').toBe(true)
  return value
}

function attributesOf(tag: string): { href: string; integrity: string | undefined } {
  const href = /href="([^"]*)"/.exec(tag)?.[1]
  if (href === undefined) throw new Error(`no href in ${tag}`)
  return { href: href.replace(/&amp;/g, '&'), integrity: /integrity="([^"]*)"/.exec(tag)?.[1] }
}

function sriOf(bytes: Buffer, like: string): string {
  const algorithm = like.slice(0, like.indexOf('-'))
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`
}

async function mountRequester(mount: Mount, assets: StaticAssets): Promise<Requester> {
  const mounted = await mount(assets)
  return mounted.request ?? ((target, options) => httpRequest(mounted.url, target, options))
}

export function describeFreshness(name: string, mount: Mount): void {
  describe(`${name}: tags, stylesheets and re-reads follow the disk`, () => {
    it('renders the first page after a quiet edit with the SRI of the bytes its URL serves, or none', async () => {
      const root = useTempRoot({ 'css/app.css': 'a{color:red}' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      const old = attributesOf(assets.stylesheet('css/app.css'))
      writeFileSync(path.join(root, 'css/app.css'), 'a{color:blue;margin:0}')
      await nextSecond()
      // Each page until the tag has integrity again: whatever it names must match what is served.
      const settled = await pollUntil(
        async () => {
          const tag = attributesOf(assets.stylesheet('css/app.css'))
          const response = await request(tag.href)
          expect(response.body.toString()).toBe('a{color:blue;margin:0}')
          expect(tag.integrity).not.toBe(old.integrity)
          if (tag.integrity !== undefined) expect(sriOf(response.body, tag.integrity)).toBe(tag.integrity)
          return { tag, response }
        },
        ({ tag }) => tag.integrity !== undefined,
      )
      expect(settled.tag.href).not.toBe(old.href)
      expect(settled.response.headers['cache-control']).toBe(IMMUTABLE)
    })

    it("changes a stylesheet's URL and bytes when an image it references is edited, with no request for the image", async () => {
      const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.svg)}', 'img/bg.svg': '<svg/>' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      const before = assets.url('css/app.css')
      writeFileSync(path.join(root, 'img/bg.svg'), '<svg id="two"/>')
      const after = await pollUntil(
        () => assets.url('css/app.css'),
        (value) => value !== before && value.includes('?v='),
      )
      const css = await request(after)
      expect(css.body.toString()).toBe(
        `a{background:url(${assets.url('img/bg.svg').replace('/static/img/', '../img/')})}`,
      )
      expect(css.headers.etag).toBe(etagOf(css.body))
      expect(css.headers['cache-control']).toBe(IMMUTABLE)
    })

    it('keeps serving a file that a writer truncates and rewrites while it is read again', async () => {
      const root = useTempRoot({ 'data.bin': Buffer.alloc(300 * 1024, 'a') })
      const file = path.join(root, 'data.bin')
      const assets = await createStatic({ root, onWarning: () => {} })
      const request = await mountRequester(mount, assets)
      writeFileSync(file, Buffer.alloc(300 * 1024 + 1, 'b'))
      const final = Buffer.alloc(300 * 1024 + 2, 'c')
      // The request finds the file changed and reads it again, during which the file is emptied and
      // then written: the first two reads of any handle run one writer step each.
      const writes = [() => truncateSync(file, 0), () => writeFileSync(file, final)]
      const probe = await open(file)
      const prototype = Object.getPrototypeOf(probe) as FileHandle
      await probe.close()
      const read = prototype.read
      const spy = vi.spyOn(prototype, 'read').mockImplementation(function (
        this: FileHandle,
        ...args: unknown[]
      ) {
        writes.shift()?.()
        return (read as (...given: unknown[]) => ReturnType<FileHandle['read']>).apply(this, args)
      })
      try {
        const response = await request('/static/data.bin')
        expect(writes).toEqual([])
        expect(response.status).toBe(200)
        expect(response.body.equals(final)).toBe(true)
      } finally {
        spy.mockRestore()
      }
      const later = await request('/static/data.bin')
      expect(later.status).toBe(200)
      expect(later.headers.etag).toBe(etagOf(final))
    })
  })
}
