import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type BuildOptions, buildManifest } from '../../src/builder/build.js'
import { createStatic, type StaticOptions } from '../../src/index.js'
import { checkManifest, isValidContentType } from '../../src/manifest/check.js'
import { readManifest } from '../../src/manifest/format.js'
import { CLI, run } from '../helpers/cli.js'
import { type Tree, useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

const SITE: Tree = {
  'a.txt': 'alpha',
  'b.txt': 'bravo',
  'css/app.css': 'body { background: url(../img/dot.svg) }\n',
  'img/dot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  '.env': 'SECRET=hunter2',
}

/** The manifest as JSON, for editing by hand. */
interface EditableManifest {
  assets: Record<string, Record<string, unknown>>
  history: Array<{ buildId: string; files: Record<string, Record<string, unknown>> }>
}

/** Builds `tree` into a manifest outside the root (and an output directory with `outDir: true`). */
async function buildSite(
  tree: Tree,
  options: Omit<Partial<BuildOptions>, 'outDir'> & { outDir?: boolean } = {},
) {
  const root = useTempRoot(tree)
  const work = useTempRoot({})
  const out = path.join(work, 'static-manifest.json')
  const outDir = options.outDir === true ? path.join(work, 'dist') : undefined
  await buildManifest({ ...options, root, out, outDir })
  // An out-dir build is served from its output directory.
  return { root, work, out, served: outDir ?? root }
}

/**
 * SITE built into an output directory twice, keeping the first build: a.txt's first version is in
 * the manifest's history as `oldFile`, and a `.env` sits in the served directory for entries to lead to.
 */
async function siteWithKeptBuild() {
  const site = await buildSite(SITE, { outDir: true })
  writeFileSync(path.join(site.root, 'a.txt'), 'alpha, version two')
  await buildManifest({ root: site.root, out: site.out, outDir: path.join(site.work, 'dist'), keep: 2 })
  writeFileSync(path.join(site.served, '.env'), 'SECRET=hunter2')
  const build = readManifest(site.out).history[0]
  const [oldFile = ''] = Object.keys(build?.files ?? {}).filter((file) => file.startsWith('a.'))
  return { ...site, build, oldFile }
}

function edit(out: string, change: (manifest: EditableManifest) => void): void {
  const manifest = JSON.parse(readFileSync(out, 'utf8')) as EditableManifest
  change(manifest)
  writeFileSync(out, JSON.stringify(manifest, null, 2))
}

/** A well-formed entry for `content`: only its path can be at fault. */
function entryFor(content: string): Record<string, unknown> {
  const hash = createHash('sha256').update(content).digest('hex')
  const integrity = `sha384-${createHash('sha384').update(content).digest('base64')}`
  return {
    size: Buffer.byteLength(content),
    hash,
    token: hash.slice(0, 16),
    integrity,
    contentType: 'text/plain',
  }
}

async function startupError(options: StaticOptions): Promise<Error & { code?: string; option?: string }> {
  const error = await createStatic(options).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  )
  if (error === undefined) throw new Error('createStatic() accepted the manifest')
  return error
}

describe('a hand-edited manifest fails at startup, naming the file, the entry and the fault', () => {
  it('an entry for .env', async () => {
    const { root, out } = await buildSite(SITE)
    edit(out, (manifest) => {
      manifest.assets['.env'] = entryFor('SECRET=hunter2')
    })
    const error = await startupError({ root, manifest: out })
    expect(error).toMatchObject({ name: 'StaticConfigError', code: 'ERR_STATIC_OPTION', option: 'manifest' })
    expect(error.message).toBe(
      `option "manifest" ${JSON.stringify(out)} entry ".env": is a dotfile path (dotfiles: "ignore" serves none but .well-known/)`,
    )
    // Under dotfiles: 'allow' the same entry is what the option asks for.
    await expect(createStatic({ root, manifest: out, dotfiles: 'allow' })).resolves.toBeDefined()
  })

  it('a wrong token, or a hash that no longer gives the token', async () => {
    const { root, out } = await buildSite(SITE)
    const original = readManifest(out).assets['a.txt']
    edit(out, (manifest) => {
      ;(manifest.assets['a.txt'] as Record<string, unknown>).token = 'f'.repeat(16)
    })
    expect((await startupError({ root, manifest: out })).message).toMatch(
      /entry "a\.txt": has token "f{16}", but its hash gives "[0-9a-f]{16}" \(edited by hand\?\)/,
    )
    edit(out, (manifest) => {
      Object.assign(manifest.assets['a.txt'] as object, { token: original?.token, hash: 'e'.repeat(64) })
    })
    expect((await startupError({ root, manifest: out })).message).toMatch(
      /entry "a\.txt": has token "[0-9a-f]{16}", but its hash gives "e{16}"/,
    )
    edit(out, (manifest) => {
      Object.assign(manifest.assets['a.txt'] as object, { hash: 'E'.repeat(64) })
    })
    expect((await startupError({ root, manifest: out })).message).toMatch(
      /entry "a\.txt": has no valid "hash"/,
    )
  })

  it('a content type with CRLF, rather than a crash on the first request', async () => {
    const { root, out } = await buildSite(SITE)
    edit(out, (manifest) => {
      ;(manifest.assets['a.txt'] as Record<string, unknown>).contentType = 'text/plain\r\nSet-Cookie: a=1'
    })
    expect((await startupError({ root, manifest: out })).message).toMatch(
      /entry "a\.txt": has an invalid "contentType" "text\/plain\\r\\nSet-Cookie: a=1"/,
    )
  })

  it.each([
    ['a negative size', { size: -1 }, /entry "a\.txt": has no valid "size"/],
    [
      'a fractional variant size',
      { encodings: { gzip: { file: 'a.txt.gz', size: 1.5, hash: 'a'.repeat(64) } } },
      /entry "a\.txt": gzip variant: has an invalid "size" 1\.5/,
    ],
    [
      'a br variant that is a dotfile',
      { encodings: { br: { file: '.secret.br', size: 1, hash: 'a'.repeat(64) } } },
      /entry "a\.txt": br variant: "file" "\.secret\.br" is a dotfile path/,
    ],
    ['an integrity that is not SRI', { integrity: 'md5-abc' }, /has an invalid "integrity" "md5-abc"/],
  ])('%s', async (_name, change, message) => {
    const { root, out } = await buildSite(SITE)
    edit(out, (manifest) => {
      Object.assign(manifest.assets['a.txt'] as object, change)
    })
    expect((await startupError({ root, manifest: out })).message).toMatch(message)
  })

  it('a "file" field named .env', async () => {
    const { out, served } = await buildSite(SITE, { outDir: true })
    writeFileSync(path.join(served, '.env'), 'SECRET=hunter2')
    edit(out, (manifest) => {
      const entry = manifest.assets['a.txt'] as Record<string, unknown>
      entry.file = '.env'
    })
    expect((await startupError({ root: served, manifest: out })).message).toMatch(
      /entry "a\.txt": "file" "\.env" is a dotfile path/,
    )
  })

  it('a history file named .env', async () => {
    const { out, served, build, oldFile } = await siteWithKeptBuild()
    edit(out, (manifest) => {
      const files = manifest.history[0]?.files ?? {}
      files['.env'] = files[oldFile] as Record<string, unknown>
      delete files[oldFile]
    })
    expect((await startupError({ root: served, manifest: out })).message).toMatch(
      new RegExp(`history file "\\.env" \\(build "${build?.buildId}"\\): is a dotfile path`),
    )
  })
})

/**
 * Loads a manifest as createStatic() does and asks for `requestPath` twice over a socket: startup
 * reports nothing, the first use reports `fault` once (as a `manifest-mismatch` warning naming the
 * manifest and the entry) and nothing of the refused file is sent. The whole check, which `vstatic
 * verify` and `nginx` run, still refuses the manifest at once with the same fault.
 */
async function refusedOnFirstUse(
  options: StaticOptions & { manifest: string },
  requestPath: string,
  fault: RegExp,
) {
  const warnings: Array<{ message: string; kind: string | undefined }> = []
  const assets = await createStatic({
    ...options,
    onWarning: (message, context) => warnings.push({ message, kind: context?.kind }),
  })
  expect(warnings).toEqual([])
  const { url } = await listen((req, res) => assets.handle(req, res))
  const responses = [await request(url, requestPath), await request(url, requestPath)]
  for (const response of responses) expect(response.body.toString()).not.toMatch(/SECRET|outside/)
  expect(warnings).toHaveLength(1)
  expect(warnings[0]?.kind).toBe('manifest-mismatch')
  expect(warnings[0]?.message).toMatch(
    new RegExp(`^${escapeRegex(JSON.stringify(options.manifest))} .*${fault.source}; it is not served$`),
  )
  const { root, manifest, dotfiles, followSymlinksOutsideRoot } = options
  expect(() =>
    checkManifest(readManifest(manifest), manifest, {
      root: root as string,
      dotfiles,
      followSymlinksOutsideRoot,
    }),
  ).toThrow(new RegExp(`${fault.source}$`))
  return responses
}

describe('an entry whose real path the root refuses starts, is reported on first use and is never served', () => {
  it('an entry whose path runs through a symlinked directory out of the root', async () => {
    const { root, out } = await buildSite(SITE)
    const outside = useTempRoot({ 'secret.txt': 'outside' })
    symlinkSync(outside, path.join(root, 'linkdir'))
    edit(out, (manifest) => {
      manifest.assets['linkdir/secret.txt'] = entryFor('outside')
    })
    const responses = await refusedOnFirstUse(
      { root, manifest: out },
      '/static/linkdir/secret.txt',
      /entry "linkdir\/secret\.txt": leads outside the root \(to ".*secret\.txt"\)/,
    )
    expect(responses.map((response) => response.status)).toEqual([404, 404])
    const following = await createStatic({ root, manifest: out, followSymlinksOutsideRoot: true })
    expect(following.get('linkdir/secret.txt')).toBeDefined()
    // Outside the root too, a link to a dotfile is refused.
    writeFileSync(path.join(outside, '.hidden'), 'outside and hidden')
    symlinkSync(path.join(outside, '.hidden'), path.join(root, 'hidden.txt'))
    edit(out, (manifest) => {
      manifest.assets['hidden.txt'] = entryFor('outside and hidden')
    })
    await refusedOnFirstUse(
      { root, manifest: out, followSymlinksOutsideRoot: true },
      '/static/hidden.txt',
      /entry "hidden\.txt": leads to a dotfile outside the root \(to ".*\.hidden"\)/,
    )
  })

  it('an entry that is a symlink to .env inside the root; url() then finds no such file', async () => {
    const { root, out } = await buildSite(SITE)
    symlinkSync('.env', path.join(root, 'config.txt'))
    edit(out, (manifest) => {
      manifest.assets['config.txt'] = entryFor('SECRET=hunter2')
    })
    const responses = await refusedOnFirstUse(
      { root, manifest: out },
      '/static/config.txt',
      /entry "config\.txt": leads to "\.env", a dotfile path/,
    )
    expect(responses.map((response) => response.status)).toEqual([404, 404])
    const assets = await createStatic({ root, manifest: out, onWarning() {} })
    expect(() => assets.url('config.txt')).toThrow(/config\.txt/)
    expect(assets.assets().map((asset) => asset.logicalPath)).not.toContain('config.txt')
  })

  it('a "file" field that is a symlink to .env', async () => {
    const { served, out } = await buildSite(SITE, { outDir: true })
    writeFileSync(path.join(served, '.env'), 'SECRET=hunter2')
    edit(out, (manifest) => {
      const entry = manifest.assets['a.txt'] as Record<string, unknown>
      entry.file = 'a.0123456789abcdef.txt'
    })
    symlinkSync('.env', path.join(served, 'a.0123456789abcdef.txt'))
    const responses = await refusedOnFirstUse(
      { root: served, manifest: out },
      '/static/a.txt',
      /entry "a\.txt": "file" "a\.0123456789abcdef\.txt" leads to "\.env", a dotfile path/,
    )
    expect(responses.map((response) => response.status)).toEqual([404, 404])
  })

  it('a history file replaced by a link to .env: its old token gets the current file', async () => {
    const { out, served, build, oldFile } = await siteWithKeptBuild()
    const oldToken = build?.files[oldFile]?.token
    rmSync(path.join(served, oldFile))
    symlinkSync('.env', path.join(served, oldFile))
    const responses = await refusedOnFirstUse(
      { root: served, manifest: out },
      `/static/a.txt?v=${oldToken}`,
      new RegExp(
        `history file "a\\.[0-9a-f]{16}\\.txt" \\(build "${build?.buildId}"\\): leads to "\\.env", a dotfile path`,
      ),
    )
    for (const response of responses) {
      expect([response.status, response.body.toString()]).toEqual([200, 'alpha, version two'])
      expect(response.headers['cache-control']).not.toContain('immutable')
    }
  })

  it('a history file two builds kept under other tokens: the variants of each record are checked', async () => {
    const { out, served, oldFile } = await siteWithKeptBuild()
    // A hand-added older build lists the same file under another token, with a br variant that
    // leads to .env: the second record is what a request for that token would be served from.
    const otherToken = 'e'.repeat(16)
    edit(out, (manifest) => {
      const record: Record<string, unknown> = {
        ...manifest.history[0]?.files[oldFile],
        hash: 'e'.repeat(64),
        token: otherToken,
        encodings: { br: { file: 'a.br', size: 14, hash: 'f'.repeat(64) } },
      }
      manifest.history.push({ buildId: 'hand-added', files: { [oldFile]: record } })
    })
    symlinkSync('.env', path.join(served, 'a.br'))
    const responses = await refusedOnFirstUse(
      { root: served, manifest: out },
      `/static/a.txt?v=${otherToken}`,
      /history file "a\.[0-9a-f]{16}\.txt" \(build "[^"]+"\): br variant: "file" "a\.br" leads to "\.env", a dotfile path/,
    )
    for (const response of responses) expect(response.headers['content-encoding']).toBeUndefined()
  })

  it.each([
    ['a directory', (file: string) => mkdirSync(file)],
    ['a FIFO', (file: string) => spawnSync('mkfifo', [file])],
  ])('an entry that is %s on disk', async (_kind, make) => {
    const { root, out } = await buildSite(SITE)
    make(path.join(root, 'other.txt'))
    edit(out, (manifest) => {
      manifest.assets['other.txt'] = entryFor('x')
    })
    const responses = await refusedOnFirstUse(
      { root, manifest: out },
      '/static/other.txt',
      /entry "other\.txt": is not a regular file/,
    )
    expect(responses.map((response) => response.status)).toEqual([404, 404])
  })
})

describe('a manifest that does not match its root fails at startup with the likely fix', () => {
  it('an out-dir manifest loaded against the source root', async () => {
    const { root, work, out } = await buildSite(SITE, { outDir: true })
    const error = await startupError({ root, manifest: out })
    expect(error.message).toMatch(
      new RegExp(
        `was built with --out-dir, but root ${escapeRegex(JSON.stringify(root))} looks like the source: ` +
          '4 of 4 fingerprinted files \\(e\\.g\\. "a\\.[0-9a-f]{16}\\.txt", .*\\) are missing there while their plain names exist; ' +
          `pass root: ${escapeRegex(JSON.stringify(path.join(work, 'dist')))}$`,
      ),
    )
    // The output directory it names is the right one.
    await expect(createStatic({ root: path.join(work, 'dist'), manifest: out })).resolves.toBeDefined()
  })

  it('a manifest whose files are mostly missing under root', async () => {
    const { root, out } = await buildSite(SITE)
    for (const file of ['a.txt', 'b.txt', 'css/app.css']) rmSync(path.join(root, file))
    expect((await startupError({ root, manifest: out })).message).toBe(
      `option "manifest" ${JSON.stringify(out)} does not match root ${JSON.stringify(root)}: ` +
        '3 of 4 files it lists are missing there ("a.txt", "b.txt", "css/app.css"); ' +
        'pass the root it was built from, or rebuild it with "vstatic build"',
    )
  })

  it('tells another root by a sample at startup, and names the files from the whole list', async () => {
    // More entries than the sample: 150 of 200 files gone, spread over the list.
    const tree: Tree = {}
    for (let file = 0; file < 200; file++) tree[`f/${String(file).padStart(3, '0')}.txt`] = `file ${file}`
    const { root, out } = await buildSite(tree)
    for (let file = 0; file < 200; file++) {
      if (file % 4 !== 0) rmSync(path.join(root, `f/${String(file).padStart(3, '0')}.txt`))
    }
    expect((await startupError({ root, manifest: out })).message).toBe(
      `option "manifest" ${JSON.stringify(out)} does not match root ${JSON.stringify(root)}: ` +
        '150 of 200 files it lists are missing there (e.g. "f/001.txt", "f/002.txt", "f/003.txt"); ' +
        'pass the root it was built from, or rebuild it with "vstatic build"',
    )
    // 67 of 200 gone is a root that lost some files: it starts, and they answer 404.
    for (let file = 0; file < 200; file++) {
      const name = path.join(root, `f/${String(file).padStart(3, '0')}.txt`)
      if (file % 4 !== 0 && file >= 90) writeFileSync(name, `file ${file}`)
    }
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, assets.url('f/001.txt'))).status).toBe(404)
    expect((await request(url, assets.url('f/199.txt'))).status).toBe(200)
  })

  it('still starts when some files are gone (they answer 404)', async () => {
    const { root, out } = await buildSite(SITE)
    rmSync(path.join(root, 'a.txt'))
    rmSync(path.join(root, 'b.txt'))
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, assets.url('a.txt'))).status).toBe(404)
    expect((await request(url, assets.url('img/dot.svg'))).status).toBe(200)
  })
})

describe('manifests that vstatic build writes', () => {
  it("load, reference cycles included (their members share a token that is not their hash's)", async () => {
    const { root, out } = await buildSite({
      'a.css': '@import "b.css";\n',
      'b.css': '@import "a.css";\n',
      'plain.txt': 'plain',
    })
    const manifest = readManifest(out)
    expect([
      manifest.assets['a.css']?.cycle,
      manifest.assets['b.css']?.cycle,
      manifest.assets['plain.txt']?.cycle,
    ]).toEqual([true, true, undefined])
    const assets = await createStatic({ root, manifest: out })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const response = await request(url, assets.url('a.css'))
    expect([response.status, response.headers['cache-control']]).toEqual([
      200,
      'public, max-age=31536000, immutable',
    ])
  })

  it('leave a symlink to a dotfile out, so the manifest they write loads', async () => {
    const { root, out } = await buildSite(SITE)
    symlinkSync('.env', path.join(root, 'config.txt'))
    await buildManifest({ root, out })
    expect(Object.keys(readManifest(out).assets)).not.toContain('config.txt')
    await expect(createStatic({ root, manifest: out })).resolves.toBeDefined()
    // A scanned root follows the same rule.
    expect((await createStatic({ root })).get('config.txt')).toBeUndefined()
  })

  it('are checked without the disk when the root is not on this machine', async () => {
    const { out } = await buildSite(SITE)
    const manifest = readManifest(out)
    expect(() => checkManifest(manifest, out, { root: '/no/such/root' })).not.toThrow()
    expect(() =>
      checkManifest(
        { ...manifest, assets: { ...manifest.assets, '.git/config': manifest.assets['a.txt'] as never } },
        out,
        { root: '/no/such/root' },
      ),
    ).toThrow(/entry "\.git\/config": is a dotfile path/)
  })
})

describe('content types accepted from a manifest', () => {
  it.each([
    ['text/css; charset=utf-8', true],
    ['application/octet-stream', true],
    ['image/svg+xml', true],
    ['text/plain; charset="utf-8"; format=flowed', true],
    ['text/plain\r\nSet-Cookie: a=1', false],
    ['text/plain\u0000', false],
    ['text/plain\u007f', false],
    ['text/plain; name="\n"', false],
    ['plain', false],
    ['', false],
    ['text/plain; charset=é', false],
  ])('%j → %s', (value, valid) => {
    expect(isValidContentType(value)).toBe(valid)
  })
})

describe('the CLI reports a manifest that fails its checks (exit 2, the fault on stderr)', () => {
  it('vstatic serve --manifest, in one process and with workers', async () => {
    const { root, out } = await buildSite(SITE)
    edit(out, (manifest) => {
      manifest.assets['.env'] = entryFor('SECRET=hunter2')
    })
    for (const extra of [[], ['--workers', '2']]) {
      const result = spawnSync(
        process.execPath,
        [CLI, 'serve', root, '--manifest', out, '--port', '0', ...extra],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      )
      expect([result.status, result.stdout]).toEqual([2, ''])
      expect(result.stderr).toBe(
        `vstatic: option "manifest" ${JSON.stringify(out)} entry ".env": is a dotfile path (dotfiles: "ignore" serves none but .well-known/)\n` +
          'Run "vstatic serve --help" for usage.\n',
      )
    }
  })

  it('vstatic verify', async () => {
    const { root, out } = await buildSite(SITE)
    edit(out, (manifest) => {
      ;(manifest.assets['a.txt'] as Record<string, unknown>).contentType = 'text/plain\r\nX: 1'
    })
    const result = await run(['verify', root, '--manifest', out])
    expect([result.code, result.stdout]).toEqual([2, ''])
    expect(result.stderr).toMatch(
      /^vstatic: option "manifest" .* entry "a\.txt": has an invalid "contentType"/,
    )
  })

  it('vstatic verify still lists missing files itself, against the source of an out-dir build', async () => {
    const { root, out } = await buildSite(SITE, { outDir: true })
    rmSync(path.join(root, 'a.txt'))
    rmSync(path.join(root, 'b.txt'))
    rmSync(path.join(root, 'css/app.css'))
    const result = await run(['verify', root, '--manifest', out])
    expect([result.code, result.stdout]).toEqual([
      1,
      'removed  a.txt\nremoved  b.txt\nremoved  css/app.css\n',
    ])
  })

  it('vstatic nginx, given the source root for an out-dir build', async () => {
    const { root, work, out } = await buildSite(SITE, { outDir: true })
    const result = await run(['nginx', '--manifest', out, '--root', root])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`pass root: ${JSON.stringify(path.join(work, 'dist'))}`)
    expect((await run(['nginx', '--manifest', out, '--root', path.join(work, 'dist')])).code).toBe(0)
  })
})

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
