import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { IMMUTABLE, nextSecond } from '../helpers/trust-contract.js'

/**
 * Tags from checked bytes: a page rendered after a file changed on disk, with no request in
 * between, never carries a token or an SRI value for bytes the disk no longer holds. While the
 * change is being read the tag has the plain URL and no integrity; once it is read, the new token
 * and the SRI value of the bytes that URL serves.
 */

/** The href/src and integrity attributes of one rendered tag. */
function attributesOf(tag: string): { url: string; integrity: string | undefined } {
  const url = /(?:href|src)="([^"]*)"/.exec(tag)?.[1]
  if (url === undefined) throw new Error(`no URL in ${tag}`)
  return { url: url.replace(/&amp;/g, '&'), integrity: /integrity="([^"]*)"/.exec(tag)?.[1] }
}

/** The SRI value of `bytes` in the algorithm `like` names (`sha384-…`). */
function sriOf(bytes: Buffer, like: string): string {
  const algorithm = like.slice(0, like.indexOf('-'))
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`
}

/** Polls `render` (every 20 ms, up to 5 s) until its tag carries integrity again. */
async function untilIntegrity(render: () => string): Promise<string> {
  let tag = render()
  for (let waited = 0; waited < 5000 && attributesOf(tag).integrity === undefined; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    tag = render()
  }
  expect(attributesOf(tag).integrity, `no integrity after 5 s: ${tag}`).toBeDefined()
  return tag
}

/** Fetches what a tag names and checks its integrity, when it has one, against the bytes served. */
async function expectTagMatchesServed(base: string, tag: string): Promise<Buffer> {
  const { url, integrity } = attributesOf(tag)
  const response = await request(base, url)
  expect(response.status).toBe(200)
  if (integrity !== undefined) expect(sriOf(response.body, integrity)).toBe(integrity)
  return response.body
}

async function serve(root: string): Promise<{ assets: StaticAssets; base: string }> {
  const assets = await createStatic({ root, onWarning: () => {} })
  const { url } = await listen((req, res) => assets.handle(req, res))
  return { assets, base: url }
}

describe('the first page after a quiet edit (scanned root)', () => {
  it('stylesheet(): no integrity while the edit is read, then the new token and the SRI of what it serves', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{color:red}' })
    const { assets, base } = await serve(root)
    const before = attributesOf(assets.stylesheet('css/app.css'))
    writeFileSync(path.join(root, 'css/app.css'), 'a{color:blue;margin:0}')
    await nextSecond() // no traffic: nothing has looked at the file since it changed
    const first = assets.stylesheet('css/app.css')
    // The check that found the change started the re-read; it cannot have ended yet.
    expect(attributesOf(first)).toEqual({ url: '/static/css/app.css', integrity: undefined })
    expect((await expectTagMatchesServed(base, first)).toString()).toBe('a{color:blue;margin:0}')
    const settled = await untilIntegrity(() => assets.stylesheet('css/app.css'))
    const after = attributesOf(settled)
    expect(after.url).not.toBe(before.url)
    expect(after.integrity).not.toBe(before.integrity)
    expect((await expectTagMatchesServed(base, settled)).toString()).toBe('a{color:blue;margin:0}')
    expect((await request(base, after.url)).headers['cache-control']).toBe(IMMUTABLE)
  })

  it('script() and integrity(): never the old value; integrity() throws until the edit is read', async () => {
    const root = useTempRoot({ 'js/app.js': 'console.log(1)' })
    const { assets, base } = await serve(root)
    const old = assets.integrity('js/app.js')
    writeFileSync(path.join(root, 'js/app.js'), 'console.log("two")')
    await nextSecond()
    expect(() => assets.integrity('js/app.js')).toThrow(/changed on disk/)
    expect(attributesOf(assets.script('js/app.js')).integrity).toBeUndefined()
    const settled = await untilIntegrity(() => assets.script('js/app.js'))
    await expectTagMatchesServed(base, settled)
    expect(assets.integrity('js/app.js')).toBe(attributesOf(settled).integrity)
    expect(assets.integrity('js/app.js')).not.toBe(old)
  })

  it('stylesheet(): an edit to an image the sheet references changes its token and SRI, with no request for the image', async () => {
    const root = useTempRoot({ 'css/app.css': 'a{background:url(../img/bg.svg)}', 'img/bg.svg': '<svg/>' })
    const { assets, base } = await serve(root)
    const before = attributesOf(assets.stylesheet('css/app.css'))
    writeFileSync(path.join(root, 'img/bg.svg'), '<svg id="two"/>')
    await nextSecond()
    expect(attributesOf(assets.stylesheet('css/app.css')).integrity).toBeUndefined()
    let tag = await untilIntegrity(() => assets.stylesheet('css/app.css'))
    // The image's re-read ends before the sheet's starts: wait for the sheet's new token.
    for (let waited = 0; waited < 5000 && attributesOf(tag).url === before.url; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      tag = await untilIntegrity(() => assets.stylesheet('css/app.css'))
    }
    const after = attributesOf(tag)
    expect(after.url).not.toBe(before.url)
    const body = await expectTagMatchesServed(base, tag)
    expect(body.toString()).toBe(
      `a{background:url(${assets.url('img/bg.svg').replace('/static/img/', '../img/')})}`,
    )
  })

  it('importMap(): maps no token and lists no integrity for a module while its edit is read', async () => {
    const root = useTempRoot({ 'js/app.js': 'export const a = 1', 'js/util.js': 'export const u = 1' })
    const { assets, base } = await serve(root)
    writeFileSync(path.join(root, 'js/app.js'), 'export const a = 2222')
    await nextSecond()
    const parse = () =>
      JSON.parse(/<script[^>]*>([\s\S]*)<\/script>/.exec(assets.importMap())?.[1] ?? '{}') as {
        imports: Record<string, string>
        integrity: Record<string, string>
      }
    const pending = parse()
    expect(pending.imports['/static/js/app.js']).toBeUndefined()
    expect(Object.keys(pending.integrity).some((url) => url.startsWith('/static/js/app.js'))).toBe(false)
    let map = parse()
    for (let waited = 0; waited < 5000 && map.imports['/static/js/app.js'] === undefined; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      map = parse()
    }
    for (const [url, integrity] of Object.entries(map.integrity)) {
      const response = await request(base, url)
      expect(sriOf(response.body, integrity), url).toBe(integrity)
    }
    expect(map.imports['/static/js/app.js']).toBe(assets.url('js/app.js'))
  })

  it('entry(): a bundler chunk edited in place gets no integrity until its new bytes are read', async () => {
    const root = useTempRoot({
      '.vite/manifest.json': JSON.stringify({
        'src/main.ts': { file: 'assets/main-A1.js', isEntry: true, css: ['assets/main-B2.css'] },
      }),
      'assets/main-A1.js': 'console.log(1)',
      'assets/main-B2.css': 'a{color:red}',
    })
    const assets = await createStatic({ root, vite: true, onWarning: () => {} })
    const { url: base } = await listen((req, res) => assets.handle(req, res))
    const stylesheetOf = (html: string) => html.split('\n').find((line) => line.includes('main-B2.css')) ?? ''
    const before = attributesOf(stylesheetOf(assets.entry('src/main.ts')))
    writeFileSync(path.join(root, 'assets/main-B2.css'), 'a{color:green}')
    await nextSecond()
    expect(attributesOf(stylesheetOf(assets.entry('src/main.ts'))).integrity).toBeUndefined()
    const settled = await untilIntegrity(() => stylesheetOf(assets.entry('src/main.ts')))
    expect(attributesOf(settled).integrity).not.toBe(before.integrity)
    expect((await expectTagMatchesServed(base, settled)).toString()).toBe('a{color:green}')
  })
})
