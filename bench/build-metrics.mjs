// Rebuild figures: `vstatic build --out-dir --compress` of the 5,000-file site tree in fresh
// processes: a first build into an empty output directory, an unchanged rebuild, and a rebuild after
// one file changed (then changed back). Each round starts from nothing, so its ratios compare
// builds that ran minutes apart at most.
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUILD_ROOT, QUICK_BUILD_ROOT, sitePublic } from './fixture.mjs'
import { median } from './load.mjs'

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

function build(root, work) {
  const output = execFileSync(
    process.execPath,
    [
      CLI,
      'build',
      root,
      '--out',
      path.join(work, 'static-manifest.json'),
      '--out-dir',
      path.join(work, 'out'),
      '--compress',
      '--json',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  )
  return JSON.parse(output)
}

const describe = (summary) =>
  `${summary.compressed.br} br + ${summary.compressed.gzip} gzip compressed, ${summary.compressed.reused} reused, ${summary.written} files written, ${summary.rewritten} rewritten`

export async function runBuildMetrics({ quick = false } = {}) {
  const root = sitePublic(quick ? QUICK_BUILD_ROOT : BUILD_ROOT)
  // A first build of the 5,000-file tree compresses for minutes on a busy machine: two rounds.
  const rounds = quick ? 1 : 2
  // A text file no other file references: its change touches nothing else.
  const changed = path.join(root, 's1', 'docs', 'notes-1.txt')
  const original = readFileSync(changed)
  const first = []
  const unchanged = []
  const oneChanged = []
  let summary
  let unchangedSummary
  const failures = []
  for (let round = 0; round < rounds; round++) {
    const work = mkdtempSync(path.join(os.tmpdir(), 'vstatic-bench-build-'))
    try {
      summary = build(root, work)
      first.push(summary.durationMs)
      unchangedSummary = build(root, work)
      unchanged.push(unchangedSummary.durationMs)
      appendFileSync(changed, `edited in round ${round}\n`)
      oneChanged.push(build(root, work).durationMs)
    } catch (error) {
      failures.push(`build: ${error.message}`)
    } finally {
      writeFileSync(changed, original)
      rmSync(work, { recursive: true, force: true })
    }
  }
  return {
    files: summary?.files ?? 0,
    bytes: summary?.bytes ?? 0,
    rounds,
    firstMs: median(first),
    unchangedMs: median(unchanged),
    oneChangedMs: median(oneChanged),
    unchangedRatios: unchanged.map((ms, round) => ms / first[round]),
    oneChangedRatios: oneChanged.map((ms, round) => ms / first[round]),
    firstSummary: summary === undefined ? '' : describe(summary),
    unchangedSummary: unchangedSummary === undefined ? '' : describe(unchangedSummary),
    failures,
  }
}
