// Index-level figures: build time against cat and sha256sum (on the small-file tree, and on the
// site-like tree in interleaved rounds, with CPU time and resident memory), startup from a
// manifest, url() calls per second, memory per indexed file, and the body cache's bound. Each timing
// runs in a fresh process.
import { execFileSync, execSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { SITE_ROOT, SMALL_ROOT, sitePublic } from './fixture.mjs'
import { median as medianOf } from './load.mjs'

const DIST = new URL('../dist/index.js', import.meta.url).href
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const STARTUP = fileURLToPath(new URL('./manifest-startup.mjs', import.meta.url))

function inChild(code, nodeArgs = []) {
  return execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', code], {
    encoding: 'utf8',
  }).trim()
}

function timeCommand(command) {
  const started = process.hrtime.bigint()
  execSync(command, { stdio: 'ignore', shell: '/bin/sh' })
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Milliseconds createStatic(options) takes in a fresh process (module loading excluded). */
function timeCreateStatic(options) {
  return Number(
    inChild(`
      const { createStatic } = await import(${JSON.stringify(DIST)})
      const started = performance.now()
      await createStatic(${JSON.stringify(options)})
      console.log(performance.now() - started)
    `),
  )
}

/**
 * Startup from a prebuilt manifest in fresh processes (bench/manifest-startup.mjs): createStatic(),
 * then one versioned GET over a socket; interleaved with the baseline's dist when given. Medians.
 */
export function measureManifestStartup(manifest, rounds, baselineDist) {
  const run = (dist) =>
    JSON.parse(
      execFileSync(process.execPath, [STARTUP, SMALL_ROOT, manifest, dist], { encoding: 'utf8' }).trim(),
    )
  run(DIST) // warm the page cache
  const runs = []
  const baseline = []
  for (let round = 0; round < rounds; round++) {
    runs.push(run(DIST))
    if (baselineDist) baseline.push(run(baselineDist))
  }
  const summary = (list) => ({
    startMs: Number(medianOf(list.map((item) => item.createStaticMs + item.firstRequestMs)).toFixed(1)),
    createStaticMs: medianOf(list.map((item) => item.createStaticMs)),
    firstRequestMs: medianOf(list.map((item) => item.firstRequestMs)),
    startCpuMs: medianOf(list.map((item) => item.startCpuMs)),
    importMs: medianOf(list.map((item) => item.importMs)),
    totalMs: medianOf(list.map((item) => item.totalMs)),
  })
  return { ...summary(runs), rounds, baseline: baseline.length === 0 ? undefined : summary(baseline) }
}

/**
 * The site-like tree: `cat` and createStatic() in fresh processes, alternately, with a warm page
 * cache. Wall and CPU time of both (CPU excludes vstatic's module loading), resident memory after
 * indexing against a bare Node process plus the index's own heap.
 */
function measureSiteIndex(rounds, baselineDist) {
  const root = sitePublic(SITE_ROOT)
  const catCommand = `find ${root} -type f -print0 | xargs -0 cat > /dev/null`
  timeCommand(catCommand) // warm the page cache
  const listFiles = `find ${root} -type f -print0`
  const bytes = Number(
    execSync(`${listFiles} | du -cb --files0-from=- | tail -1`, { encoding: 'utf8' }).split('\t')[0],
  )
  const cat = []
  const vstatic = []
  const baseline = []
  for (let round = 0; round < rounds; round++) {
    cat.push(timeWithChildren(catCommand))
    vstatic.push(JSON.parse(inChild(INDEX_CHILD(root))))
    if (baselineDist) baseline.push(JSON.parse(inChild(INDEX_CHILD(root, baselineDist))))
  }
  const bareRss = medianOf(
    Array.from({ length: 3 }, () => Number(inChild('console.log(process.memoryUsage().rss)'))),
  )
  const index = JSON.parse(inChild(INDEX_SIZE_CHILD(root), ['--expose-gc']))
  const rss = medianOf(vstatic.map((run) => run.rss))
  return {
    files: index.files,
    bytes,
    rounds,
    catMs: Math.round(medianOf(cat.map((run) => run.wallMs))),
    catCpuMs: Math.round(medianOf(cat.map((run) => run.cpuMs))),
    vstaticMs: Math.round(medianOf(vstatic.map((run) => run.wallMs))),
    vstaticCpuMs: Math.round(medianOf(vstatic.map((run) => run.cpuMs))),
    ratiosToCat: vstatic.map((run, round) => cat[round].wallMs / run.wallMs),
    cpuRatiosToCat: vstatic.map((run, round) => cat[round].cpuMs / run.cpuMs),
    rssMiB: Number((rss / 2 ** 20).toFixed(1)),
    bareRssMiB: Number((bareRss / 2 ** 20).toFixed(1)),
    indexMiB: Number((index.heapBytes / 2 ** 20).toFixed(1)),
    /** Bytes of the index's own heap per entry, and of the rewritten bodies it holds (all entries). */
    entryHeapBytes: Math.round((index.heapBytes - index.externalBytes) / index.files),
    bodiesMiB: Number((index.externalBytes / 2 ** 20).toFixed(1)),
    rssRatio: rss / (bareRss + index.heapBytes),
    baseline:
      baseline.length === 0
        ? undefined
        : {
            wallMs: Math.round(medianOf(baseline.map((run) => run.wallMs))),
            cpuMs: Math.round(medianOf(baseline.map((run) => run.cpuMs))),
            rssMiB: Number((medianOf(baseline.map((run) => run.rss)) / 2 ** 20).toFixed(1)),
            cpuRatios: vstatic.map((run, round) => baseline[round].cpuMs / run.cpuMs),
            ratiosToCat: baseline.map((run, round) => cat[round].wallMs / run.wallMs),
          },
  }
}

const INDEX_CHILD = (root, dist = DIST) => `
  const { createStatic } = await import(${JSON.stringify(dist)})
  const cpu = process.cpuUsage()
  const started = performance.now()
  await createStatic({ root: ${JSON.stringify(root)}, onWarning() {} })
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  console.log(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000, rss: process.memoryUsage().rss }))
`

const INDEX_SIZE_CHILD = (root) => `
  const { createStatic } = await import(${JSON.stringify(DIST)})
  globalThis.gc(); globalThis.gc()
  const before = process.memoryUsage()
  const assets = await createStatic({ root: ${JSON.stringify(root)}, onWarning() {} })
  globalThis.gc(); globalThis.gc()
  const after = process.memoryUsage()
  const heapBytes = after.heapUsed - before.heapUsed + after.external - before.external
  const externalBytes = after.external - before.external
  console.log(JSON.stringify({ heapBytes, externalBytes, files: assets.stats().files }))
`

/** Wall and CPU milliseconds of a shell command and its children (the shell's own times builtin). */
function timeWithChildren(command) {
  const started = process.hrtime.bigint()
  const output = execSync(`${command}; times`, { encoding: 'utf8', shell: '/bin/sh' })
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  // The second line of `times`: the children's user and system time, as 0m0.120000s 0m1.750000s.
  const line = output.trim().split('\n').pop() ?? ''
  const cpuMs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, match) => sum + (Number(match[1]) * 60 + Number(match[2])) * 1000,
    0,
  )
  return { wallMs, cpuMs }
}

/** Exported for a standalone run: `node bench/index-metrics.mjs --rounds 9 --baseline ../old`. */
export { measureSiteIndex }

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function runIndexMetrics({ quick = false, baselineDist } = {}) {
  const repeat = quick ? 1 : 5
  const listFiles = `find ${SMALL_ROOT} -type f -print0`
  timeCommand(`${listFiles} | xargs -0 cat > /dev/null`) // warm the page cache
  const bytes = Number(
    execSync(`${listFiles} | du -cb --files0-from=- | tail -1`, { encoding: 'utf8' }).split('\t')[0],
  )
  const catMs = median(
    Array.from({ length: repeat }, () => timeCommand(`${listFiles} | xargs -0 cat > /dev/null`)),
  )
  const sha256sumMs = median(
    Array.from({ length: repeat }, () => timeCommand(`${listFiles} | xargs -0 sha256sum > /dev/null`)),
  )
  const vstaticMs = median(Array.from({ length: repeat }, () => timeCreateStatic({ root: SMALL_ROOT })))

  const manifest = path.join(mkdtempSync(path.join(os.tmpdir(), 'vstatic-bench-')), 'static-manifest.json')
  execFileSync(process.execPath, [CLI, 'build', SMALL_ROOT, '--out', manifest, '--quiet'])
  const manifestStartup = measureManifestStartup(manifest, repeat, baselineDist)
  // The floor of any startup that reads the manifest as JSON: reading and parsing it, in a fresh process.
  const manifestParseMs = median(
    Array.from({ length: repeat }, () =>
      Number(
        inChild(`
          const { readFileSync } = await import('node:fs')
          const started = performance.now()
          JSON.parse(readFileSync(${JSON.stringify(manifest)}, 'utf8'))
          console.log(performance.now() - started)
        `),
      ),
    ),
  )

  const { createStatic } = await import(DIST)
  const assets = await createStatic({ root: SMALL_ROOT })
  const bench = new Bench({ time: quick ? 200 : 1000 })
  let sink = 0
  bench.add('url()', () => {
    sink += assets.url('tree/d1/e0/file-1.txt').length
  })
  await bench.run()
  const task = bench.tasks[0]
  const urlCallsPerSecond = Math.round(task.result.throughput?.mean ?? task.result.hz ?? 0)
  if (sink === 0) throw new Error('url() benchmark produced nothing')

  const memory = JSON.parse(
    inChild(
      `
      const { createStatic } = await import(${JSON.stringify(DIST)})
      globalThis.gc(); globalThis.gc()
      const before = process.memoryUsage().heapUsed
      const assets = await createStatic({ root: ${JSON.stringify(SMALL_ROOT)}, memoryBudget: 512 * 1024 })
      globalThis.gc(); globalThis.gc()
      const after = process.memoryUsage().heapUsed
      const files = assets.stats().files
      // Serve every file once: the body cache must stay within its 512 KiB budget throughout.
      let maxCached = 0
      for (const asset of assets.assets()) {
        const prepared = await assets.prepare({ method: 'GET', url: assets.url(asset.logicalPath), header: () => undefined })
        if (prepared?.body && !Buffer.isBuffer(prepared.body)) prepared.body.destroy() // a stream owns a descriptor
        maxCached = Math.max(maxCached, assets.stats().cachedBodyBytes)
      }
      console.log(JSON.stringify({ perFile: (after - before) / files, maxCached, budget: assets.stats().memoryBudget }))
    `,
      ['--expose-gc'],
    ),
  )
  return {
    siteIndex: measureSiteIndex(quick ? 1 : 5, baselineDist),
    indexBuild: {
      bytes,
      vstaticMs: Math.round(vstaticMs),
      catMs: Math.round(catMs),
      sha256sumMs: Math.round(sha256sumMs),
      ratioToCat: catMs / vstaticMs,
    },
    // createStatic() and one request answered over a socket, as the target counts it.
    manifestStartupMs: manifestStartup.startMs,
    manifestStartup,
    manifestParseMs: Number(manifestParseMs.toFixed(1)),
    urlCallsPerSecond,
    bytesPerIndexedFile: memory.perFile,
    bodyCacheWithinBudget: memory.maxCached <= memory.budget,
    bodyCacheMaxBytes: memory.maxCached,
  }
}

/** `node bench/index-metrics.mjs [--rounds N] [--baseline DIR]`: the site-tree figures alone. */
async function main() {
  const { parseArgs } = await import('node:util')
  const { pathToFileURL } = await import('node:url')
  const { ensureFixture } = await import('./fixture.mjs')
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, baseline: { type: 'string' } } })
  ensureFixture({ huge: false, quick: true })
  const baselineDist = values.baseline
    ? pathToFileURL(path.resolve(values.baseline, 'dist', 'index.js')).href
    : undefined
  const site = measureSiteIndex(Number(values.rounds ?? 5), baselineDist)
  const range = (ratios) =>
    `${median(ratios).toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
  console.log(
    `site tree: ${site.files} files, ${(site.bytes / 1e6).toFixed(0)} MB, ${site.rounds} interleaved rounds`,
  )
  console.log(`cat:     ${site.catMs} ms wall, ${site.catCpuMs} ms CPU`)
  console.log(`vstatic: ${site.vstaticMs} ms wall, ${site.vstaticCpuMs} ms CPU`)
  if (site.baseline) {
    const { wallMs, cpuMs, rssMiB, cpuRatios, ratiosToCat } = site.baseline
    console.log(
      `baseline: ${wallMs} ms wall, ${cpuMs} ms CPU, ${rssMiB} MiB resident; CPU ratio ${range(cpuRatios)}`,
    )
    console.log(`baseline throughput against cat: ${range(ratiosToCat)}`)
  }
  console.log(`throughput against cat: ${range(site.ratiosToCat)}; in CPU time ${range(site.cpuRatiosToCat)}`)
  console.log(
    `resident after indexing: ${site.rssMiB} MiB against bare Node ${site.bareRssMiB} MiB + index ${site.indexMiB} MiB = ${site.rssRatio.toFixed(2)}×`,
  )
  console.log(`an entry: ${site.entryHeapBytes} bytes of heap; rewritten bodies ${site.bodiesMiB} MiB in all`)
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main()
