// url() and stylesheet() on the template path: `node bench/url.mjs [checkout ...]` calls each
// 1,000,000 times per run and prints the CPU time per call (the fastest and the median of 9 runs),
// for this checkout's dist/ and for each other checkout given (with dist/ built). The root holds a
// plain file and a stylesheet that references 20 images, so the figures include the freshness check
// of a stylesheet's references (at most one stat per file per second, shared).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const CALLS = 1_000_000
const RUNS = 9
const HERE = fileURLToPath(new URL('..', import.meta.url))
const checkouts = [HERE, ...process.argv.slice(2).map((dir) => path.resolve(dir))]

const root = mkdtempSync(path.join(tmpdir(), 'vstatic-bench-url-'))
mkdirSync(path.join(root, 'img'))
mkdirSync(path.join(root, 'css'))
let css = ''
for (let image = 0; image < 20; image++) {
  writeFileSync(path.join(root, `img/i${image}.png`), `image ${image}`)
  css += `.i${image}{background:url(../img/i${image}.png)}\n`
}
writeFileSync(path.join(root, 'css/app.css'), css)
writeFileSync(path.join(root, 'a.txt'), 'plain')

try {
  for (const checkout of checkouts) {
    const { createStatic } = await import(pathToFileURL(path.join(checkout, 'dist', 'index.js')).href)
    const assets = await createStatic({ root, onWarning: () => {} })
    const scenarios = [
      ['url() of a plain file', () => assets.url('a.txt')],
      ['url() of a stylesheet with 20 references', () => assets.url('css/app.css')],
      ['stylesheet() of it', () => assets.stylesheet('css/app.css')],
    ]
    console.log(checkout)
    for (const [name, call] of scenarios) {
      let sink = 0
      const times = []
      for (let run = 0; run < RUNS; run++) {
        const started = process.cpuUsage()
        for (let made = 0; made < CALLS; made++) sink += call().length
        const used = process.cpuUsage(started)
        times.push(((used.user + used.system) * 1000) / CALLS)
      }
      if (sink === 0) throw new Error(`${name} produced nothing`)
      times.sort((a, b) => a - b)
      console.log(
        `  ${name.padEnd(44)} ${times[0].toFixed(0).padStart(5)} ns fastest, ${times[RUNS >> 1].toFixed(0).padStart(5)} ns median`,
      )
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
