// Dictionary deltas on real upgrades: the sizes a returning visitor downloads (identity, gzip -9,
// Brotli 11, and the dcz / dcb delta with its RFC 9842 header) and the time `--deltas` adds to a
// build. Run on a Node whose zlib takes dictionaries (24), after `npm run build`:
//
//   node bench/deltas.mjs <old file> <new file> [<old file> <new file>]... [--edit <file>]
//
// `--edit <file>` adds a one-line edit of `file` (one line near the middle changed), as an app's
// redeploy would be.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { buildManifest } from '../dist/builder/build.js'
import { decodeDelta, detectDeltaSupport } from '../dist/builder/deltas.js'
import { readManifest } from '../dist/manifest/format.js'

const args = process.argv.slice(2)
const pairs = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--edit') {
    const file = args[++i]
    const text = readFileSync(file, 'utf8').split('\n')
    const middle = Math.floor(text.length / 2)
    const edited = [...text]
    edited[middle] = `${edited[middle]} // edited`
    pairs.push({
      label: `${path.basename(file)}, one line edited`,
      old: Buffer.from(text.join('\n')),
      next: Buffer.from(edited.join('\n')),
    })
  } else {
    const old = args[i]
    const next = args[++i]
    pairs.push({
      label: `${path.basename(next)} ${version(next)} ← ${version(old)}`,
      old: readFileSync(old),
      next: readFileSync(next),
    })
  }
}
if (pairs.length === 0) {
  console.error('usage: node bench/deltas.mjs <old> <new> [<old> <new>]... [--edit <file>]')
  process.exit(2)
}
const support = detectDeltaSupport()
if (!support.dcz) {
  console.error(`this Node (${process.version}) cannot write deltas; run it on Node 24`)
  process.exit(2)
}

console.log(`Node ${process.version}; sizes in bytes, each delta with its RFC 9842 header\n`)
console.log(
  '| file (new ← old) | identity | gzip -9 | br-11 | dcz delta | dcb delta | br-11 ÷ best delta | build time added |',
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const pair of pairs) {
  const gzip = gzipSync(pair.next, { level: 9 }).length
  const br = brotliCompressSync(pair.next, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
  const { deltas, addedMs } = await buildTwice(pair)
  const best = Math.min(deltas.dcz ?? Infinity, deltas.dcb ?? Infinity)
  console.log(
    `| ${pair.label} | ${n(pair.next.length)} | ${n(gzip)} | ${n(br)} | **${n(deltas.dcz)}** | **${n(deltas.dcb)}** | ${(br / best).toFixed(0)}× | ${addedMs} ms |`,
  )
}

/**
 * Builds the old then the new version, with and without --deltas, three times each; the deltas'
 * sizes and the time they added to the second build (the fastest of each kind compared).
 */
async function buildTwice(pair) {
  const timings = { false: Number.POSITIVE_INFINITY, true: Number.POSITIVE_INFINITY }
  const deltas = {}
  for (const withDeltas of [false, true, false, true, false, true]) {
    const work = mkdtempSync(path.join(tmpdir(), 'vstatic-deltas-'))
    const root = path.join(work, 'src')
    mkdirSync(root)
    const options = {
      root,
      out: path.join(work, 'm.json'),
      outDir: path.join(work, 'out'),
      keep: 2,
      compress: true,
      deltas: withDeltas,
      onWarning: () => {},
    }
    writeFileSync(path.join(root, 'app.js'), pair.old)
    await buildManifest(options)
    writeFileSync(path.join(root, 'app.js'), pair.next)
    const summary = await buildManifest(options)
    timings[withDeltas] = Math.min(timings[withDeltas], summary.durationMs)
    if (withDeltas) {
      const manifest = readManifest(options.out)
      const entry = manifest.assets['app.js']
      for (const byCoding of Object.values(entry.deltas ?? {})) {
        for (const [coding, delta] of Object.entries(byCoding)) {
          const bytes = readFileSync(path.join(options.outDir, delta.file))
          if (!decodeDelta(coding, bytes, pair.old).equals(pair.next))
            throw new Error(`${coding} does not decode`)
          deltas[coding] = delta.size
        }
      }
    }
    rmSync(work, { recursive: true, force: true })
  }
  return { deltas, addedMs: timings.true - timings.false }
}

function version(file) {
  return /(\d+\.\d+\.\d+)/.exec(file)?.[1] ?? ''
}

function n(value) {
  return value === undefined ? '–' : value.toLocaleString('en-US')
}
