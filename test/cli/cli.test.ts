import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createStatic } from '../../src/index.js'
import { CLI, run } from '../helpers/cli.js'
import { PUBLIC_ROOT, useTempRoot, writeTree } from '../helpers/fixtures.js'
import { getAndHead, request } from '../helpers/http.js'

/** Starts `vstatic serve` as a child process and waits for its URL. */
async function startServe(
  args: string[],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 10_000)
    child.stdout?.on('data', () => {
      const match = /Listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', () => reject(new Error(`serve exited: ${output}`)))
  })
  return { child, url, output: () => output }
}

describe('vstatic url', () => {
  it('prints each URL exactly as assets.url() gives it', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const result = await run(['url', 'css/app.css', '/with space.txt', '--root', PUBLIC_ROOT])
    expect(result).toEqual({
      code: 0,
      stdout: `${assets.url('css/app.css')}\n${assets.url('with space.txt')}\n`,
      stderr: '',
    })
  })

  it('honours --prefix and --no-version', async () => {
    const result = await run([
      'url',
      'js/app.js',
      '--root',
      PUBLIC_ROOT,
      '--prefix',
      '/assets/',
      '--no-version',
    ])
    expect(result.stdout).toBe('/assets/js/app.js\n')
  })

  it('warns only about the files asked for, not about every stylesheet of the root', async () => {
    const root = useTempRoot({
      'css/app.css': 'body { color: red }',
      'css/other.css': 'a { background: url(missing.png) }',
      'css/a.css': '@import "b.css";',
      'css/b.css': '@import "a.css";',
    })
    expect(await run(['url', 'css/app.css', '--root', root])).toMatchObject({ code: 0, stderr: '' })
    expect((await run(['url', 'css/other.css#x', '--root', root])).stderr).toBe(
      'vstatic: warning: css/other.css:1: reference "missing.png" left as is (css/missing.png is not in the root)\n',
    )
    expect((await run(['url', 'css/app.css', 'css/b.css', '--root', root])).stderr).toBe(
      'vstatic: warning: reference cycle between css/a.css, css/b.css; they share one version\n',
    )
  })

  it('exits 1 with the error on stderr for a missing path, still printing the others', async () => {
    const result = await run(['url', 'nope.css', 'robots.txt', '--root', PUBLIC_ROOT])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^\/static\/robots\.txt\?v=[0-9a-f]{16}\n$/)
    expect(result.stderr).toBe(`vstatic: static asset "nope.css" is not in ${JSON.stringify(PUBLIC_ROOT)}\n`)
  })

  it.each([
    [['url', 'a.css'], 'url needs --root <dir>'],
    [['url', '--root', PUBLIC_ROOT], 'url needs at least one path'],
    [['url', 'a.css', '--root', 'does/not/exist'], 'option "root" must be an existing directory'],
    [['url', 'a.css', '--root', PUBLIC_ROOT, '--bogus'], 'unknown option --bogus'],
    [['serve'], 'serve needs the directory to serve'],
    [['serve', PUBLIC_ROOT, '--port', 'http'], '--port must be a whole number'],
    [['serve', PUBLIC_ROOT, '--port', '70000'], '--port must be from 0 to 65535'],
    [['serve', PUBLIC_ROOT, '--alias', 'sitemap.xml'], '--alias must look like /sitemap.xml=sitemap.xml'],
    [['serve', PUBLIC_ROOT, '--drain-timeout', '1.5'], '--drain-timeout must be a whole number'],
    [['serve', PUBLIC_ROOT, '--headers-timeout', '0'], '--headers-timeout must be 1 or more, got 0'],
    [
      ['serve', PUBLIC_ROOT, '--headers-timeout', '40'],
      '--headers-timeout (40) must not exceed --request-timeout (30)',
    ],
    [['serve', PUBLIC_ROOT, '--max-connections', '0'], '--max-connections must be 1 or more, got 0'],
    [['serve', 'does/not/exist'], 'option "root" must be an existing directory'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const result = await run(argv)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr).toContain('--help')
  })

  it.each([[['--help']], [['serve', '--help']], [['url', '--help']], [['url', '-h']]])(
    '%j prints help and exits 0',
    async (argv) => {
      const result = await run(argv)
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Usage: vstatic/)
    },
  )

  it('runs as the installed bin', () => {
    const result = spawnSync(process.execPath, [CLI, 'url', 'robots.txt', '--root', PUBLIC_ROOT], {
      encoding: 'utf8',
    })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^\/static\/robots\.txt\?v=[0-9a-f]{16}\n$/)
  })
})

describe('vstatic build and verify', () => {
  it('builds, prints a JSON summary, and verifies', async () => {
    const root = useTempRoot({ 'a.css': 'x{background:url(b.png)}', 'b.png': 'png' })
    const out = path.join(useTempRoot({}), 'm.json')
    const built = await run(['build', root, '--out', out, '--json'])
    expect(built.code).toBe(0)
    expect(JSON.parse(built.stdout)).toMatchObject({ manifestPath: out, files: 2, rewritten: 1 })
    expect(await run(['verify', root, '--manifest', out])).toEqual({
      code: 0,
      stdout: `${out} matches ${root}\n`,
      stderr: '',
    })
    writeTree(root, { 'b.png': 'changed' })
    const verified = await run(['verify', root, '--manifest', out])
    expect(verified.code).toBe(1)
    expect(verified.stdout).toBe('changed  a.css\nchanged  b.png\n')
    expect(verified.stderr).toContain('2 difference(s)')
  })

  it('--strict fails on a reference left as is, a cycle or a case collision, and writes nothing', async () => {
    const root = useTempRoot({
      'css/app.css': 'a { background: url(missing.png) }',
      'css/a.css': '@import "b.css";',
      'css/b.css': '@import "a.css";',
      'img/Logo.png': 'one',
      'img/logo.png': 'two',
    })
    const out = path.join(useTempRoot({}), 'm.json')
    const lenient = await run(['build', root, '--out', out])
    expect(lenient.code).toBe(0)
    expect(lenient.stderr.split('\n').filter(Boolean)).toHaveLength(3)
    const before = readFileSync(out, 'utf8')
    writeTree(root, { 'extra.txt': 'a new file' })
    const strict = await run(['build', root, '--out', out, '--strict'])
    expect(strict).toEqual({
      code: 1,
      stdout: '',
      stderr: `vstatic: build failed (--strict): 3 problems, nothing written
  css/app.css:1: reference "missing.png" left as is (css/missing.png is not in the root)
  reference cycle between css/a.css, css/b.css; they share one version
  paths differ only in case: img/Logo.png, img/logo.png
`,
    })
    expect(readFileSync(out, 'utf8')).toBe(before)
    const clean = useTempRoot({ 'css/app.css': 'a { background: url(../img/a.png) }', 'img/a.png': 'png' })
    expect(await run(['build', clean, '--out', out, '--strict', '--quiet'])).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    })
  })

  it('--strict that fails still writes --report, with the problems that stopped it', async () => {
    const root = useTempRoot({ 'css/app.css': 'a { background: url(missing.png) }', 'img/a.png': 'png' })
    const work = useTempRoot({})
    const [out, page] = [path.join(work, 'm.json'), path.join(work, 'report.html')]
    const failed = await run(['build', root, '--out', out, '--strict', '--quiet', '--report', page])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain(`Report: ${page}\n`)
    expect(existsSync(out)).toBe(false)
    const html = readFileSync(page, 'utf8')
    expect(html).toContain('<h1>Build failed (--strict)</h1>')
    expect(html).toContain('data-problems="1"')
    expect(html).toContain('css/app.css:1: reference &#34;missing.png&#34; left as is')
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)
  })

  it('takes the bundler pattern from --fingerprinted', async () => {
    const root = useTempRoot({ 'dist/app.v42.js': 'x', 'assets/index-AbCd1234.js': 'y' })
    const out = path.join(useTempRoot({}), 'm.json')
    await run(['build', root, '--out', out, '--fingerprinted', '\\.v\\d+\\.js$', '--quiet'])
    const manifest = JSON.parse(readFileSync(out, 'utf8'))
    expect(manifest.assets['dist/app.v42.js'].fingerprinted).toBe(true)
    expect(manifest.assets['assets/index-AbCd1234.js'].fingerprinted).toBeUndefined()
    await run(['build', root, '--out', out, '--fingerprinted', 'none', '--quiet'])
    expect(
      JSON.parse(readFileSync(out, 'utf8')).assets['assets/index-AbCd1234.js'].fingerprinted,
    ).toBeUndefined()
  })

  it('prints one summary line, or nothing with --quiet', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const out = path.join(useTempRoot({}), 'm.json')
    const normal = await run(['build', root, '--out', out, '--out-dir', path.join(path.dirname(out), 'dist')])
    expect(normal.stdout).toMatch(
      /^Wrote .*m\.json: 1 files, 0\.00 MB, 0 rewritten, 2 files written to .*dist, 0 old removed; build [0-9a-f]{16} in \d+ ms\n$/,
    )
    expect(await run(['build', root, '--out', out, '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('serves and prints URLs from a manifest', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const out = path.join(useTempRoot({}), 'm.json')
    await run(['build', root, '--out', out, '--versioning', 'filename'])
    const printed = await run(['url', 'a.txt', '--root', root, '--manifest', out])
    expect(printed.stdout).toMatch(/^\/static\/a\.[0-9a-f]{16}\.txt\n$/)
    const { url } = await startServe([root, '--port', '0', '--quiet', '--manifest', out])
    const response = await getAndHead(url, printed.stdout.trim())
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it.each([
    [['build'], 'build needs the static directory'],
    [['build', PUBLIC_ROOT, '--keep', '3'], '--keep needs --out-dir'],
    [['build', 'no/such/dir'], 'option "root" must be an existing directory'],
    [
      ['build', PUBLIC_ROOT, '--versioning', 'hash'],
      '--versioning must be one of "query", "filename", got "hash"',
    ],
    [
      ['build', PUBLIC_ROOT, '--integrity', 'md5'],
      '--integrity must be one of "sha256", "sha384", "sha512", got "md5"',
    ],
    [['build', PUBLIC_ROOT, '--dotfiles', 'deny'], '--dotfiles must be one of "ignore", "allow", got "deny"'],
    [['url', 'robots.txt', '--root', PUBLIC_ROOT, '--versioning', 'x'], '--versioning must be one of'],
    [['verify', PUBLIC_ROOT, '--manifest', 'm.json', '--dotfiles', 'x'], '--dotfiles must be one of'],
    [
      ['nginx', '--manifest', 'm.json', '--root', PUBLIC_ROOT, '--dotfiles', 'x'],
      '--dotfiles must be one of',
    ],
    [['verify', PUBLIC_ROOT, '--manifest', 'no/such.json'], 'does not exist'],
  ])('%j fails with exit 2: %s', async (argv, message) => {
    const result = await run(argv)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })

  it.each([[['build', '--help']], [['verify', '--help']]])('%j prints help', async (argv) => {
    const result = await run(argv)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: vstatic (build|verify)/)
  })
})

describe.skipIf(!existsSync('/usr/bin/script'))('vstatic build on a terminal', () => {
  it('shows a progress bar through every phase (files and megabytes, as the summary counts them) for a large tree, and none with --quiet', () => {
    const tree: Record<string, string> = {}
    for (let i = 0; i < 400; i++) tree[`d${i % 10}/f${i}.txt`] = `file ${i}`
    const root = useTempRoot(tree)
    const out = path.join(useTempRoot({}), 'm.json')
    const onTerminal = (args: string) =>
      spawnSync(
        'script',
        ['-qec', `"${process.execPath}" "${CLI}" build "${root}" --out "${out}" ${args}`, '/dev/null'],
        {
          encoding: 'utf8',
        },
      ).stdout
    const shown = onTerminal('')
    // Every phase is drawn at its end, with the files and megabytes of the summary.
    const megabytes = /Wrote .*m\.json: 400 files, ([\d.]+) MB/.exec(shown)?.[1]
    expect(megabytes).toBeDefined()
    const shownMegabytes = Number(megabytes).toFixed(1).replace('.', '\\.')
    for (const phase of ['read', 'rewrite', 'write'])
      expect(shown).toMatch(new RegExp(`${phase} \\[[█░]+\\] 400/400 files, ${shownMegabytes} MB`))
    expect(onTerminal('--quiet')).not.toMatch(/files/)
  })
})

describe('vstatic serve (child process)', () => {
  it('serves the directory, logs one line per request and stops on SIGTERM', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const { child, url, output } = await startServe([PUBLIC_ROOT, '--port', '0'])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const versioned = await getAndHead(url, assets.url('css/app.css'))
    expect(versioned.status).toBe(200)
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await getAndHead(url, '/favicon.ico')).status).toBe(200)
    expect((await getAndHead(url, '/static/docs/')).status).toBe(200)
    expect((await request(url, '/static/missing')).status).toBe(404)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const size = assets.get('css/app.css')?.size
    const time = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z'
    expect(output()).toMatch(
      new RegExp(
        `^${time} 127\\.0\\.0\\.1 GET /static/css/app\\.css\\?v=[0-9a-f]{16} 200 ${size} \\d+\\.\\dms$`,
        'm',
      ),
    )
    expect(output()).toMatch(
      new RegExp(`^${time} 127\\.0\\.0\\.1 GET /static/missing 404 10 \\d+\\.\\dms$`, 'm'),
    )
    expect(output()).toMatch(/^Received SIGTERM, closing$/m)
  })

  it('takes --prefix, --alias, --quiet and --dev', async () => {
    const { url, output } = await startServe([
      PUBLIC_ROOT,
      '--port',
      '0',
      '--prefix',
      '/assets/',
      '--alias',
      '/security.txt=.well-known/security.txt',
      '--quiet',
      '--dev',
    ])
    expect((await getAndHead(url, '/assets/js/app.js')).status).toBe(200)
    expect((await getAndHead(url, '/security.txt')).body.toString()).toContain('security@example.com')
    expect((await request(url, '/static/js/app.js')).status).toBe(404)
    expect(output()).not.toMatch(/ GET /)
    expect(output()).toContain('(dev mode)')
  })

  it('reports a port that is taken and exits 1', async () => {
    const first = await startServe([PUBLIC_ROOT, '--port', '0', '--quiet'])
    const port = new URL(first.url).port
    const second = spawnSync(process.execPath, [CLI, 'serve', PUBLIC_ROOT, '--port', port], {
      encoding: 'utf8',
    })
    expect(second.status).toBe(1)
    expect(second.stderr).toBe(
      `vstatic: port ${port} on 127.0.0.1 is already in use by another program; stop it or choose another with --port\n`,
    )
  })
})
