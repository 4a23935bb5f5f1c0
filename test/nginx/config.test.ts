import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { main } from '../../src/cli/main.js'
import { formatAssetPath } from '../../src/http/versioned-path.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { formatNginxConfig } from '../../src/nginx/config.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, type RawResponse, request } from '../helpers/http.js'
import { BROTLI_MODULE, checkConfig, freePort, HAS_NGINX, NGINX_PATH, startNginx } from '../helpers/nginx.js'

const padding = `/* ${'text that compresses well. '.repeat(60)} */\n`
/** A stylesheet saved as ISO-8859-1: sent without a charset, by nginx as by vstatic. */
const LATIN1 = readFileSync(fileURLToPath(new URL('../../fixtures/charset/latin1.css', import.meta.url)))

const SITE: Record<string, string | Buffer> = {
  'css/site.css': `${padding}@import "theme.css";\nbody { background: url(../img/dot.svg); }\n`,
  'css/latin1.css': LATIN1,
  'notes.txt': Buffer.from('caf\xe9', 'latin1'),
  'css/theme.css': `${padding}h1 { color: green }\n`,
  'img/dot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'img/photo.png': Buffer.alloc(3000, 7),
  'js/app.js': `${padding}console.log("app")\n`,
  'data/report.json': '{"ok": true}',
  'docs/readme': 'no extension',
  'with space.txt': 'spaces',
  'favicon.ico': Buffer.alloc(200, 1),
  'robots.txt': 'User-agent: *\n',
  '.env': 'SECRET=1',
  // Deleted before the second build: their versions are kept (--keep 2) though no current file has them.
  'img/p5.jpg': Buffer.alloc(2500, 5),
  'js/gone.js': `${padding}console.log("gone")\n`,
}

/** A request of the parity table. */
interface Row {
  readonly path: string
  readonly headers?: Record<string, string>
  readonly method?: string
}

/**
 * What nginx cannot express, and so is left out of the comparison (also listed in docs/deploy.md):
 * - 405 responses carry no Allow header from nginx;
 * - a request path that climbs above the root is a 400 from nginx, a 404 from vstatic;
 * - extra query parameters next to `v=` (`?v=<token>&x=1`) get revalidation from nginx (it matches the URL exactly);
 * - ETag values differ (nginx derives them from mtime and size; vstatic from the content), only their presence is compared;
 * - a 416 from nginx is its HTML error page and keeps the URL's Cache-Control; vstatic's is empty and uncached:
 *   only the status and Content-Range are compared;
 * - Cache-Control arrives as two lines from nginx (`expires` writes max-age, add_header the rest): compared as a set of directives.
 */
const DIRECTIVES = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .sort()

function comparable(response: RawResponse) {
  // Error pages differ in body and type by nature; their status and caching must agree.
  if (response.status === 416) return { status: 416, contentRange: response.headers['content-range'] }
  if (response.status >= 400) {
    return { status: response.status, cacheControl: DIRECTIVES(response.headers['cache-control']) }
  }
  return {
    status: response.status,
    cacheControl: DIRECTIVES(response.headers['cache-control']),
    expires: response.headers.expires === undefined ? 'none' : 'set',
    etag: response.headers.etag === undefined ? 'none' : 'set',
    lastModified: response.headers['last-modified'],
    contentType: response.headers['content-type'],
    contentEncoding: response.headers['content-encoding'],
    body: response.status === 200 || response.status === 206 ? response.body.toString('base64') : '',
  }
}

/** Sends every row to both servers and expects the same answer from each. */
async function expectSameAnswers(node: string, nginx: string, rows: readonly Row[]): Promise<void> {
  for (const row of rows) {
    const options = { method: row.method ?? 'GET', headers: row.headers ?? {} }
    const fromNode = comparable(await request(node, row.path, options))
    const fromNginx = comparable(await request(nginx, row.path, options))
    expect(fromNginx, `${options.method} ${row.path} ${JSON.stringify(row.headers ?? {})}`).toEqual(fromNode)
  }
}

describe.skipIf(!HAS_NGINX)('vstatic nginx against a real nginx', () => {
  for (const versioning of ['query', 'filename'] as const) {
    it(`serves a ${versioning}-versioned build exactly as vstatic's handler does`, async () => {
      const root = useTempRoot(SITE)
      const work = useTempRoot({})
      // nginx's workers run as an unprivileged user: the temporary directories must be readable.
      chmodSync(root, 0o755)
      chmodSync(work, 0o755)
      const out = path.join(work, 'static-manifest.json')
      const outDir = path.join(work, 'dist')
      await buildManifest({ root, out, outDir, versioning, compress: true })
      writeFileSync(path.join(root, 'js/app.js'), `${padding}console.log("app, version two")\n`)
      rmSync(path.join(root, 'img/p5.jpg'))
      rmSync(path.join(root, 'js/gone.js'))
      await buildManifest({ root, out, outDir, versioning, compress: true, keep: 2 })
      const manifest = readManifest(out)
      const keptToken = (logicalPath: string) =>
        Object.values(manifest.history[0]?.files ?? {}).find((file) => file.logicalPath === logicalPath)
          ?.token ?? ''

      const brotli = existsSync(BROTLI_MODULE)
      const port = await freePort()
      const aliases = {
        '/favicon.ico': 'favicon.ico',
        '/robots.txt': 'robots.txt',
        '/notes.txt': 'notes.txt',
      }
      const config = formatNginxConfig(manifest, {
        root: outDir,
        manifestPath: out,
        listen: `127.0.0.1:${port}`,
        brotli,
        aliases,
      })
      const nginx = await startNginx(config, port, brotli)
      const assets = await createStatic({ root: outDir, manifest: out, aliases })
      const { url: node } = await listen((req, res) => assets.handle(req, res))

      const current = (logicalPath: string) => assets.url(logicalPath)
      const otherSpelling = (logicalPath: string, token: string) =>
        versioning === 'query'
          ? `/static/${logicalPath.replace(/\.(\w+)$/, `.${token}.$1`)}`
          : `/static/${logicalPath}?v=${token}`
      const ownSpelling = (logicalPath: string, token: string) =>
        versioning === 'query'
          ? `/static/${logicalPath}?v=${token}`
          : `/static/${logicalPath.replace(/\.(\w+)$/, `.${token}.$1`)}`
      const oldToken = keptToken('js/app.js')
      const [p5, gone] = [keptToken('img/p5.jpg'), keptToken('js/gone.js')]
      const table: Row[] = [
        { path: current('css/site.css') },
        { path: current('css/latin1.css') },
        { path: '/static/css/latin1.css' },
        { path: current('css/site.css'), headers: { 'accept-encoding': 'gzip' } },
        { path: current('js/app.js'), headers: { 'accept-encoding': 'gzip' } },
        { path: current('img/photo.png') },
        { path: current('data/report.json') },
        { path: current('docs/readme') },
        { path: current('with space.txt') },
        { path: '/static/css/site.css' },
        { path: '/static/js/app.js', headers: { 'accept-encoding': 'gzip' } },
        {
          path:
            versioning === 'query'
              ? '/static/css/site.css?v=0000000000000000'
              : '/static/css/site.0000000000000000.css',
        },
        {
          path: versioning === 'query' ? `/static/js/app.js?v=${oldToken}` : `/static/js/app.${oldToken}.js`,
        },
        // The other spelling of a token, current or kept, which vstatic's handler also reads.
        { path: otherSpelling('css/site.css', assets.get('css/site.css')?.token ?? '') },
        { path: otherSpelling('js/app.js', oldToken) },
        { path: otherSpelling('js/app.js', oldToken), headers: { 'accept-encoding': 'gzip' } },
        { path: '/favicon.ico' },
        { path: '/robots.txt' },
        { path: '/notes.txt' },
        { path: current('notes.txt') },
        { path: '/static/missing.css' },
        // A 404 carries no-cache from both, even after nginx's fallback for a token that is not current.
        { path: '/static/css/missing.0123456789abcdef.css' },
        { path: '/static/css/missing.css?v=0123456789abcdef' },
        { path: '/static/missing.css', method: 'HEAD' },
        { path: '/static/.env' },
        { path: '/static/img/photo.png', headers: { range: 'bytes=100-199' } },
        { path: '/static/img/photo.png', headers: { range: 'bytes=0-1,10-11' } },
        { path: '/static/img/photo.png', headers: { range: 'bytes=99999-' } },
        { path: current('img/photo.png'), method: 'HEAD' },
        { path: '/static/img/photo.png', headers: { 'if-match': '"nope"' } },
        // A kept version of a file the newer build deleted: its bytes, immutable, while it is kept.
        { path: ownSpelling('img/p5.jpg', p5) },
        { path: otherSpelling('img/p5.jpg', p5) },
        { path: otherSpelling('img/p5.jpg', p5), headers: { range: 'bytes=10-19' } },
        { path: ownSpelling('img/p5.jpg', p5), method: 'HEAD' },
        { path: ownSpelling('js/gone.js', gone), headers: { 'accept-encoding': 'gzip' } },
        { path: otherSpelling('js/gone.js', gone), headers: { 'accept-encoding': 'gzip' } },
        { path: ownSpelling('js/gone.js', gone) },
        // Only its kept token: no current file, so no fallback.
        { path: '/static/img/p5.jpg' },
        { path: ownSpelling('img/p5.jpg', '0123456789abcdef') },
        { path: otherSpelling('img/p5.jpg', '0123456789abcdef') },
      ]
      if (brotli) table.push({ path: current('css/site.css'), headers: { 'accept-encoding': 'br, gzip' } })
      await expectSameAnswers(node, nginx, table)
      const kept = await request(node, ownSpelling('img/p5.jpg', p5))
      expect([kept.status, kept.body.equals(SITE['img/p5.jpg'] as Buffer)]).toEqual([200, true])
      expect(kept.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      // Revalidation: each server answers 304 to its own validators.
      for (const base of [node, nginx]) {
        const first = await request(base, current('css/site.css'))
        const byTag = await request(base, current('css/site.css'), {
          headers: { 'if-none-match': first.headers.etag ?? '' },
        })
        // robots.txt's own date: nginx answers 304 only to the exact Last-Modified (its default
        // `if_modified_since exact`), and the fixture's files may be a second apart.
        const robots = await request(base, '/robots.txt')
        const byDate = await request(base, '/robots.txt', {
          headers: { 'if-modified-since': robots.headers['last-modified'] ?? '' },
        })
        expect([byTag.status, byDate.status], base).toEqual([304, 304])
        expect(DIRECTIVES(byTag.headers['cache-control'])).toEqual([
          'immutable',
          'max-age=31536000',
          'public',
        ])
      }
      expect([oldToken, p5, gone].every((token) => /^[0-9a-f]{16}$/.test(token))).toBe(true)
    }, 30_000)
  }

  it('keeps a "$" in a file name literal: no variable, no request header, reaches the rewrite', async () => {
    const names = [`b$${'{x}'}.js`, 'a$http_x_evil.txt', 'plain.txt']
    const root = useTempRoot(Object.fromEntries(names.map((name) => [name, `one ${name}`])))
    const work = useTempRoot({})
    chmodSync(root, 0o755)
    chmodSync(work, 0o755)
    const out = path.join(work, 'm.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root, out, outDir })
    const first = await createStatic({ root: outDir, manifest: out })
    const oldUrls = names.map((name) => first.url(name))
    for (const name of names) writeFileSync(path.join(root, name), `two ${name}`)
    await buildManifest({ root, out, outDir, keep: 2 })
    const port = await freePort()
    const config = formatNginxConfig(readManifest(out), {
      root: outDir,
      manifestPath: out,
      listen: `127.0.0.1:${port}`,
    })
    expect(() => checkConfig(config)).not.toThrow()
    const nginx = await startNginx(config, port)
    for (const [position, name] of names.entries()) {
      const response = await request(nginx, oldUrls[position] as string, {
        headers: { 'x-evil': '/plain.txt' },
      })
      expect(response.status, name).toBe(200)
      expect(response.body.toString(), name).toBe(`one ${name}`)
    }
  })

  for (const versioning of ['query', 'filename'] as const) {
    it(`never sends other bytes as immutable under a token (${versioning}): a kept copy gone, a logical-named file overwritten`, async () => {
      const root = useTempRoot({ 'a.css': 'one', 'b.txt': 'kept one' })
      const work = useTempRoot({})
      chmodSync(root, 0o755)
      chmodSync(work, 0o755)
      const out = path.join(work, 'm.json')
      const outDir = path.join(work, 'dist')
      await buildManifest({ root, out, outDir, versioning })
      const first = readManifest(out)
      const [tokenA, tokenB] = [first.assets['a.css']?.token ?? '', first.assets['b.txt']?.token ?? '']
      const spellings = (name: string, extension: string, token: string) => [
        `/static/${name}.${extension}?v=${token}`,
        `/static/${name}.${token}.${extension}`,
      ]
      // The configuration of the first build, still loaded while the next build writes its files.
      const port = await freePort()
      const config = formatNginxConfig(first, {
        root: outDir,
        manifestPath: out,
        listen: `127.0.0.1:${port}`,
      })
      const nginx = await startNginx(config, port)
      writeFileSync(path.join(root, 'a.css'), 'two')
      await buildManifest({ root, out, outDir, versioning, keep: 1 })
      for (const url of spellings('a', 'css', tokenA)) {
        const response = await request(nginx, url)
        expect([response.body.toString(), DIRECTIVES(response.headers['cache-control'])], url).toEqual([
          'two',
          ['no-cache'],
        ])
      }

      // A kept version whose copy was deleted: the current bytes, with revalidation, as vstatic sends them.
      writeFileSync(path.join(root, 'b.txt'), 'kept two')
      await buildManifest({ root, out, outDir, versioning, keep: 2 })
      rmSync(path.join(outDir, `b.${tokenB}.txt`))
      const port2 = await freePort()
      const config2 = formatNginxConfig(readManifest(out), {
        root: outDir,
        manifestPath: out,
        listen: `127.0.0.1:${port2}`,
      })
      const nginx2 = await startNginx(config2, port2)
      const assets = await createStatic({ root: outDir, manifest: out })
      const { url: node } = await listen((req, res) => assets.handle(req, res))
      for (const url of spellings('b', 'txt', tokenB)) {
        const fromNode = comparable(await request(node, url))
        expect(fromNode, url).toMatchObject({ status: 200, cacheControl: ['no-cache'] })
        expect(comparable(await request(nginx2, url)), url).toEqual(fromNode)
      }
    }, 30_000)
  }

  it('refuses a build without --out-dir that rewrote files, and serves one that rewrote none as vstatic does', async () => {
    // site.css is served rewritten (its url() and @import carry tokens): those bytes are on no disk.
    const rewriting = useTempRoot(SITE)
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root: rewriting, out, onWarning: () => {} })
    expect(readManifest(out).assets['css/site.css']?.rewritten).toBe(true)
    expect(() => formatNginxConfig(readManifest(out), { root: rewriting, manifestPath: out })).toThrow(
      /rewrote 1 file\(s\) \("css\/site\.css"\).*Build with "vstatic build --out-dir <dir>"/,
    )
    let stderr = ''
    const io = { stdout: () => undefined, stderr: (text: string) => (stderr += text) }
    expect(await main(['nginx', '--manifest', out, '--root', rewriting], io)).toBe(2)
    expect(stderr).toContain(`${JSON.stringify(out)} is a build without --out-dir that rewrote 1 file(s)`)

    // Without references to rewrite, the source root holds the bytes every token names.
    const { 'css/site.css': _rewritten, ...plain } = SITE
    const root = useTempRoot(plain)
    chmodSync(root, 0o755)
    const plainOut = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out: plainOut, compress: true })
    const port = await freePort()
    const nginx = await startNginx(
      formatNginxConfig(readManifest(plainOut), {
        root,
        manifestPath: plainOut,
        listen: `127.0.0.1:${port}`,
      }),
      port,
    )
    const assets = await createStatic({ root, manifest: plainOut })
    const { url: node } = await listen((req, res) => assets.handle(req, res))
    const theme = assets.url('css/theme.css')
    await expectSameAnswers(node, nginx, [
      { path: theme },
      { path: theme, headers: { 'accept-encoding': 'gzip' } },
      { path: formatAssetPath('/static/', 'css/theme.css', assets.get('css/theme.css')?.token, 'filename') },
      { path: '/static/css/theme.css' },
      { path: '/static/css/theme.css?v=0123456789abcdef' },
      { path: assets.url('img/p5.jpg') },
      { path: '/favicon.ico' },
    ])
  }, 30_000)

  it('nginx -t accepts every configuration the command can print', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const out = path.join(work, 'm.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root, out, outDir, compress: true })
    const manifest = readManifest(out)
    const variants = [
      {},
      { upstreams: ['127.0.0.1:8000', '127.0.0.1:8001'] },
      {
        upstreams: ['unix:/run/app.sock'],
        listen: '127.0.0.1:8080',
        serverName: 'example.com www.example.com',
      },
      { maxAge: 600, cors: '*', notFoundMaxAge: 30 },
      { aliases: { '/favicon.ico': 'favicon.ico', '/security.txt': 'robots.txt' }, hashSizes: false },
      { brotli: true },
    ]
    for (const variant of variants) {
      const config = formatNginxConfig(manifest, {
        root: outDir,
        manifestPath: out,
        listen: '127.0.0.1:1',
        ...variant,
      })
      const withBrotli = 'brotli' in variant
      if (withBrotli && !existsSync(BROTLI_MODULE)) continue
      expect(() => checkConfig(config, withBrotli), JSON.stringify(variant)).not.toThrow()
    }
  })
})

/** The local nginx's version as [major, minor, patch], or undefined without one. */
function nginxVersion(): [number, number, number] | undefined {
  if (NGINX_PATH === undefined) return undefined
  const text = spawnSync(NGINX_PATH, ['-v'], { encoding: 'utf8' }).stderr
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(text)
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])]
}

describe('vstatic nginx --early-hints', () => {
  async function build() {
    const root = useTempRoot({ 'css/app.css': 'body {}', 'js/app.js': '1' })
    const out = path.join(useTempRoot({}), 'm.json')
    await buildManifest({ root, out })
    return { root, out, manifest: readManifest(out) }
  }

  it('passes the app’s 103 on to HTTP/2 navigations in the proxied location, and only with the flag', async () => {
    const { root, out, manifest } = await build()
    const options = { root, manifestPath: out, upstreams: ['127.0.0.1:8000'] }
    const plain = formatNginxConfig(manifest, options)
    expect(plain).not.toContain('early_hints')
    const hinted = formatNginxConfig(manifest, { ...options, earlyHints: true })
    expect(hinted).toContain(
      'map $http_sec_fetch_mode $vstatic_early_hints {\n    default "";\n    navigate $http2;\n}\n',
    )
    const proxy = hinted.slice(hinted.indexOf('    location / {'))
    expect(proxy.split('\n').slice(0, 3)).toEqual([
      '    location / {',
      '        proxy_pass http://vstatic_app;',
      '        early_hints $vstatic_early_hints;',
    ])
    // Nothing else changes: the map and the one directive are all the flag adds.
    const added = hinted.split('\n').filter((line) => !plain.split('\n').includes(line))
    expect(added).toEqual([
      '# 103 Early Hints from the app, passed on to HTTP/2 navigations only (early_hints: nginx 1.29.0+).',
      'map $http_sec_fetch_mode $vstatic_early_hints {',
      '    navigate $http2;',
      '        early_hints $vstatic_early_hints;',
    ])
  })

  it('needs an upstream, in the function and on the command line', async () => {
    const { root, out, manifest } = await build()
    expect(() => formatNginxConfig(manifest, { root, manifestPath: out, earlyHints: true })).toThrow(
      /earlyHints.*needs an upstream/,
    )
    let stderr = ''
    let stdout = ''
    const io = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text) }
    expect(await main(['nginx', '--manifest', out, '--root', root, '--early-hints'], io)).toBe(2)
    expect(stderr).toContain('--early-hints needs --upstream')
    const args = ['nginx', '--manifest', out, '--root', root, '--early-hints', '--upstream', '127.0.0.1:8000']
    expect(await main(args, io)).toBe(0)
    expect(stdout).toContain('early_hints $vstatic_early_hints;')
  })

  const version = nginxVersion()
  const supported = version !== undefined && (version[0] > 1 || (version[0] === 1 && version[1] >= 29))
  it.skipIf(version === undefined)(
    `the local nginx (${version?.join('.') ?? 'none'}) ${supported ? 'accepts' : 'refuses, being older than 1.29,'} the directive; the rest of the configuration is valid`,
    async () => {
      const { root, out, manifest } = await build()
      const hinted = formatNginxConfig(manifest, {
        root,
        manifestPath: out,
        upstreams: ['127.0.0.1:8000'],
        listen: '127.0.0.1:1',
        earlyHints: true,
      })
      if (supported) {
        expect(() => checkConfig(hinted)).not.toThrow()
        return
      }
      expect(() => checkConfig(hinted)).toThrow(/unknown directive "early_hints"/)
      // Without the directive, the map (with $http2) and everything else pass nginx -t.
      expect(() =>
        checkConfig(hinted.replace('        early_hints $vstatic_early_hints;\n', '')),
      ).not.toThrow()
    },
  )
})
