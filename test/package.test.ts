import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PUBLIC_ROOT } from './helpers/fixtures.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))

/**
 * The package as npm publishes it: packed from the built tree, unpacked into a node_modules folder
 * inside the repository, so that its own dependencies resolve from the repository's node_modules the
 * way they would from an app's.
 */
let work: string
let installed: string

beforeAll(() => {
  mkdirSync(path.join(REPO, '.tmp'), { recursive: true })
  work = mkdtempSync(path.join(REPO, '.tmp', 'pack-'))
  installed = path.join(work, 'node_modules', 'vstatic')
  mkdirSync(installed, { recursive: true })
  // dist/ is built before the tests run; --ignore-scripts keeps prepack from building it again here.
  const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: REPO,
    encoding: 'utf8',
  })
  const [packed] = JSON.parse(output) as Array<{ filename: string }>
  execFileSync('tar', [
    '-xzf',
    path.join(work, packed?.filename ?? 'missing.tgz'),
    '-C',
    installed,
    '--strip-components=1',
  ])
}, 60_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function packedFiles(dir = installed): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(installed, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
}

describe('the published package', () => {
  it('holds the build, the sources its maps name, the licence and the readme, and nothing else', () => {
    const tops = new Set(packedFiles().map((file) => file.split('/')[0]))
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json', 'src'])
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/)
  })

  it('runs no script on install, and names its repository, homepage and bug tracker', () => {
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'))
    const installScripts = ['preinstall', 'install', 'postinstall', 'prepare', 'dependencies']
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => installScripts.includes(name))).toEqual([
      // "dependencies" runs only for the project's own `npm install` (a clone), never for a dependency.
      'dependencies',
    ])
    expect(manifest.license).toBe('MIT')
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/)
    const repository = manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')
    expect(manifest.homepage).toBe(`${repository}#readme`)
    expect(manifest.bugs.url).toBe(`${repository}/issues`)
  })

  it('ships every source file its source maps and declaration maps name', () => {
    const files = new Set(packedFiles())
    const maps = [...files].filter((file) => file.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(40)
    const missing: string[] = []
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(installed, map), 'utf8')) as { sources: string[] }
      for (const source of sources) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), source))
        if (!files.has(target)) missing.push(`${map} → ${source}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('loads with require() (Node 20.19+) and with import, and its bin runs', () => {
    const script = path.join(work, 'app.cjs')
    writeFileSync(
      script,
      `const { createStatic } = require('vstatic')
const { serveStatic } = require('vstatic/express')
createStatic({ root: ${JSON.stringify(PUBLIC_ROOT)} }).then((assets) => {
  console.log(typeof serveStatic, assets.url('robots.txt'))
})
`,
    )
    const required = spawnSync(process.execPath, [script], { cwd: work, encoding: 'utf8' })
    expect({ status: required.status, stderr: required.stderr }).toEqual({ status: 0, stderr: '' })
    expect(required.stdout).toMatch(/^function \/static\/robots\.txt\?v=[0-9a-f]{16}\n$/)
    const imported = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "import('vstatic').then((m) => console.log(Object.keys(m).join(',')))"],
      { cwd: work, encoding: 'utf8' },
    )
    expect(imported.stdout).toBe('MissingAssetError,StaticConfigError,createStatic\n')
    const bin = spawnSync(process.execPath, [path.join(installed, 'dist/cli/main.js'), '--version'], {
      encoding: 'utf8',
    })
    expect(bin.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })
})
