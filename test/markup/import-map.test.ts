import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createStatic,
  type ImportMapOptions,
  MissingAssetError,
  type StaticOptions,
} from '../../src/index.js'
import { useTempRoot } from '../helpers/fixtures.js'

const MODULES = {
  'js/app.js': "import { twice } from './util.js'\nimport { greet } from 'greet'\n",
  'js/util.js': "export { helper } from './deep/helper.mjs'\nexport const twice = (n) => 2 * n\n",
  'js/deep/helper.mjs': 'export const helper = 1\n',
  'vendor/greet.js': 'export const greet = "hi"\n',
  'vendor/lit/index.js': 'export const html = 1\n',
  'vendor/lit/directives.js': 'export const repeat = 1\n',
  'legacy/old.js': 'export default 1\n',
  'assets/chunk-Ab12Cd34.js': 'export default 1\n',
  'css/app.css': 'body {}',
}

async function mapOf(options: Partial<StaticOptions> = {}, call: ImportMapOptions = {}) {
  const assets = await createStatic({ root: useTempRoot(MODULES), ...options })
  return { assets, map: parse(assets.importMap(call)) }
}

function parse(tag: string) {
  const match = /^<script type="importmap"[^>]*>([\s\S]*)<\/script>$/.exec(tag)
  if (match === null) throw new Error(`not an import map tag: ${tag}`)
  return JSON.parse(match[1] ?? '') as {
    imports: Record<string, string>
    scopes?: Record<string, Record<string, string>>
    integrity: Record<string, string>
  }
}

describe('importMap(): plain module URLs to versioned ones', () => {
  it('maps every JavaScript module of the root and lists the integrity of each versioned URL', async () => {
    const { assets, map } = await mapOf()
    const modules = [
      'js/app.js',
      'js/util.js',
      'js/deep/helper.mjs',
      'vendor/greet.js',
      'vendor/lit/index.js',
      'vendor/lit/directives.js',
      'legacy/old.js',
    ]
    expect(map.imports).toEqual(
      Object.fromEntries(modules.map((file) => [assets.url(file, { version: false }), assets.url(file)])),
    )
    // A bundler's fingerprinted chunk needs no mapping, but its integrity is listed.
    const integrityOf = (file: string) => [assets.url(file), assets.integrity(file)]
    expect(map.integrity).toEqual(
      Object.fromEntries([...modules, 'assets/chunk-Ab12Cd34.js'].map(integrityOf)),
    )
    expect(map.scopes).toBeUndefined()
  })

  it('keeps to the folders it is given', async () => {
    const { map } = await mapOf({}, { folders: ['js', '/vendor/lit/'] })
    expect(Object.keys(map.imports).sort()).toEqual([
      '/static/js/app.js',
      '/static/js/deep/helper.mjs',
      '/static/js/util.js',
      '/static/vendor/lit/directives.js',
      '/static/vendor/lit/index.js',
    ])
  })

  it('throws a MissingAssetError naming a folder with no module under it, with the folders it was probably meant to be', async () => {
    const root = useTempRoot(MODULES)
    const assets = await createStatic({ root })
    const caught = (folders: string[]) => {
      try {
        assets.importMap({ folders })
      } catch (error) {
        return error as MissingAssetError
      }
      throw new Error(`importMap({ folders: ${folders.join()} }) did not throw`)
    }
    const vendr = caught(['js', 'vendr'])
    expect(vendr).toBeInstanceOf(MissingAssetError)
    expect(vendr.message).toBe(
      `static asset "vendr/" is not in ${JSON.stringify(root)} as a folder of JavaScript modules (importMap() folders); did you mean "vendor/"?`,
    )
    expect(caught(['/js/Deep/']).suggestions).toEqual(['js/deep/'])
    // A folder of other files, or a module given as a folder, holds no module either.
    expect(caught(['css']).assetPath).toBe('css/')
    expect(caught(['js/app.js']).assetPath).toBe('js/app.js/')
    // A folder nested in another given one is covered by its own modules.
    expect(() => assets.importMap({ folders: ['js', 'js/deep', 'js'] })).not.toThrow()
  })

  it('maps bare specifiers to files (versioned), folders (one entry per module) and URLs (as they are)', async () => {
    const { assets, map } = await mapOf(
      {},
      {
        folders: ['js'],
        imports: {
          greet: 'vendor/greet.js',
          'lit/': 'vendor/lit/',
          confetti: 'https://cdn.example.com/confetti.js',
        },
        scopes: { legacy: { greet: '/legacy/old.js' } },
      },
    )
    expect(map.imports.greet).toBe(assets.url('vendor/greet.js'))
    expect(map.imports['lit/index.js']).toBe(assets.url('vendor/lit/index.js'))
    expect(map.imports['lit/directives.js']).toBe(assets.url('vendor/lit/directives.js'))
    expect(map.imports.confetti).toBe('https://cdn.example.com/confetti.js')
    expect(map.scopes).toEqual({ '/static/legacy/': { greet: assets.url('legacy/old.js') } })
    expect(map.integrity[assets.url('vendor/greet.js')]).toBe(assets.integrity('vendor/greet.js'))
    expect(map.integrity[assets.url('legacy/old.js')]).toBe(assets.integrity('legacy/old.js'))
  })

  it('spells URLs as url() does: filename versioning and a CDN host', async () => {
    const { assets, map } = await mapOf(
      { versioning: 'filename', host: 'https://cdn.example.com' },
      { folders: ['js'] },
    )
    const token = assets.get('js/util.js')?.token
    expect(map.imports['https://cdn.example.com/static/js/util.js']).toBe(
      `https://cdn.example.com/static/js/util.${token}.js`,
    )
  })

  it('cannot be ended early by a specifier, and takes a nonce', async () => {
    const assets = await createStatic({ root: useTempRoot(MODULES) })
    const tag = assets.importMap({
      imports: { '</script><script>alert(1)//': 'js/app.js' },
      attributes: { nonce: 'n1' },
    })
    expect(tag.startsWith('<script type="importmap" nonce="n1">')).toBe(true)
    expect(tag.indexOf('</script>')).toBe(tag.length - '</script>'.length)
    expect(parse(tag).imports['</script><script>alert(1)//']).toBe(assets.url('js/app.js'))
  })

  it('throws a MissingAssetError for a specifier that names no file, and a TypeError for malformed options', async () => {
    const assets = await createStatic({ root: useTempRoot(MODULES) })
    expect(() => assets.importMap({ imports: { lit: 'vendor/lit.js' } })).toThrow(MissingAssetError)
    expect(() => assets.importMap({ folders: ['../js'] })).toThrow(TypeError)
    expect(() => assets.importMap({ imports: { lit: '' } })).toThrow(TypeError)
  })
})

describe('importMap() and a changed dependency', () => {
  it('gives the dependency a new URL and leaves the importing module’s URL as it was', async () => {
    const root = useTempRoot(MODULES)
    const assets = await createStatic({ root, dev: true })
    const before = parse(assets.importMap({ folders: ['js'] }))
    writeFileSync(path.join(root, 'js/util.js'), 'export const twice = (n) => n + n\n')
    const after = parse(assets.importMap({ folders: ['js'] }))
    expect(after.imports['/static/js/util.js']).not.toBe(before.imports['/static/js/util.js'])
    expect(after.imports['/static/js/app.js']).toBe(before.imports['/static/js/app.js'])
  })
})
