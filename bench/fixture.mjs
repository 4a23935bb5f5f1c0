// Generates the benchmark fixture (not committed): a 1 KiB text file, a 50 KiB script, a 1 MiB
// binary, a 4 MiB binary (above memoryMaxFileSize, so streamed) and 10,000 small files in nested folders; a second root with 100,000 files; and trees that
// look like real sites (bench/site-tree.mjs): 10,000 files (about 100 MB) for the index figures,
// 5,000 for the rebuild figures, and a small one for the smoke run.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeSiteTree } from './site-tree.mjs'

export const FIXTURE = fileURLToPath(new URL('./.fixture', import.meta.url))
export const SMALL_ROOT = path.join(FIXTURE, 'root')
export const HUGE_ROOT = path.join(FIXTURE, 'root-100k')
export const SITE_ROOT = path.join(FIXTURE, 'site-10k')
export const BUILD_ROOT = path.join(FIXTURE, 'site-5k')
export const QUICK_BUILD_ROOT = path.join(FIXTURE, 'site-300')

/** The site trees: where, how many files, size scale. Bump SITE_VERSION when the generator changes. */
const SITE_VERSION = '1'
const SITES = [
  { root: SITE_ROOT, files: 10_000, scale: 1 },
  { root: BUILD_ROOT, files: 5_000, scale: 1 },
  { root: QUICK_BUILD_ROOT, files: 300, scale: 0.3 },
]

function pseudoRandom(seed) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state
  }
}

function tree(root, files, extraFiles = true) {
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  if (extraFiles) {
    writeFileSync(path.join(root, 'small.txt'), `${'x'.repeat(1023)}\n`)
    writeFileSync(
      path.join(root, 'app.js'),
      `${'console.log("vstatic benchmark");\n'.repeat(1450)}`.slice(0, 50 * 1024),
    )
    const random = pseudoRandom(42)
    const large = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < large.length; i++) large[i] = random() & 0xff
    writeFileSync(path.join(root, 'large.bin'), large)
    // Above the default memoryMaxFileSize (2 MiB): vstatic streams it from an open descriptor.
    writeFileSync(path.join(root, 'streamed.bin'), Buffer.concat([large, large, large, large]))
  }
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'tree', `d${i % 100}`, `e${Math.floor(i / 100) % 10}`)
    if (i < 1000) mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `file-${i}.txt`), `file ${i}\n${'y'.repeat(200 + (i % 800))}\n`)
  }
}

/** Creates the fixture unless it exists (pass force to rebuild). */
export function ensureFixture({ huge = true, sites = true, quick = false, force = false } = {}) {
  if (force || !existsSync(path.join(SMALL_ROOT, 'streamed.bin'))) tree(SMALL_ROOT, 10_000)
  if (huge && (force || !existsSync(path.join(HUGE_ROOT, 'streamed.bin')))) tree(HUGE_ROOT, 100_000)
  // The smoke run builds the small site only.
  if (sites) for (const site of SITES) if (!quick || site.root !== BUILD_ROOT) ensureSite(site, force)
}

/** A site tree lives in `<root>/public`; `<root>/complete` records the generator version that wrote it. */
function ensureSite({ root, files, scale }, force) {
  const marker = path.join(root, 'complete')
  if (!force && existsSync(marker) && readFileSync(marker, 'utf8') === SITE_VERSION) return
  rmSync(root, { recursive: true, force: true })
  writeSiteTree(path.join(root, 'public'), files, { scale })
  writeFileSync(marker, SITE_VERSION)
}

/** The directory a site tree's files are in. */
export const sitePublic = (root) => path.join(root, 'public')

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureFixture({ force: true })
  console.log(`fixture written to ${FIXTURE}`)
}
