import type http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  createStatic,
  MissingAssetError,
  type StaticAssets,
  StaticConfigError,
  type StaticOptions,
} from '../../src/index.js'
import { PUBLIC_ROOT, useTempRoot } from '../helpers/fixtures.js'
import { listen } from '../helpers/http.js'
import { selfSignedCertificate } from '../helpers/tls.js'

/** A Vite build in miniature: an entry importing a chunk that imports another, each with its CSS. */
const VITE_TREE = {
  '.vite/manifest.json': JSON.stringify({
    '_base-Aa11Bb22.js': { file: 'assets/base-Aa11Bb22.js', css: ['assets/base-Cc33Dd44.css'] },
    '_shared-ChJ_j-JJ.js': {
      file: 'assets/shared-ChJ_j-JJ.js',
      imports: ['_base-Aa11Bb22.js'],
      css: ['assets/shared-B7PI925R.css'],
    },
    'src/main.ts': {
      file: 'assets/main-BuQMaAmp.js',
      isEntry: true,
      imports: ['_shared-ChJ_j-JJ.js'],
      css: ['assets/main-DiwrgTda.css'],
    },
    'src/print.css': { file: 'assets/print-Qw12Er34.css', isEntry: true },
  }),
  'assets/base-Aa11Bb22.js': 'export const base = 1',
  'assets/base-Cc33Dd44.css': '.base {}',
  'assets/shared-ChJ_j-JJ.js': 'import "./base-Aa11Bb22.js"',
  'assets/shared-B7PI925R.css': '.shared {}',
  'assets/main-BuQMaAmp.js': 'import "./shared-ChJ_j-JJ.js"',
  'assets/main-DiwrgTda.css': '.main {}',
  'assets/print-Qw12Er34.css': '@media print {}',
}

const PAGE_HINTS = ['css/app.css', 'js/app.js']
const NAVIGATE = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }

/** A node:http server whose page sends the hints of PAGE_HINTS and then answers 200 `page`. */
async function pageServer(options: Partial<StaticOptions> = {}) {
  const assets = await createStatic({ root: PUBLIC_ROOT, ...options })
  const sent: boolean[] = []
  const { url } = await listen((req, res) =>
    assets.handle(req, res, () => {
      sent.push(assets.earlyHints(res, PAGE_HINTS))
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '4' })
      res.end('page')
    }),
  )
  return { assets, port: Number(new URL(url).port), sent }
}

/** Sends `head` (request line and headers) on a raw socket and returns every byte until the server closes. */
function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\n`))
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.on('error', reject)
  })
}

function requestHead(method: string, target: string, headers: Record<string, string>, version = '1.1') {
  const lines = [`${method} ${target} HTTP/${version}`, 'Host: 127.0.0.1', 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n`
}

/** The status lines of a raw exchange, in order. */
const statusLines = (raw: string) => raw.split('\r\n').filter((line) => /^HTTP\/1\.[01] \d{3}/.test(line))

describe('linkHeader(): preload values of versioned URLs', () => {
  it('gives each file the preload its tag would reuse', async () => {
    const root = useTempRoot({
      'css/app.css': 'body {}',
      'js/app.js': '1',
      'js/mod.mjs': 'export {}',
      'fonts/a.woff2': 'x',
      'img/hero.webp': 'x',
      'data/menu.json': '{}',
    })
    const assets = await createStatic({ root })
    const u = (path: string) => assets.url(path)
    const list = [
      'css/app.css',
      'js/app.js',
      'js/mod.mjs',
      'fonts/a.woff2',
      'img/hero.webp',
      'data/menu.json',
    ]
    expect(assets.linkHeader(list).split(', ')).toEqual([
      `<${u('css/app.css')}>; rel=preload; as=style; crossorigin`,
      `<${u('js/app.js')}>; rel=preload; as=script; crossorigin`,
      `<${u('js/mod.mjs')}>; rel=preload; as=script; crossorigin`,
      `<${u('fonts/a.woff2')}>; rel=preload; as=font; crossorigin`,
      `<${u('img/hero.webp')}>; rel=preload; as=image`,
      `<${u('data/menu.json')}>; rel=preload; as=fetch; crossorigin`,
    ])
    expect(assets.stylesheet('css/app.css')).toContain(`href="${u('css/app.css')}"`)
  })

  it('follows the crossorigin option, except for fonts, which are always fetched in CORS mode', async () => {
    const root = useTempRoot({ 'app.css': 'a {}', 'a.woff2': 'x' })
    const none = await createStatic({ root, crossorigin: false })
    expect(none.linkHeader(['app.css', 'a.woff2'])).toBe(
      `<${none.url('app.css')}>; rel=preload; as=style, <${none.url('a.woff2')}>; rel=preload; as=font; crossorigin`,
    )
    const credentials = await createStatic({ root, crossorigin: 'use-credentials' })
    expect(credentials.linkHeader(['app.css'])).toBe(
      `<${credentials.url('app.css')}>; rel=preload; as=style; crossorigin=use-credentials`,
    )
  })

  it('carries the host option, lists each URL once, and is empty for an empty list', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, host: 'https://cdn.example.com' })
    expect(assets.linkHeader(['css/app.css', 'css/app.css'])).toBe(
      `<https://cdn.example.com${assets.url('css/app.css', { host: false })}>; rel=preload; as=style; crossorigin`,
    )
    expect(assets.linkHeader([])).toBe('')
  })

  it('refuses what cannot go in a Link header, and files a browser does not preload', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(() => assets.linkHeader(['css/app.css?x\r\nSet-Cookie: a=b'])).toThrow(
      /cannot go in a Link header/,
    )
    expect(() => assets.linkHeader(['css/app.css?a=<b>'])).toThrow(/cannot go in a Link header/)
    expect(() => assets.linkHeader(['archive.tar.gz'])).toThrow(/is not a stylesheet, script/)
    expect(() => assets.linkHeader(['css/missing.css'])).toThrow(MissingAssetError)
    expect(() => assets.linkHeader('css/app.css' as never)).toThrow(TypeError)
  })
})

describe('{ entry }: the files of a bundler entry', () => {
  it('lists its stylesheets, imported chunks and module script in the order entry() renders the tags', async () => {
    const assets = await createStatic({ root: useTempRoot(VITE_TREE), vite: true })
    const names = ['src/main.ts', 'src/print.css']
    const tags = [
      ...assets.entry(names).matchAll(/<(?:link rel="(\w+)"|script (type)="module") (?:href|src)="([^"]+)"/g),
    ]
    const expected = tags.map(([, rel, script, url]) => {
      const kind =
        script !== undefined
          ? 'rel=modulepreload'
          : rel === 'stylesheet'
            ? 'rel=preload; as=style'
            : `rel=${rel}`
      return `<${url}>; ${kind}; crossorigin`
    })
    expect(expected).toHaveLength(7)
    expect(assets.linkHeader({ entry: names }).split(', ')).toEqual(expected)
    expect(
      assets
        .linkHeader({ entry: 'src/main.ts' })
        .split(', ')
        .map((link) => link.split(';')[0]),
    ).toEqual([
      `<${assets.url('assets/base-Cc33Dd44.css')}>`,
      `<${assets.url('assets/shared-B7PI925R.css')}>`,
      `<${assets.url('assets/main-DiwrgTda.css')}>`,
      `<${assets.url('assets/base-Aa11Bb22.js')}>`,
      `<${assets.url('assets/shared-ChJ_j-JJ.js')}>`,
      `<${assets.url('assets/main-BuQMaAmp.js')}>`,
    ])
  })

  it('names the manifest for an unknown entry, needs the vite option, and lists nothing from a dev server', async () => {
    const root = useTempRoot(VITE_TREE)
    const assets = await createStatic({ root, vite: true })
    expect(() => assets.linkHeader({ entry: 'src/typo.ts' })).toThrow(MissingAssetError)
    expect(() => assets.linkHeader({ entry: 'src/typo.ts' })).toThrow(/bundler manifest/)
    const without = await createStatic({ root })
    expect(() => without.linkHeader({ entry: 'src/main.ts' })).toThrow(StaticConfigError)
    const devServer = await createStatic({ root, dev: true, vite: { devServer: 'http://localhost:5173' } })
    expect(devServer.linkHeader({ entry: 'src/main.ts' })).toBe('')
  })
})

describe('earlyHints() over HTTP/1.1', () => {
  it('sends 103 then 200 on a raw socket only with the http1 opt-in', async () => {
    const optedIn = await pageServer({ earlyHints: { http1: true } })
    const raw = await rawExchange(optedIn.port, requestHead('GET', '/', NAVIGATE))
    expect(statusLines(raw)).toEqual(['HTTP/1.1 103 Early Hints', 'HTTP/1.1 200 OK'])
    expect(raw.split('\r\n\r\n')[0]).toBe(
      `HTTP/1.1 103 Early Hints\r\nLink: ${optedIn.assets.linkHeader(PAGE_HINTS)}`,
    )
    expect(raw.endsWith('\r\n\r\npage')).toBe(true)
    expect(optedIn.sent).toEqual([true])

    const plain = await pageServer()
    const without = await rawExchange(plain.port, requestHead('GET', '/', NAVIGATE))
    expect(statusLines(without)).toEqual(['HTTP/1.1 200 OK'])
    expect(without).not.toMatch(/^link:/im)
    expect(plain.sent).toEqual([false])
  })

  it('lets one call opt in or out, and never answers HTTP/1.0 with a 1xx', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, earlyHints: { http1: true } })
    const { url } = await listen((req, res) => {
      const http1 = req.url === '/in' ? true : req.url === '/out' ? false : undefined
      assets.earlyHints(res, PAGE_HINTS, http1 === undefined ? undefined : { http1 })
      res.end('page')
    })
    const port = Number(new URL(url).port)
    expect(statusLines(await rawExchange(port, requestHead('GET', '/out', NAVIGATE)))).toEqual([
      'HTTP/1.1 200 OK',
    ])
    expect(statusLines(await rawExchange(port, requestHead('GET', '/in', NAVIGATE)))).toHaveLength(2)
    expect(statusLines(await rawExchange(port, requestHead('GET', '/', NAVIGATE, '1.0')))).toEqual([
      'HTTP/1.1 200 OK',
    ])
  })

  it.each([
    [
      'a fetch() from a page',
      'GET',
      { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', accept: 'text/html' },
    ],
    ['a HEAD navigation', 'HEAD', NAVIGATE],
    ['an iframe without navigate mode', 'GET', { 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'no-cors' }],
    ['a client without fetch metadata that accepts anything', 'GET', { accept: '*/*' }],
    [
      'a client without fetch metadata that prefers JSON',
      'GET',
      { accept: 'application/json, text/html;q=0.5' },
    ],
  ])('sends nothing for %s', async (_name, method, headers) => {
    const { port, sent } = await pageServer({ earlyHints: { http1: true } })
    const raw = await rawExchange(port, requestHead(method, '/', headers))
    expect(statusLines(raw)).toEqual(['HTTP/1.1 200 OK'])
    expect(sent).toEqual([false])
  })

  it.each([
    ['Sec-Fetch-Dest: document alone', { 'sec-fetch-dest': 'document' }],
    [
      'an Accept that prefers HTML, without fetch metadata',
      { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    ],
  ])('sends them for %s', async (_name, headers) => {
    const { port, sent } = await pageServer({ earlyHints: { http1: true } })
    expect(statusLines(await rawExchange(port, requestHead('GET', '/', headers)))[0]).toBe(
      'HTTP/1.1 103 Early Hints',
    )
    expect(sent).toEqual([true])
  })

  it('sends one 103 per response, and leaves a response whose headers were sent untouched', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, earlyHints: { http1: true } })
    const results: boolean[] = []
    const { url } = await listen((req, res: http.ServerResponse) => {
      if (req.url === '/twice') {
        results.push(assets.earlyHints(res, PAGE_HINTS), assets.earlyHints(res, ['img/logo.svg']))
        res.end('twice')
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' })
      res.flushHeaders()
      results.push(assets.earlyHints(res, PAGE_HINTS))
      res.end('late')
    })
    const port = Number(new URL(url).port)
    const twice = await rawExchange(port, requestHead('GET', '/twice', NAVIGATE))
    expect(statusLines(twice)).toEqual(['HTTP/1.1 103 Early Hints', 'HTTP/1.1 200 OK'])
    expect(twice).not.toContain('logo.svg')
    const late = await rawExchange(port, requestHead('GET', '/late', NAVIGATE))
    expect(statusLines(late)).toEqual(['HTTP/1.1 200 OK'])
    expect(late).not.toMatch(/^link:/im)
    expect(late.endsWith('\r\n\r\nlate')).toBe(true)
    expect(results).toEqual([true, false, false])
  })
})

describe('earlyHints() over HTTP/2', () => {
  async function http2Page(assets: StaticAssets) {
    const credentials = selfSignedCertificate()
    const server = http2.createSecureServer(credentials, (_req, res) => {
      assets.earlyHints(res, PAGE_HINTS)
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('page')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const session = http2.connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      rejectUnauthorized: false,
    })
    onTestFinished(async () => {
      session.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    return (headers: Record<string, string>, method = 'GET') =>
      new Promise<{ informational: http2.IncomingHttpHeaders[]; status: number; body: string }>(
        (resolve, reject) => {
          const stream = session.request({ ':method': method, ':path': '/', ...headers })
          const informational: http2.IncomingHttpHeaders[] = []
          let status = 0
          let body = ''
          stream.on('headers', (received) => informational.push(received))
          stream.on('response', (received) => {
            status = Number(received[':status'])
          })
          stream.setEncoding('utf8')
          stream.on('data', (chunk: string) => (body += chunk))
          stream.on('end', () => resolve({ informational, status, body }))
          stream.on('error', reject)
          stream.end()
        },
      )
  }

  it('sends the 103 as an informational HEADERS frame without the http1 opt-in', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const request = await http2Page(assets)
    const navigation = await request(NAVIGATE)
    expect(navigation.informational.map((headers) => [headers[':status'], headers.link])).toEqual([
      [103, assets.linkHeader(PAGE_HINTS)],
    ])
    expect({ status: navigation.status, body: navigation.body }).toEqual({ status: 200, body: 'page' })
    expect((await request({ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' })).informational).toEqual([])
    expect((await request(NAVIGATE, 'HEAD')).informational).toEqual([])
  })
})

describe('the earlyHints option', () => {
  it.each([true, null, 'http1', { http2: true }, { http1: 'yes' }])('refuses %j', async (value) => {
    await expect(createStatic({ root: PUBLIC_ROOT, earlyHints: value as never })).rejects.toThrow(
      StaticConfigError,
    )
  })
})

describe('importMap({ preload })', () => {
  const MODULES = {
    'js/app.js': "import { greet } from 'greet'\n",
    'js/util.js': 'export const one = 1\n',
    'vendor/greet.js': "export const greet = 'hi'\n",
  }

  it('puts a modulepreload link after the map for a specifier and for a module, with the map’s integrity', async () => {
    const assets = await createStatic({ root: useTempRoot(MODULES) })
    const html = assets.importMap({
      imports: { greet: 'vendor/greet.js' },
      preload: ['greet', 'js/app.js', 'vendor/greet.js'],
      attributes: { nonce: 'n0nce' },
    })
    const closing = html.indexOf('</script>') + '</script>'.length
    expect(html.slice(0, closing)).toBe(
      assets.importMap({ imports: { greet: 'vendor/greet.js' }, attributes: { nonce: 'n0nce' } }),
    )
    const tag = (path: string) =>
      `<link rel="modulepreload" href="${assets.url(path)}" integrity="${assets.integrity(path)}" crossorigin="anonymous" nonce="n0nce">`
    expect(html.slice(closing).split('\n')).toEqual(['', tag('vendor/greet.js'), tag('js/app.js')])
  })

  it('renders the map alone without preload, and refuses what it cannot resolve', async () => {
    const assets = await createStatic({ root: useTempRoot(MODULES) })
    expect(assets.importMap()).not.toContain('modulepreload')
    expect(assets.importMap({ preload: [] })).toBe(assets.importMap())
    expect(() => assets.importMap({ preload: ['lit'] })).toThrow(/neither a specifier/)
    expect(() => assets.importMap({ preload: ['js/missing.js'] })).toThrow(MissingAssetError)
    expect(() => assets.importMap({ preload: 'greet' as never })).toThrow(TypeError)
  })
})
