import { readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { verifyManifest } from '../../src/builder/verify.js'
import { createStatic, MissingAssetError, StaticConfigError, type StaticOptions } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { OUTSIDE_FILE, OUTSIDE_TEXT, PUBLIC_ROOT, useTempRoot, writeTree } from '../helpers/fixtures.js'
import { getAndHead, listen, request } from '../helpers/http.js'

/** An app's own files, and a theme it overrides one of (the order of load paths). */
function twoRoots() {
  const app = useTempRoot({ 'css/site.css': 'app wins', 'js/app.js': 'app' })
  const theme = useTempRoot({
    'css/site.css': 'theme loses',
    'css/theme.css': '.t { background: url(../img/dot.svg) }',
    'img/dot.svg': '<svg/>',
    '.env': 'SECRET=1',
  })
  return { app, theme }
}

async function serve(options: StaticOptions) {
  const warnings: string[] = []
  const assets = await createStatic({ onWarning: (message) => warnings.push(message), ...options })
  const { url } = await listen((req, res) => assets.handle(req, res))
  return { assets, url, warnings }
}

describe.each([
  { mode: 'scanned', dev: false },
  { mode: 'dev', dev: true },
])('several roots ($mode)', ({ dev }) => {
  it('serves each logical path from the first root that has it, and the rest from later roots', async () => {
    const { app, theme } = twoRoots()
    const { assets, url } = await serve({ root: [app, theme], dev })
    expect(assets.roots).toEqual([app, theme])
    expect(assets.root).toBe(app)
    expect((await getAndHead(url, assets.url('css/site.css'))).body.toString()).toBe('app wins')
    const themed = await getAndHead(url, assets.url('css/theme.css'))
    expect(themed.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // References inside a later root's file resolve across the roots, versioned.
    const token = assets.get('img/dot.svg')?.token
    expect(themed.body.toString()).toBe(`.t { background: url(../img/dot.svg?v=${token}) }`)
    expect(assets.get('css/site.css')?.root).toBe(app)
    expect(assets.get('css/theme.css')?.root).toBe(theme)
  })

  it('reports a shadowed file once, however often it is asked for', async () => {
    const { app, theme } = twoRoots()
    const { assets, url, warnings } = await serve({ root: [app, theme], dev })
    for (let round = 0; round < 3; round++) {
      assets.url('css/site.css')
      await request(url, '/static/css/site.css')
      assets.assets()
    }
    expect(warnings).toEqual([
      `css/site.css is in ${app} and in ${theme}; the first root wins, so the copy in ${theme} is not served`,
    ])
  })

  // Dev mode finds shadowed files as they are asked for, one warning each (see above).
  it.skipIf(dev)(
    'sums up the files a later root shadows in one warning, with its kind and paths',
    async () => {
      const names = Array.from({ length: 12 }, (_, i) => `img/${String(i).padStart(2, '0')}.svg`)
      const tree = Object.fromEntries(names.map((name) => [name, '<svg/>']))
      const [app, theme] = [useTempRoot(tree), useTempRoot(tree)]
      const heard: Array<{ message: string; kind?: string; paths?: readonly string[] }> = []
      await createStatic({
        root: [app, theme],
        dev,
        onWarning: (message, context) => heard.push({ message, kind: context?.kind, paths: context?.paths }),
      })
      expect(heard).toEqual([
        {
          message: `12 files are in ${app} and in ${theme}; the first root wins, so the copies in ${theme} are not served: ${names.slice(0, 10).join(', ')} and 2 more`,
          kind: 'shadowed',
          paths: names,
        },
      ])
    },
  )

  it('names every root when a file is in none', async () => {
    const { app, theme } = twoRoots()
    const { assets } = await serve({ root: [app, theme], dev })
    const error = (() => {
      try {
        return assets.url('css/nope.css')
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(MissingAssetError)
    expect((error as Error).message).toBe(
      `static asset "css/nope.css" is not in ${JSON.stringify(app)} or ${JSON.stringify(theme)}`,
    )
  })

  it('keeps every root to its own rules: no dotfile, no link out of the roots, no byte from outside', async () => {
    const { app, theme } = twoRoots()
    symlinkSync(OUTSIDE_FILE, path.join(theme, 'outside.txt'))
    symlinkSync(path.dirname(OUTSIDE_FILE), path.join(theme, 'up'))
    const { url } = await serve({ root: [app, theme], dev })
    for (const target of [
      '/static/.env',
      '/static/outside.txt',
      '/static/up/outside.txt',
      '/static/../outside.txt',
      '/static/%2e%2e/outside.txt',
    ]) {
      const response = await request(url, target)
      expect(response.status, target).toBe(404)
      expect(response.body.toString()).not.toContain(OUTSIDE_TEXT)
      expect(response.body.toString()).not.toContain('SECRET')
    }
  })
})

describe('several roots: files that change after startup', () => {
  it('never follows a file of one root swapped for a link into another root', async () => {
    const { app, theme } = twoRoots()
    writeFileSync(path.join(theme, 'private.txt'), 'theme private')
    const { assets, url } = await serve({ root: [app, theme], ignore: ['private.txt'] })
    const before = await request(url, assets.url('js/app.js'))
    expect(before.body.toString()).toBe('app')
    renameSync(path.join(app, 'js/app.js'), path.join(app, 'js/moved.js'))
    symlinkSync(path.join(theme, 'private.txt'), path.join(app, 'js/app.js'))
    await new Promise((resolve) => setTimeout(resolve, 1100))
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await request(url, '/static/js/app.js')
      expect(response.body.toString()).not.toContain('theme private')
    }
  })

  it('in dev mode, a file added to an earlier root takes over at once', async () => {
    const { app, theme } = twoRoots()
    const { assets, url } = await serve({ root: [app, theme], dev: true })
    expect((await request(url, assets.url('img/dot.svg'))).body.toString()).toBe('<svg/>')
    writeTree(app, { 'img/dot.svg': '<svg id="app"/>' })
    expect((await request(url, assets.url('img/dot.svg'))).body.toString()).toBe('<svg id="app"/>')
    expect(assets.get('img/dot.svg')?.root).toBe(app)
  })
})

describe('several roots: build, manifest and verify', () => {
  it('records which root holds each file, and serves a manifest only against the same roots', async () => {
    const { app, theme } = twoRoots()
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: [app, theme], out })
    const manifest = readManifest(out)
    expect(manifest.options.roots).toBe(2)
    expect(manifest.assets['css/site.css']?.root).toBeUndefined()
    expect(manifest.assets['css/theme.css']?.root).toBe(1)
    const scanned = await createStatic({ root: [app, theme], onWarning: () => {} })
    const { assets, url } = await serve({ root: [app, theme], manifest: out })
    for (const asset of scanned.assets())
      expect(assets.url(asset.logicalPath)).toBe(scanned.url(asset.logicalPath))
    expect((await getAndHead(url, assets.url('css/site.css'))).body.toString()).toBe('app wins')
    expect((await getAndHead(url, assets.url('img/dot.svg'))).body.toString()).toBe('<svg/>')

    const error = await createStatic({ root: app, manifest: out }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain('was built from 2 root(s), but 1 are given')
  })

  it('merges the roots into one output directory, served as one root', async () => {
    const { app, theme } = twoRoots()
    const work = useTempRoot({})
    const out = path.join(work, 'static-manifest.json')
    const outDir = path.join(work, 'dist')
    await buildManifest({ root: [app, theme], out, outDir, onWarning: () => {} })
    expect(readManifest(out).options.roots).toBeUndefined()
    expect(readFileSync(path.join(outDir, 'css/site.css'), 'utf8')).toBe('app wins')
    const { assets, url } = await serve({ root: outDir, manifest: out })
    expect((await getAndHead(url, assets.url('img/dot.svg'))).body.toString()).toBe('<svg/>')
  })

  it('verify reports a file that moved to another root as changed', async () => {
    const { app, theme } = twoRoots()
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: [app, theme], out })
    expect(verifyManifest([app, theme], out)).toEqual({ added: [], removed: [], changed: [] })
    renameSync(path.join(theme, 'img'), path.join(app, 'img'))
    expect(verifyManifest([app, theme], out)).toEqual({ added: [], removed: [], changed: ['img/dot.svg'] })
  })
})

describe('roots and manifests given as file: URLs', () => {
  it('accepts URL objects and file: strings, alone or in a list', async () => {
    const { app, theme } = twoRoots()
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: [pathToFileURL(app), pathToFileURL(theme).href], out, onWarning: () => {} })
    const assets = await createStatic({
      root: [pathToFileURL(app), pathToFileURL(theme).href],
      manifest: pathToFileURL(out),
    })
    expect(assets.roots).toEqual([app, theme])
    expect(assets.get('css/theme.css')?.root).toBe(theme)
    const single = await createStatic({ root: new URL(`${pathToFileURL(PUBLIC_ROOT).href}/`) })
    expect(single.root).toBe(PUBLIC_ROOT)
  })

  it.each([
    { label: 'an empty list', given: [], message: 'must be a directory or a non-empty list of directories' },
    {
      label: 'an https: URL',
      given: new URL('https://example.com/public'),
      message: 'must be the path of an existing directory',
    },
    {
      label: 'one directory twice',
      given: [PUBLIC_ROOT, `${PUBLIC_ROOT}/`],
      message: 'lists the same directory twice',
    },
  ])('root: $label → StaticConfigError', async ({ given, message }) => {
    const error = await createStatic({ root: given as StaticOptions['root'] }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain(message)
  })
})
