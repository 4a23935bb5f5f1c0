// Generates the benchmark fixture (not committed): a 1 KiB text file, a 50 KiB script, a 1 MiB
// binary and 10,000 small files in nested folders; and a second root with 100,000 files.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIXTURE = fileURLToPath(new URL('./.fixture', import.meta.url))
export const SMALL_ROOT = path.join(FIXTURE, 'root')
export const HUGE_ROOT = path.join(FIXTURE, 'root-100k')

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
  }
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'tree', `d${i % 100}`, `e${Math.floor(i / 100) % 10}`)
    if (i < 1000) mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `file-${i}.txt`), `file ${i}\n${'y'.repeat(200 + (i % 800))}\n`)
  }
}

/** Creates the fixture unless it exists (pass force to rebuild). */
export function ensureFixture({ huge = true, force = false } = {}) {
  if (force || !existsSync(path.join(SMALL_ROOT, 'large.bin'))) tree(SMALL_ROOT, 10_000)
  if (huge && (force || !existsSync(path.join(HUGE_ROOT, 'small.txt')))) tree(HUGE_ROOT, 100_000)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureFixture({ force: true })
  console.log(`fixture written to ${FIXTURE}`)
}
