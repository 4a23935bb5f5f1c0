import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, MissingAssetError, StaticConfigError, type StaticOptions } from '../../src/index.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { getAndHead, listen, request } from '../helpers/http.js'

/** What `vite build` with `build.manifest: true` writes, in miniature. */
const VITE_MANIFEST = {
  '_shared-ChJ_j-JJ.js': {
    file: 'assets/shared-ChJ_j-JJ.js',
    name: 'shared',
    css: ['assets/shared-B7PI925R.css'],
  },
  'src/main.ts': {
    file: 'assets/main-BuQMaAmp.js',
    name: 'main',
    src: 'src/main.ts',
    isEntry: true,
    imports: ['_shared-ChJ_j-JJ.js'],
    dynamicImports: ['src/lazy.ts'],
    css: ['assets/main-DiwrgTda.css'],
  },
  'src/admin.ts': {
    file: 'assets/admin-Ab12Cd34.js',
    src: 'src/admin.ts',
    isEntry: true,
    imports: ['_shared-ChJ_j-JJ.js'],
  },
  'src/lazy.ts': { file: 'assets/lazy-Zy98Xw76.js', src: 'src/lazy.ts', isDynamicEntry: true },
  'src/print.css': { file: 'assets/print-Qw12Er34.css', src: 'src/print.css', isEntry: true },
}

function viteOutput(manifestPath = '.vite/manifest.json') {
  return useTempRoot({
    [manifestPath]: JSON.stringify(VITE_MANIFEST),
    'assets/shared-ChJ_j-JJ.js': 'export const shared = 1',
    'assets/shared-B7PI925R.css': '.shared {}',
    'assets/main-BuQMaAmp.js': 'import "./shared-ChJ_j-JJ.js"',
    'assets/main-DiwrgTda.css': '.main {}',
    'assets/admin-Ab12Cd34.js': 'import "./shared-ChJ_j-JJ.js"',
    'assets/lazy-Zy98Xw76.js': 'export default 1',
    'assets/print-Qw12Er34.css': '@media print {}',
  })
}

async function create(options: Omit<StaticOptions, 'root'> & { root?: StaticOptions['root'] }) {
  return createStatic({ root: viteOutput(), vite: true, ...options })
}

describe('entry(): the tags of a bundler entry', () => {
  it('renders its stylesheets (imported chunks first), module preloads and the module script, each with integrity', async () => {
    const assets = await create({})
    const sri = (file: string) => assets.integrity(file)
    expect(assets.entry('src/main.ts').split('\n')).toEqual([
      `<link rel="stylesheet" href="/static/assets/shared-B7PI925R.css" integrity="${sri('assets/shared-B7PI925R.css')}" crossorigin="anonymous">`,
      `<link rel="stylesheet" href="/static/assets/main-DiwrgTda.css" integrity="${sri('assets/main-DiwrgTda.css')}" crossorigin="anonymous">`,
      `<link rel="modulepreload" href="/static/assets/shared-ChJ_j-JJ.js" integrity="${sri('assets/shared-ChJ_j-JJ.js')}" crossorigin="anonymous">`,
      `<script type="module" src="/static/assets/main-BuQMaAmp.js" integrity="${sri('assets/main-BuQMaAmp.js')}" crossorigin="anonymous"></script>`,
    ])
  })

  it('renders several entries with their shared chunks once, and a CSS entry as a stylesheet', async () => {
    const assets = await create({ crossorigin: false })
    const tags = assets.entry(['src/main.ts', 'src/admin.ts', 'src/print.css'])
    const hrefs = [...tags.matchAll(/<(link rel="\w+"|script type="module") (?:href|src)="([^"]+)"/g)].map(
      (match) => `${match[1]} ${match[2]}`,
    )
    expect(hrefs).toEqual([
      'link rel="stylesheet" /static/assets/shared-B7PI925R.css',
      'link rel="stylesheet" /static/assets/main-DiwrgTda.css',
      'link rel="modulepreload" /static/assets/shared-ChJ_j-JJ.js',
      'script type="module" /static/assets/main-BuQMaAmp.js',
      'script type="module" /static/assets/admin-Ab12Cd34.js',
      'link rel="stylesheet" /static/assets/print-Qw12Er34.css',
    ])
    expect(tags).not.toContain('lazy') // dynamic imports load on demand
    expect(tags).not.toContain('crossorigin')
  })

  it('puts attributes on the module script and a nonce on every tag', async () => {
    const assets = await create({})
    const tags = assets.entry('src/main.ts', { async: true, nonce: 'r4nd0m' }).split('\n')
    expect(tags.every((tag) => tag.includes(' nonce="r4nd0m"'))).toBe(true)
    expect(tags.filter((tag) => tag.includes(' async'))).toEqual([tags[3]])
  })

  it('serves every URL it renders, immutable under the bundler’s own names', async () => {
    const assets = await create({})
    const { url } = await listen((req, res) => assets.handle(req, res))
    const urls = [...assets.entry(['src/main.ts', 'src/print.css']).matchAll(/(?:href|src)="([^"]+)"/g)]
    expect(urls).toHaveLength(5)
    for (const [, target] of urls) {
      const response = await getAndHead(url, target ?? '')
      expect(response.status, target).toBe(200)
      expect(response.headers['cache-control'], target).toBe('public, max-age=31536000, immutable')
    }
  })

  it('renders a 20,000-deep chain of imports without exhausting the stack, dependencies first', async () => {
    const depth = 20_000
    // The chunks share 100 files (a file is preloaded once), so the chain is deep but the root small.
    const fileOf = (level: number) =>
      level === 0
        ? 'assets/main-00000000.js'
        : `assets/c${level % 100}-${String(level % 100).padStart(8, '0')}.js`
    const manifest: Record<string, { file: string; imports?: string[]; css?: string[] }> = {}
    const tree: Record<string, string> = { 'assets/last-00000000.css': '.last {}' }
    for (let level = 0; level < depth; level++) {
      const key = level === 0 ? 'src/main.ts' : `_c${level}.js`
      manifest[key] = {
        file: fileOf(level),
        ...(level + 1 < depth ? { imports: [`_c${level + 1}.js`] } : {}),
        ...(level === depth - 1 ? { css: ['assets/last-00000000.css'] } : {}),
      }
      tree[fileOf(level)] = `export const c = ${level % 100}`
    }
    tree['.vite/manifest.json'] = JSON.stringify(manifest)
    const assets = await createStatic({ root: useTempRoot(tree), vite: true, crossorigin: false })
    const tags = assets.entry('src/main.ts').split('\n')
    const hrefs = tags.map((tag) => /(?:href|src)="\/static\/assets\/([^"]+)"/.exec(tag)?.[1])
    // The deepest chunk's stylesheet, then each file preloaded once, deepest first, then the entry.
    const preloads = Array.from({ length: 100 }, (_, index) => fileOf(19_999 - index).slice('assets/'.length))
    expect(hrefs).toEqual(['last-00000000.css', ...preloads, 'main-00000000.js'])
    expect(tags[0]).toMatch(/^<link rel="stylesheet" /)
    expect(tags.slice(1, -1).every((tag) => tag.startsWith('<link rel="modulepreload" '))).toBe(true)
    expect(tags.at(-1)).toMatch(/^<script type="module" /)
  })

  it('refuses an entry whose file is neither a script nor a stylesheet, naming it, and renders .mjs as a module', async () => {
    const root = useTempRoot({
      '.vite/manifest.json': JSON.stringify({
        'src/main.ts': { file: 'assets/main-BuQMaAmp.mjs', isEntry: true, imports: [] },
        'src/logo.svg': { file: 'assets/logo-Ab12Cd34.svg', src: 'src/logo.svg' },
        'src/data.json': { file: 'assets/data-Zy98Xw76.json', src: 'src/data.json' },
      }),
      'assets/main-BuQMaAmp.mjs': 'export {}',
      'assets/logo-Ab12Cd34.svg': '<svg/>',
      'assets/data-Zy98Xw76.json': '{}',
    })
    const assets = await createStatic({ root, vite: true, crossorigin: false })
    const manifest = JSON.stringify(path.join(root, '.vite/manifest.json'))
    for (const [name, file] of [
      ['src/logo.svg', 'assets/logo-Ab12Cd34.svg'],
      ['src/data.json', 'assets/data-Zy98Xw76.json'],
    ] as const) {
      expect(() => assets.entry(name)).toThrow(TypeError)
      expect(() => assets.entry(['src/main.ts', name])).toThrow(
        `entry(${JSON.stringify(name)}): the bundler manifest ${manifest} maps it to ${JSON.stringify(file)}, which is neither a script (.js, .mjs) nor a stylesheet (.css)`,
      )
      expect(() => assets.entry(name)).toThrow(`use url(${JSON.stringify(file)})`)
      expect(assets.url(file)).toMatch(new RegExp(`^/static/${file.replace('.', '\\.')}$`))
    }
    expect(assets.entry('src/main.ts')).toMatch(
      /^<script type="module" src="\/static\/assets\/main-BuQMaAmp\.mjs" integrity="sha384-[^"]+"><\/script>$/,
    )
  })

  it('throws a MissingAssetError naming the manifest for an unknown entry', async () => {
    const root = viteOutput()
    const assets = await createStatic({ root, vite: true })
    expect(() => assets.entry('src/typo.ts')).toThrow(MissingAssetError)
    expect(() => assets.entry('src/typo.ts')).toThrow(
      `static asset "src/typo.ts" is not in the bundler manifest ${JSON.stringify(path.join(root, '.vite/manifest.json'))}`,
    )
  })

  it('suggests the listed entries a mistyped name was probably meant to be, as url() does', async () => {
    const root = viteOutput()
    const assets = await createStatic({ root, vite: true })
    const manifest = JSON.stringify(path.join(root, '.vite/manifest.json'))
    const caught = (name: string | string[]) => {
      try {
        assets.entry(name)
      } catch (error) {
        return error as MissingAssetError
      }
      throw new Error(`entry(${name}) did not throw`)
    }
    expect(caught('src/mian.ts').message).toBe(
      `static asset "src/mian.ts" is not in the bundler manifest ${manifest}; did you mean "src/main.ts"?`,
    )
    expect(caught('src/Admin.ts').suggestions).toEqual(['src/admin.ts'])
    expect(caught(['src/main.ts', 'src/lazy.js']).suggestions).toEqual(['src/lazy.ts'])
    expect(caught('src/unrelated.ts').suggestions).toEqual([])
  })

  it('throws a StaticConfigError when the vite option is not set', async () => {
    const assets = await createStatic({ root: viteOutput() })
    expect(() => assets.entry('src/main.ts')).toThrow(StaticConfigError)
  })
})

describe('the bundler manifest is read, never served', () => {
  it.each([
    { mode: 'scanned', manifestPath: '.vite/manifest.json', dotfiles: 'allow' as const, dev: false },
    { mode: 'scanned', manifestPath: 'manifest.json', dotfiles: 'ignore' as const, dev: false },
    { mode: 'dev', manifestPath: 'manifest.json', dotfiles: 'ignore' as const, dev: true },
    { mode: 'dev', manifestPath: '.vite/manifest.json', dotfiles: 'allow' as const, dev: true },
  ])('$mode, $manifestPath with dotfiles: $dotfiles', async ({ manifestPath, dotfiles, dev }) => {
    const root = viteOutput(manifestPath)
    const assets = await createStatic({ root, dotfiles, dev, vite: { manifest: manifestPath } })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect(assets.entry('src/main.ts')).toContain('main-BuQMaAmp.js')
    expect(() => assets.url(manifestPath)).toThrow(MissingAssetError)
    expect((await request(url, `/static/${manifestPath}`)).status).toBe(404)
    expect(assets.assets().map((asset) => asset.logicalPath)).not.toContain(manifestPath)
  })

  it('even when a vstatic build listed it', async () => {
    const root = viteOutput('manifest.json')
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out })
    const assets = await createStatic({ root, manifest: out, vite: { manifest: 'manifest.json' } })
    const { url } = await listen((req, res) => assets.handle(req, res))
    expect((await request(url, '/static/manifest.json')).status).toBe(404)
    expect(assets.entry('src/admin.ts')).toContain('admin-Ab12Cd34.js')
  })
})

describe('entry() with the dev server', () => {
  it('in dev mode loads Vite’s client and the entry from the dev server, with React’s preamble when asked', async () => {
    const root = useTempRoot({})
    const plain = await createStatic({ root, dev: true, vite: { devServer: 'http://localhost:5173' } })
    expect(plain.entry('src/main.ts', { nonce: 'n' }).split('\n')).toEqual([
      '<script type="module" src="http://localhost:5173/@vite/client" nonce="n"></script>',
      '<script type="module" src="http://localhost:5173/src/main.ts" nonce="n"></script>',
    ])
    const react = await createStatic({
      root,
      dev: true,
      vite: { devServer: 'http://localhost:5173/static/', reactRefresh: true },
    })
    const tags = react.entry('src/main.tsx')
    expect(tags).toMatch(
      /^<script type="module">\nimport RefreshRuntime from "http:\/\/localhost:5173\/static\/@react-refresh"\n/,
    )
    expect(tags).toContain('window.__vite_plugin_react_preamble_installed__ = true')
    expect(tags).toMatch(
      /<script type="module" src="http:\/\/localhost:5173\/static\/src\/main.tsx"><\/script>$/,
    )
  })

  it('in production renders from the manifest, so one template serves both', async () => {
    const assets = await create({ vite: { devServer: 'http://localhost:5173' } })
    expect(assets.entry('src/main.ts')).toContain('/static/assets/main-BuQMaAmp.js')
    expect(assets.entry('src/main.ts')).not.toContain('5173')
  })

  it('in dev mode without a dev server, follows a rebuilt manifest (vite build --watch)', async () => {
    const root = viteOutput()
    const assets = await createStatic({
      root,
      dev: true,
      vite: { manifest: pathToFileURL(path.join(root, '.vite/manifest.json')) },
    })
    expect(assets.entry('src/lazy.ts')).toContain('lazy-Zy98Xw76.js')
    writeFileSync(path.join(root, 'assets/lazy-Nw00Nw00.js'), 'export default 2')
    const rebuilt = {
      ...VITE_MANIFEST,
      'src/lazy.ts': { file: 'assets/lazy-Nw00Nw00.js', isDynamicEntry: true },
    }
    writeFileSync(path.join(root, '.vite/manifest.json'), JSON.stringify(rebuilt, null, 1))
    expect(assets.entry('src/lazy.ts')).toContain('lazy-Nw00Nw00.js')
  })
})

describe('a manifest naming a file the root lacks', () => {
  it.each([
    { label: 'an entry’s script', file: 'assets/main-BuQMaAmp.js', key: 'src/main.ts' },
    { label: 'a shared chunk', file: 'assets/shared-ChJ_j-JJ.js', key: '_shared-ChJ_j-JJ.js' },
    { label: 'a chunk’s stylesheet', file: 'assets/main-DiwrgTda.css', key: 'src/main.ts' },
    { label: 'a CSS entry', file: 'assets/print-Qw12Er34.css', key: 'src/print.css' },
  ])('fails at startup naming the entry, the file and the manifest: $label', async ({ file, key }) => {
    const root = viteOutput()
    rmSync(path.join(root, file))
    const error = await createStatic({ root, vite: true }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toBe(
      `option "vite" manifest ${JSON.stringify(path.join(root, '.vite/manifest.json'))} lists ${JSON.stringify(key)} as ${JSON.stringify(file)}, ` +
        `which is not in ${JSON.stringify(root)}; deploy the whole output of vite build, or build again`,
    )
  })

  it('is left to the first render in dev mode, where a build may be in progress', async () => {
    const root = viteOutput()
    rmSync(path.join(root, 'assets/admin-Ab12Cd34.js'))
    const assets = await createStatic({ root, dev: true, vite: true })
    expect(assets.entry('src/main.ts')).toContain('main-BuQMaAmp.js')
    expect(() => assets.entry('src/admin.ts')).toThrow(MissingAssetError)
  })

  it('is found in any of several roots', async () => {
    const root = viteOutput()
    const other = useTempRoot({ 'assets/admin-Ab12Cd34.js': 'export {}' })
    rmSync(path.join(root, 'assets/admin-Ab12Cd34.js'))
    const assets = await createStatic({ root: [root, other], vite: true })
    expect(assets.entry('src/admin.ts')).toContain('admin-Ab12Cd34.js')
  })
})

describe('url() of a source path of the bundler manifest (Laravel’s Vite::asset())', () => {
  const LOGO = { file: 'assets/logo-Cx34Vb56.svg', src: 'src/images/logo.svg' }

  function withLogo(tree: Record<string, string> = {}) {
    const root = viteOutput()
    const manifest = { ...VITE_MANIFEST, 'src/images/logo.svg': LOGO }
    writeFileSync(path.join(root, '.vite/manifest.json'), JSON.stringify(manifest))
    writeFileSync(path.join(root, LOGO.file), '<svg></svg>')
    for (const [file, text] of Object.entries(tree)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
      writeFileSync(path.join(root, file), text)
    }
    return root
  }

  it('is the versioned URL of its built file, keeping a query, a fragment and the host asked for', async () => {
    const assets = await createStatic({ root: withLogo(), vite: true })
    const built = assets.url(LOGO.file)
    expect(built).toMatch(/^\/static\/assets\/logo-Cx34Vb56\.svg/)
    expect(assets.url('src/images/logo.svg')).toBe(built)
    expect(assets.url('/src/images/logo.svg#icon')).toBe(`${built}#icon`)
    expect(assets.url('src/images/logo.svg', { host: 'https://cdn.example.com' })).toBe(
      `https://cdn.example.com${built}`,
    )
    expect(assets.url('src/main.ts')).toBe(assets.url('assets/main-BuQMaAmp.js'))
  })

  it('leaves a file of the root at that path as it is, and a path neither has missing', async () => {
    const assets = await createStatic({
      root: withLogo({ 'src/images/logo.svg': '<svg>raw</svg>' }),
      vite: true,
    })
    expect(assets.url('src/images/logo.svg')).toMatch(/^\/static\/src\/images\/logo\.svg\?v=/)
    expect(() => assets.url('src/images/logo.png')).toThrow(MissingAssetError)
  })

  it('is missing without the vite option', async () => {
    const assets = await createStatic({ root: withLogo() })
    expect(() => assets.url('src/images/logo.svg')).toThrow(MissingAssetError)
  })

  it('follows a rebuilt manifest in dev mode without a dev server', async () => {
    const root = withLogo()
    const assets = await createStatic({ root, dev: true, vite: true })
    expect(assets.url('src/images/logo.svg')).toMatch(/^\/static\/assets\/logo-Cx34Vb56\.svg/)
    writeFileSync(path.join(root, 'assets/logo-Nw00Nw00.svg'), '<svg>new</svg>')
    const rebuilt = { ...VITE_MANIFEST, 'src/images/logo.svg': { file: 'assets/logo-Nw00Nw00.svg' } }
    writeFileSync(path.join(root, '.vite/manifest.json'), JSON.stringify(rebuilt, null, 1))
    expect(assets.url('src/images/logo.svg')).toMatch(/^\/static\/assets\/logo-Nw00Nw00\.svg/)
  })

  it('in dev mode with a dev server, is the dev server’s URL, while a file of the root is its own', async () => {
    const root = useTempRoot({ 'images/local.svg': '<svg></svg>' })
    const assets = await createStatic({ root, dev: true, vite: { devServer: 'http://localhost:5173/app/' } })
    expect(assets.url('src/images/logo.svg#icon')).toBe('http://localhost:5173/app/src/images/logo.svg#icon')
    expect(assets.url('images/local.svg')).toMatch(/^\/static\/images\/local\.svg\?v=/)
  })
})

describe('the vite option', () => {
  it.each([
    {
      label: 'a missing manifest',
      vite: { manifest: 'nope.json' },
      message: 'does not exist; build with `build.manifest: true`',
    },
    { label: 'a string', vite: 'yes', message: 'must be true or { manifest?, devServer? }' },
    { label: 'an unknown field', vite: { outDir: 'dist' }, message: 'has an unknown field "outDir"' },
    {
      label: 'a dev server without a scheme',
      vite: { devServer: 'localhost:5173' },
      message: '"devServer" must be the dev server',
    },
  ])('$label → StaticConfigError naming it', async ({ vite, message }) => {
    const options = { root: viteOutput(), vite } as unknown as StaticOptions
    const error = await createStatic(options).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error).toMatchObject({ option: 'vite' })
    expect((error as Error).message).toContain(message)
  })

  it.each([
    { label: 'malformed JSON', text: '{"src/main.ts": ', message: 'is not valid JSON' },
    {
      label: 'a chunk without a file',
      text: '{"src/main.ts": {}}',
      message: 'has a chunk "src/main.ts" without a valid "file"',
    },
    {
      label: 'imports of an unlisted chunk',
      text: '{"src/main.ts": {"file": "a.js", "imports": ["_gone.js"]}}',
      message: 'whose "imports" name chunks it does not list',
    },
    {
      label: 'a file outside the root',
      text: '{"src/main.ts": {"file": "../a.js"}}',
      message: 'without a valid "file"',
    },
  ])('a manifest with $label → StaticConfigError naming the file', async ({ text, message }) => {
    const root = useTempRoot({ '.vite/manifest.json': text })
    const error = await createStatic({ root, vite: true }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain(path.join(root, '.vite/manifest.json'))
    expect((error as Error).message).toContain(message)
  })
})
