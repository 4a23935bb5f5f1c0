import { existsSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { verifyManifest } from '../../src/builder/verify.js'
import { createStatic, MissingAssetError, StaticConfigError, type StaticOptions } from '../../src/index.js'
import { checkManifest } from '../../src/manifest/check.js'
import { readManifest } from '../../src/manifest/format.js'
import { useTempRoot, writeTree } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

const SITE = {
  'css/app.css': 'body { color: red }',
  'css/app.scss': '$red: red; body { color: $red }',
  'css/app.scss.gz': gzipSync('$red: red; body { color: $red }'),
  'design/logo.sketch': 'design file',
  'drafts/post.html': '<p>draft</p>',
  'drafts/deep/note.txt': 'note',
  'js/app.js': 'console.log(1)',
}
const IGNORE = ['**/*.scss', 'design', 'drafts/**']
const LEFT_OUT = [
  'css/app.scss',
  'css/app.scss.gz',
  'design/logo.sketch',
  'drafts/post.html',
  'drafts/deep/note.txt',
]

describe.each([
  { mode: 'scanned', dev: false },
  { mode: 'dev', dev: true },
])('ignore patterns ($mode)', ({ dev }) => {
  it('neither indexes nor serves what the patterns match, precompressed siblings included', async () => {
    const root = useTempRoot(SITE)
    const assets = await createStatic({ root, dev, ignore: IGNORE })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual(['css/app.css', 'js/app.js'])
    for (const logicalPath of LEFT_OUT) {
      expect(() => assets.url(logicalPath), logicalPath).toThrow(MissingAssetError)
      expect((await request(url, `/static/${logicalPath}`)).status, logicalPath).toBe(404)
    }
    expect((await request(url, assets.url('css/app.css'))).status).toBe(200)
  })

  it('matches logical paths under every root', async () => {
    const first = useTempRoot({ 'a/keep.txt': 'keep' })
    const second = useTempRoot({ 'a/skip.scss': 'skip', 'b/keep.txt': 'keep' })
    const assets = await createStatic({ root: [first, second], dev, ignore: ['**/*.scss'] })
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual(['a/keep.txt', 'b/keep.txt'])
  })
})

describe('ignore patterns in the build', () => {
  it('leaves them out of the manifest and the output directory, and records the patterns', async () => {
    const root = useTempRoot(SITE)
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root, out, outDir, ignore: IGNORE })
    const manifest = readManifest(out)
    expect(Object.keys(manifest.assets)).toEqual(['css/app.css', 'js/app.js'])
    expect(manifest.options.ignore).toEqual(IGNORE)
    for (const logicalPath of LEFT_OUT)
      expect(existsSync(path.join(outDir, logicalPath)), logicalPath).toBe(false)
    // verify applies the manifest's patterns: an ignored file added later is no difference.
    writeTree(root, { 'drafts/new.html': 'new draft' })
    expect(verifyManifest(root, out)).toEqual({ added: [], removed: [], changed: [] })
  })

  it('a runtime takes the patterns from the manifest, and refuses other ones', async () => {
    const root = useTempRoot(SITE)
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out, ignore: IGNORE })
    const loaded = await createStatic({ root, manifest: out })
    expect(loaded.assets().map((asset) => asset.logicalPath)).toEqual(['css/app.css', 'js/app.js'])
    const error = await createStatic({ root, manifest: out, ignore: ['**/*.map'] }).catch((caught) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error).toMatchObject({ option: 'ignore' })
    expect((error as Error).message).toContain('was built with ["**/*.scss","design","drafts/**"]')
  })
})

describe('the ignore option itself', () => {
  it.each([
    { given: '**/*.scss', message: 'must be a list of glob patterns' },
    { given: ['/css/app.scss'], message: 'no leading "/" or "!"' },
    { given: ['!keep.txt'], message: 'no leading "/" or "!"' },
    { given: [''], message: 'patterns are matched against logical paths' },
  ])('$given → StaticConfigError', async ({ given, message }) => {
    const options = { root: useTempRoot(SITE), ignore: given } as unknown as StaticOptions
    const error = await createStatic(options).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error).toMatchObject({ option: 'ignore' })
    expect((error as Error).message).toContain(message)
  })
})

describe('ignore patterns and the dotfile rule judged on the real path of a link', () => {
  const SECRET = 'LEFT OUT ON PURPOSE'
  /** A root with links to an ignored file, into an ignored folder and to a dotfile, and one plain link. */
  function linkedRoot(): string {
    const root = useTempRoot({
      'css/app.css': 'body {}',
      'css/app.scss': SECRET,
      'drafts/post.html': SECRET,
      '.env': SECRET,
    })
    symlinkSync(path.join(root, 'css/app.scss'), path.join(root, 'notes.txt'))
    symlinkSync(path.join(root, 'drafts'), path.join(root, 'pages'))
    symlinkSync(path.join(root, '.env'), path.join(root, 'config.txt'))
    symlinkSync(path.join(root, 'css/app.css'), path.join(root, 'theme.css'))
    return root
  }
  const REFUSED = ['notes.txt', 'pages/post.html', 'config.txt']

  it.each([
    { mode: 'scanned', dev: false },
    { mode: 'dev', dev: true },
  ])('$mode: neither indexes nor serves them, and serves a link to a kept file', async ({ dev }) => {
    const root = linkedRoot()
    const assets = await createStatic({ root, dev, ignore: ['**/*.scss', 'drafts'] })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, '/static/theme.css')).body.toString()).toBe('body {}')
    for (const logicalPath of REFUSED) {
      expect(() => assets.url(logicalPath), logicalPath).toThrow(MissingAssetError)
      const response = await request(url, `/static/${logicalPath}`)
      expect(response.status, logicalPath).toBe(404)
      expect(response.body.toString()).not.toContain(SECRET)
    }
    expect(assets.assets().map((asset) => asset.logicalPath)).toEqual(['css/app.css', 'theme.css'])
  })

  it('leaves them out of the build, with or without an output directory', async () => {
    const root = linkedRoot()
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    await buildManifest({ root, out, ignore: ['**/*.scss', 'drafts'] })
    expect(Object.keys(readManifest(out).assets)).toEqual(['css/app.css', 'theme.css'])
    await buildManifest({ root, out, outDir: path.join(work, 'dist'), ignore: ['**/*.scss', 'drafts'] })
    expect(Object.keys(readManifest(out).assets)).toEqual(['css/app.css', 'theme.css'])
    expect(existsSync(path.join(work, 'dist/notes.txt'))).toBe(false)
  })

  it('refuses, on first use, a manifest entry that now leads to an ignored file, naming the entry and the patterns', async () => {
    const root = useTempRoot({ 'public.txt': 'public', 'css/app.css': 'body {}', 'css/app.scss': SECRET })
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out, ignore: ['**/*.scss'] })
    rmSync(path.join(root, 'public.txt'))
    symlinkSync(path.join(root, 'css/app.scss'), path.join(root, 'public.txt'))
    const fault = `entry "public.txt": leads to "css/app.scss", which the build's ignore patterns ["**/*.scss"] leave out`
    // Startup reads the manifest's form; the entry's real path is looked up when it is first used.
    const warnings: string[] = []
    const assets = await createStatic({ root, manifest: out, onWarning: (message) => warnings.push(message) })
    expect(warnings).toEqual([])
    const { url } = await listen((req, res) => assets.handle(req, res))
    const response = await request(url, '/static/public.txt')
    expect([response.status, response.body.toString()]).not.toContain(SECRET)
    expect(response.status).toBe(404)
    expect(warnings).toEqual([`${JSON.stringify(out)} ${fault}; it is not served`])
    // The whole check, as vstatic verify and nginx run it, refuses the manifest at once.
    const error = (() => {
      try {
        checkManifest(readManifest(out), out, { root })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain(fault)
  })
})
