// The benchmark suite: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (smoke: it
// fails on errors, never on speed). Every target runs in its own process on 127.0.0.1, pinned to
// CPU 0 when taskset exists; the load generator (wrk, else autocannon) runs pinned to CPU 1.
// Rounds are interleaved (A B C … A B C …) and the medians are reported with ratios measured in
// the same run.
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { runBuildMetrics } from './build-metrics.mjs'
import { ensureFixture, HUGE_ROOT, SMALL_ROOT } from './fixture.mjs'
import { runIndexMetrics } from './index-metrics.mjs'
import { httpGet, LOADER, load, median, PIN, targetPort, treeCpuMicroseconds } from './load.mjs'
import { NGINX, startNginx } from './nginx.mjs'
import { printReport } from './report.mjs'
import { runWorkersScenario } from './workers.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '50' },
    json: { type: 'string' },
    // Only these targets (comma-separated names), for a focused comparison.
    targets: { type: 'string' },
    // Another checkout of vstatic with dist/ built (an older commit): served as "vstatic (baseline)".
    baseline: { type: 'string' },
    // Request paths on the small root only: no 100,000-file root, no index or build figures.
    'requests-only': { type: 'boolean', default: false },
    // Only `serve --workers 2` against nginx with two workers (bench/workers.mjs).
    'workers-scenario': { type: 'boolean', default: false },
    // Another Node binary: the workers scenario also runs `serve --workers 2` with it.
    'workers-node': { type: 'string' },
  },
})
const QUICK = flags.quick
const DURATION = Number(flags.duration ?? (QUICK ? 1 : 4))
const ROUNDS = Number(flags.rounds ?? (QUICK ? 1 : 3))
const CONNECTIONS = Number(flags.connections)
const BASELINE = 'vstatic (baseline)'

let TARGETS = [
  'vstatic',
  'vstatic-fastify',
  'vstatic-express',
  'sirv',
  'serve-static',
  '@fastify/static',
  'node:http bare',
]
if (NGINX) TARGETS.push('nginx')
if (flags.baseline) TARGETS.splice(1, 0, BASELINE)
if (flags.targets) {
  const wanted = flags.targets.split(',')
  TARGETS = TARGETS.filter((name) => wanted.includes(name))
}

/** Each scenario: the path, the headers, and the status every response must have. */
const SCENARIOS = [
  { name: '1 KiB GET', path: () => '/static/small.txt', status: 200 },
  { name: 'versioned 1 KiB GET', path: (t) => `/static/small.txt?v=${t.token}`, status: 200 },
  {
    name: '304 revalidation',
    path: () => '/static/small.txt',
    headers: (t) => ({ 'If-None-Match': t.etag }),
    status: 304,
  },
  // A token that is not the current one: the full body, answered with no-cache (never immutable).
  { name: 'stale-token 50 KiB GET', path: () => '/static/app.js?v=0123456789abcdef', status: 200 },
  { name: '1 MiB GET', path: () => '/static/large.bin', status: 200, megabytes: 1 },
  // Above memoryMaxFileSize: read from an open descriptor and checked before its last chunk.
  { name: 'streamed 4 MiB GET', path: () => '/static/streamed.bin', status: 200, megabytes: 4 },
  { name: '404', path: () => '/static/missing.txt', status: 404 },
]

// --- targets ---------------------------------------------------------------------------------

async function startTarget(name, root, env = {}) {
  if (name === 'nginx') return startNginx(root, { pin: PIN })
  if (name === BASELINE) {
    const dist = pathToFileURL(path.resolve(flags.baseline, 'dist', 'index.js')).href
    return { ...(await startTarget('vstatic', root, { ...env, VSTATIC_DIST: dist })), name }
  }
  const command = PIN ? 'taskset' : process.execPath
  const args = PIN
    ? ['-c', '0', process.execPath, path.join(HERE, 'target.mjs'), name, root]
    : [path.join(HERE, 'target.mjs'), name, root]
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  const port = await targetPort(child, name)
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill() }
}

/** What a scenario needs to know about a target: its ETag for the file, and vstatic's token. */
async function describeTarget(target, token) {
  const response = await httpGet(`${target.url}/static/small.txt`, {})
  return { ...target, etag: response.headers.etag ?? '"none"', token }
}

// --- run -------------------------------------------------------------------------------------

/** `serve --workers 2` against nginx with two workers; in a full or smoke run, after the rest. */
const runWorkers = () =>
  runWorkersScenario({
    quick: QUICK,
    rounds: ROUNDS,
    seconds: DURATION,
    connections: CONNECTIONS,
    node: flags['workers-node'],
    baseline: flags.baseline,
    // With --workers-scenario, --targets picks among this scenario's targets.
    only: flags['workers-scenario'] ? flags.targets?.split(',') : undefined,
  })

/** `--workers-scenario`: that scenario alone. */
async function mainWorkers() {
  const started = Date.now()
  ensureFixture({ huge: false, quick: QUICK })
  execFileSync('npm', ['run', '-s', 'build'], { cwd: path.join(HERE, '..'), stdio: 'inherit' })
  const workers = await runWorkers()
  console.log(`\nElapsed: ${Math.round((Date.now() - started) / 1000)}s`)
  if (flags.json)
    writeFileSync(flags.json, `${JSON.stringify({ date: new Date().toISOString(), workers }, null, 2)}\n`)
  reportEnd(workers.notes, workers.failures)
}

function reportEnd(notes, failures) {
  if (notes.length > 0) console.error(`\nNot counted as failures (peers under load):\n${notes.join('\n')}`)
  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s):\n${failures.join('\n')}`)
    process.exitCode = 1
  }
}

async function main() {
  const started = Date.now()
  ensureFixture({ huge: true, quick: QUICK })
  execFileSync('npm', ['run', '-s', 'build'], { cwd: path.join(HERE, '..'), stdio: 'inherit' })
  const { createStatic } = await import('../dist/index.js')
  const token = (await createStatic({ root: SMALL_ROOT })).get('small.txt').token

  const failures = []
  const targets = []
  for (const name of TARGETS) targets.push(await describeTarget(await startTarget(name, SMALL_ROOT), token))
  const huge =
    TARGETS.includes('vstatic') && !flags['requests-only']
      ? await describeTarget(
          { ...(await startTarget('vstatic', HUGE_ROOT)), name: 'vstatic (100,000 files)' },
          token,
        )
      : undefined
  failures.push(...(await checkStatuses(targets)))
  const samples = measure(targets, huge)
  for (const target of [...targets, huge]) target?.stop()

  const notes = []
  const rows = toRows(samples, failures, notes)
  const skipMetrics = flags['requests-only']
  const baselineDist = flags.baseline
    ? pathToFileURL(path.resolve(flags.baseline, 'dist', 'index.js')).href
    : undefined
  const metrics = skipMetrics ? undefined : await runIndexMetrics({ quick: QUICK, baselineDist })
  const build = skipMetrics ? undefined : await runBuildMetrics({ quick: QUICK })
  if (build !== undefined) failures.push(...build.failures)
  // Focused runs (--targets, --requests-only) leave the workers scenario out.
  const workers = skipMetrics || flags.targets ? undefined : await runWorkers()
  if (workers !== undefined) {
    failures.push(...workers.failures)
    notes.push(...workers.notes)
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    loader: LOADER,
    pinned: PIN,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    rows,
    samples: Object.fromEntries(samples),
    metrics,
    build,
    workers,
    failures,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  }
  printReport(result, SCENARIOS)
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`)
  reportEnd(notes, failures)
}

/** Every scenario answers with the status it should before anything is timed. */
async function checkStatuses(targets) {
  const failures = []
  for (const scenario of SCENARIOS) {
    for (const target of targets) {
      // node:http, not fetch: fetch adds Cache-Control: no-cache to conditional requests.
      const response = await httpGet(target.url + scenario.path(target), scenario.headers?.(target) ?? {})
      if (response.status !== scenario.status)
        failures.push(
          `${target.name} ${scenario.name}: status ${response.status}, expected ${scenario.status}`,
        )
    }
  }
  return failures
}

/** Interleaved rounds (A B C … A B C …): samples by "scenario|target", one per round. */
function measure(targets, huge) {
  const samples = new Map()
  const record = (key, sample) => samples.set(key, [...(samples.get(key) ?? []), sample])
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}/${ROUNDS}\n`)
    for (const scenario of SCENARIOS) {
      for (const target of targets) {
        const url = target.url + scenario.path(target)
        record(`${scenario.name}|${target.name}`, loadCounted(target, url, scenario.headers?.(target) ?? {}))
      }
    }
    if (huge !== undefined)
      record(`1 KiB GET|${huge.name}`, loadCounted(huge, `${huge.url}/static/small.txt`, {}))
  }
  return samples
}

/** One load run, with the server's CPU time per request (all its processes) when it can be read. */
function loadCounted(target, url, headers) {
  const before = target.pid === undefined ? undefined : treeCpuMicroseconds(target.pid)
  const sample = load(url, headers, { seconds: DURATION, connections: CONNECTIONS })
  const after = target.pid === undefined ? undefined : treeCpuMicroseconds(target.pid)
  const cpuUsPerRequest =
    before === undefined || after === undefined || sample.requests === 0
      ? undefined
      : (after - before) / sample.requests
  return { ...sample, cpuUsPerRequest }
}

function toRows(samples, failures, notes) {
  const rows = []
  for (const [key, list] of samples) {
    const [scenarioName, targetName] = key.split('|')
    const scenario = SCENARIOS.find((candidate) => candidate.name === scenarioName)
    const unexpected =
      scenario.status === 200 || scenario.status === 304 ? list.reduce((sum, s) => sum + s.nonSuccess, 0) : 0
    const errors = list.reduce((sum, s) => sum + s.errors, 0) + unexpected
    const requestsPerSecond = median(list.map((s) => s.requestsPerSecond))
    // Timeouts and stalls of a peer on a busy machine are the peer's: only vstatic's fail the run
    // (every target's statuses were checked before timing).
    const report = targetName.startsWith('vstatic') ? failures : notes
    if (errors > 0) report.push(`${targetName} ${scenarioName}: ${errors} errors`)
    if (requestsPerSecond <= 0) report.push(`${targetName} ${scenarioName}: no requests completed`)
    rows.push({
      scenario: scenarioName,
      target: targetName,
      requestsPerSecond: Math.round(requestsPerSecond),
      megabytesPerSecond: scenario.megabytes
        ? Math.round(requestsPerSecond * scenario.megabytes * 1.048576)
        : undefined,
      p99Ms: Number(median(list.map((s) => s.p99Ms)).toFixed(2)),
      cpuUsPerRequest: list.every((s) => s.cpuUsPerRequest !== undefined)
        ? Number(median(list.map((s) => s.cpuUsPerRequest)).toFixed(2))
        : undefined,
      errors,
    })
  }
  return rows
}

await (flags['workers-scenario'] ? mainWorkers() : main())
