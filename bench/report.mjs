// Prints a benchmark run: a table per scenario, the targets of issues 6 and 13 with ratios measured
// in the same run (the median of the per-round ratios, with their range), and the index and build
// figures.
import { median, spread } from './load.mjs'

/**
 * The per-round ratios of `target` to `versus` in `scenario` (rounds are interleaved, so each pair
 * ran back to back): of requests per second, or with `cpu`, of requests per CPU second of the server.
 */
export function roundRatios(result, scenario, target, versus, cpu = false) {
  const a = result.samples[`${scenario}|${target}`] ?? []
  const b = result.samples[`${scenario}|${versus}`] ?? []
  const ratios = []
  for (let round = 0; round < Math.min(a.length, b.length); round++) {
    const ratio = cpu
      ? b[round].cpuUsPerRequest / a[round].cpuUsPerRequest
      : a[round].requestsPerSecond / b[round].requestsPerSecond
    if (Number.isFinite(ratio) && ratio > 0) ratios.push(ratio)
  }
  return ratios
}

const formatRatio = (ratios) => {
  if (ratios.length === 0) return '–'
  const [low, high] = spread(ratios)
  return ratios.length === 1
    ? median(ratios).toFixed(2)
    : `${median(ratios).toFixed(2)} (${low.toFixed(2)}–${high.toFixed(2)})`
}

export function printReport(result, scenarios) {
  console.log(`\nvstatic benchmark, ${result.date}`)
  console.log(
    `${result.machine}; load: ${result.loader}, ${result.connections} connections, ${result.durationSeconds}s × ${result.rounds} interleaved rounds; pinned to separate cores: ${result.pinned}\n`,
  )
  for (const scenario of scenarios) printScenario(result, scenario)
  const checks = requestChecks(result)
  if (result.metrics !== undefined) checks.push(...indexChecks(result.metrics))
  if (result.build !== undefined) checks.push(...buildChecks(result.build))
  console.log(
    'Targets (median of per-round ratios from this run, range in brackets; CPU: requests per CPU second)',
  )
  for (const { label, ratios, cpuRatios, goal, atMost } of checks) {
    if (ratios.length === 0) continue
    const value = median(ratios)
    const met = atMost ? value <= goal : value >= goal
    const cpu = cpuRatios?.length ? `   CPU ${formatRatio(cpuRatios)}` : ''
    console.log(`  ${met ? 'met ' : 'MISS'}  ${label.padEnd(52)} ${formatRatio(ratios).padEnd(20)}${cpu}`)
  }
  if (result.metrics !== undefined) printIndexFigures(result.metrics)
  if (result.build !== undefined) printBuildFigures(result.build)
  console.log(`\nElapsed: ${result.elapsedSeconds}s`)
}

function printScenario(result, scenario) {
  const rows = result.rows.filter((row) => row.scenario === scenario.name)
  if (rows.length === 0) return
  console.log(scenario.name)
  console.log(
    `  ${'target'.padEnd(26)}${(scenario.megabytes ? 'MB/s' : 'req/s').padStart(10)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'CPU µs/req'.padStart(12)}${'× sirv'.padStart(20)}${'× bare'.padStart(20)}${'× bare (CPU)'.padStart(20)}`,
  )
  for (const row of rows) {
    const value = row.megabytesPerSecond ?? row.requestsPerSecond
    const sameScenario = row.target.includes('100,000') ? undefined : scenario.name
    const versus = (other, cpu) =>
      sameScenario ? formatRatio(roundRatios(result, sameScenario, row.target, other, cpu)) : '–'
    const cpu = row.cpuUsPerRequest === undefined ? '–' : row.cpuUsPerRequest.toFixed(1)
    console.log(
      `  ${row.target.padEnd(26)}${String(value).padStart(10)}${row.p99Ms.toFixed(2).padStart(9)}${String(row.errors).padStart(8)}${cpu.padStart(12)}${versus('sirv').padStart(20)}${versus('node:http bare').padStart(20)}${versus('node:http bare', true).padStart(20)}`,
    )
  }
  console.log('')
}

function requestChecks(result) {
  const bare = 'node:http bare'
  const table = [
    ['1 KiB GET ≥ 0.95× bare', '1 KiB GET', bare, 0.95],
    ['1 KiB GET ≥ 3× sirv', '1 KiB GET', 'sirv', 3],
    ['versioned GET ≥ 0.85× bare', 'versioned 1 KiB GET', bare, 0.85],
    ['versioned GET ≥ 3× sirv', 'versioned 1 KiB GET', 'sirv', 3],
    ['304 ≥ 0.9× bare 304', '304 revalidation', bare, 0.9],
    ['304 ≥ 1.2× sirv', '304 revalidation', 'sirv', 1.2],
    ['stale-token GET ≥ 0.9× bare', 'stale-token 50 KiB GET', bare, 0.9],
    ['1 MiB GET ≥ 1× bare', '1 MiB GET', bare, 1],
    ['1 MiB GET ≥ 1.5× serve-static', '1 MiB GET', 'serve-static', 1.5],
    ['404 ≥ 0.9× bare 404', '404', bare, 0.9],
    ['404 ≥ 1.2× sirv', '404', 'sirv', 1.2],
    ['100,000 files ≥ 0.95× small root', '1 KiB GET', 'vstatic', 0.95, 'vstatic (100,000 files)'],
    ['1 KiB GET ≥ 0.95× baseline (disk check ≤ 5%)', '1 KiB GET', 'vstatic (baseline)', 0.95],
  ]
  return table.map(([label, scenario, versus, goal, target = 'vstatic']) => ({
    label,
    goal,
    ratios: roundRatios(result, scenario, target, versus),
    cpuRatios: roundRatios(result, scenario, target, versus, true),
  }))
}

function indexChecks(metrics) {
  const site = metrics.siteIndex
  return [
    { label: 'index build ≥ 0.8× cat throughput', ratios: [metrics.indexBuild.ratioToCat], goal: 0.8 },
    { label: 'site index (10,000 files) ≥ 0.8× cat throughput', ratios: site.ratiosToCat, goal: 0.8 },
    { label: 'site index, CPU time ≥ 0.8× cat', ratios: site.cpuRatiosToCat, goal: 0.8 },
    { label: 'site index RSS ≤ 2× (bare node + index)', ratios: [site.rssRatio], goal: 2, atMost: true },
    {
      label: 'startup from 10,000-entry manifest to the first response ≤ 100 ms',
      ratios: [100 / Math.max(metrics.manifestStartupMs, 0.001)],
      goal: 1,
    },
    { label: 'url() ≥ 5 M calls/s', ratios: [metrics.urlCallsPerSecond / 5e6], goal: 1 },
    { label: 'index < 1 KiB per file', ratios: [1024 / Math.max(metrics.bytesPerIndexedFile, 1)], goal: 1 },
  ]
}

function buildChecks(build) {
  return [
    {
      label: 'unchanged rebuild ≤ 25% of the first build',
      ratios: build.unchangedRatios,
      goal: 0.25,
      atMost: true,
    },
    {
      label: 'one changed file ≤ 35% of the first build',
      ratios: build.oneChangedRatios,
      goal: 0.35,
      atMost: true,
    },
  ]
}

function printIndexFigures(m) {
  const site = m.siteIndex
  console.log(
    `\nIndex build, 10,000 small files (${(m.indexBuild.bytes / 1e6).toFixed(1)} MB, warm cache): vstatic ${m.indexBuild.vstaticMs} ms, cat ${m.indexBuild.catMs} ms, sha256sum ${m.indexBuild.sha256sumMs} ms`,
  )
  console.log(
    `Site index, ${site.files} files (${(site.bytes / 1e6).toFixed(1)} MB, warm cache), medians of ${site.rounds} interleaved rounds: vstatic ${site.vstaticMs} ms (CPU ${site.vstaticCpuMs} ms), cat ${site.catMs} ms (CPU ${site.catCpuMs} ms)`,
  )
  console.log(
    `Site index memory: RSS ${site.rssMiB} MiB after indexing; bare node ${site.bareRssMiB} MiB; index ${site.indexMiB} MiB of heap`,
  )
  if (site.baseline !== undefined) {
    console.log(
      `Site index, baseline: ${site.baseline.wallMs} ms (CPU ${site.baseline.cpuMs} ms), RSS ${site.baseline.rssMiB} MiB; CPU time baseline ÷ this: ${formatRatio(site.baseline.cpuRatios)}`,
    )
  }
  const start = m.manifestStartup
  console.log(
    `Startup from a 10,000-entry manifest, medians of ${start.rounds} fresh processes: createStatic() + first request ${start.startMs} ms (createStatic ${start.createStaticMs} ms, first request ${start.firstRequestMs} ms, CPU ${start.startCpuMs} ms); module load ${start.importMs} ms after Node's start, first response ${start.totalMs} ms after it; reading and parsing the JSON alone: ${m.manifestParseMs} ms`,
  )
  if (start.baseline !== undefined) {
    const base = start.baseline
    console.log(
      `Startup from the manifest, baseline: createStatic() + first request ${base.startMs} ms (CPU ${base.startCpuMs} ms), first response ${base.totalMs} ms after Node's start`,
    )
  }
  console.log(`url(): ${(m.urlCallsPerSecond / 1e6).toFixed(1)} M calls/s`)
  console.log(
    `Index memory: ${Math.round(m.bytesPerIndexedFile)} bytes per file (heap, no cached bodies); body cache stayed within its budget: ${m.bodyCacheWithinBudget}`,
  )
}

function printBuildFigures(build) {
  console.log(
    `\nBuild of ${build.files} files (${(build.bytes / 1e6).toFixed(1)} MB) with --out-dir --compress, medians of ${build.rounds} rounds: first ${build.firstMs} ms, unchanged rebuild ${build.unchangedMs} ms, one file changed ${build.oneChangedMs} ms`,
  )
  console.log(`First build: ${build.firstSummary}`)
  console.log(`Unchanged rebuild: ${build.unchangedSummary}`)
}
