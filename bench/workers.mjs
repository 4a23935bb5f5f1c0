// `vstatic serve --workers 2` against nginx with `worker_processes 2` (and against one process of
// each), the comparison a user makes when choosing whether to put nginx in front. Everything runs
// unpinned on all cores, the loader included (wrk, two threads): on a 2-core machine the loader
// shares the CPUs with the servers, so CPU per request (of every process of a target: the primary and
// its workers, nginx's master and its workers) is printed next to throughput. Then, per target, the
// time from spawn to its first served request and the resident memory of each of its processes, idle,
// on a 10,000-file site tree.
//
//   npm run bench -- --workers-scenario [--rounds 5] [--duration 4] [--workers-node <node binary>]
//                                       [--baseline <checkout with dist/>] [--targets <name,name>]
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { QUICK_BUILD_ROOT, SITE_ROOT, SMALL_ROOT, sitePublic } from './fixture.mjs'
import { httpGet, load, median, processTree, residentMiB, spread, treeCpuMicroseconds } from './load.mjs'
import { freePort, NGINX, startNginx } from './nginx.mjs'
import { roundRatios } from './report.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const CLI = path.join(HERE, '..', 'dist', 'cli', 'main.js')
const NGINX_2 = 'nginx worker_processes 2'

const SCENARIOS = [
  { name: '1 KiB GET', path: '/static/small.txt', status: 200 },
  { name: '1 MiB GET', path: '/static/large.bin', status: 200, megabytes: 1 },
  { name: '304 revalidation', path: '/static/small.txt', status: 304, conditional: true },
  // Where the primary's round robin costs: every request opens a connection.
  { name: '1 KiB GET, a connection each', path: '/static/small.txt', status: 200, close: true },
]

/** The targets of this scenario: name and how to start it on a root. */
function targetsFor({ quick, node, baseline }) {
  const cli = (name, args, { binary = process.execPath, cli = CLI } = {}) => ({
    name,
    start: (root) => startCli(name, binary, cli, root, args),
  })
  const targets = [cli('vstatic serve --workers 2', ['--workers', '2']), cli('vstatic serve', [])]
  if (node !== undefined) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
    targets.push(cli(`vstatic serve --workers 2 (Node ${version})`, ['--workers', '2'], { binary: node }))
  }
  if (baseline !== undefined) {
    const cliOf = path.resolve(baseline, 'dist', 'cli', 'main.js')
    targets.push(cli('vstatic serve --workers 2 (baseline)', ['--workers', '2'], { cli: cliOf }))
  }
  // Node's ceiling on two cores: two bare node:http processes (answers from memory, fixed headers)
  // sharing the port with SO_REUSEPORT, where this Node has it.
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (process.platform === 'linux' && (major > 22 || (major === 22 && minor >= 12)))
    targets.push({ name: 'node:http bare ×2 (reusePort)', start: startBarePair, serveOnly: true })
  if (NGINX) {
    // The header vstatic sends for a plain URL, so both answer with the same headers but the server's.
    const cacheControl = 'public, max-age=0, must-revalidate'
    targets.push({
      name: NGINX_2,
      start: (root) => startNginx(root, { workers: 2, name: NGINX_2, cacheControl }),
    })
    if (!quick) {
      const name = 'nginx worker_processes 1'
      targets.push({ name, start: (root) => startNginx(root, { workers: 1, name, cacheControl }) })
    }
  }
  return targets
}

/** Two bench/target.mjs 'node:http bare' processes on one port: { name, url, pid: [both], stop }. */
async function startBarePair(root) {
  const port = await freePort()
  const children = [0, 1].map(() =>
    spawn(process.execPath, [path.join(HERE, 'target.mjs'), 'node:http bare', root], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_REUSE_PORT: String(port) },
    }),
  )
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve, reject) => {
          child.stdout.on('data', (chunk) => /PORT/.test(String(chunk)) && resolve())
          child.once('exit', (code) => reject(new Error(`node:http bare exited (${code})`)))
        }),
    ),
  )
  return {
    name: 'node:http bare ×2 (reusePort)',
    url: `http://127.0.0.1:${port}`,
    pid: children.map((child) => child.pid),
    stop: () => {
      for (const child of children) child.kill()
    },
  }
}

/** Runs `vstatic serve <root>` from the CLI on a free port: { name, url, pid, stop }. */
function startCli(name, binary, cli, root, args) {
  const child = spawn(
    binary,
    [cli, 'serve', root, '--port', '0', '--host', '127.0.0.1', '--quiet', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /Listening on (http:\/\/\S+)/.exec(output)
      if (match)
        resolve({
          name,
          url: match[1],
          pid: child.pid,
          stop: () => child.kill('SIGTERM'),
          output: () => output,
        })
    })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${output}`)))
  })
}

/**
 * The scenario: checks, interleaved rounds, then startup and memory. Returns rows, samples (by
 * "scenario|target"), memory, failures (vstatic's errors) and notes (a peer's).
 */
export async function runWorkersScenario({
  quick = false,
  rounds = quick ? 1 : 3,
  seconds = quick ? 1 : 4,
  connections = 50,
  node,
  baseline,
  only,
} = {}) {
  const targets = targetsFor({ quick, node, baseline }).filter(
    (target) => only === undefined || only.includes(target.name),
  )
  const failures = []
  const notes = []
  const running = []
  try {
    for (const target of targets) running.push(await describe(await target.start(SMALL_ROOT)))
    failures.push(...(await checkStatuses(running)))
    // Not timed: every process compiles its hot path before the first round (not in the smoke run,
    // whose figures are not read).
    for (const target of quick ? [] : running)
      load(`${target.url}/static/small.txt`, {}, { seconds: 1, connections, pin: false, threads: 2 })
    const samples = {}
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`workers scenario: round ${round}/${rounds}\n`)
      for (const scenario of SCENARIOS)
        for (const target of running) {
          const key = `${scenario.name}|${target.name}`
          samples[key] = [...(samples[key] ?? []), measureOnce(target, scenario, { seconds, connections })]
        }
    }
    for (const target of running) target.stop()
    running.length = 0
    const rows = toRows(samples, failures, notes)
    printRequests({ rounds, seconds, connections, rows, samples })
    const memoryRoot = quick ? sitePublic(QUICK_BUILD_ROOT) : sitePublic(SITE_ROOT)
    const memory = await measureMemory(
      targets.filter((candidate) => !candidate.serveOnly),
      memoryRoot,
      { rounds, idleMs: quick ? 300 : 1000 },
    )
    const result = { rounds, seconds, connections, rows, samples, memory, memoryRoot, failures, notes }
    printMemory(result)
    return result
  } finally {
    for (const target of running) target.stop()
  }
}

/** A target with the ETag it sends for the 1 KiB file (each 304 uses the target's own). */
async function describe(target) {
  const response = await httpGet(`${target.url}/static/small.txt`)
  return { ...target, etag: response.headers.etag ?? '"none"' }
}

async function checkStatuses(targets) {
  const failures = []
  for (const scenario of SCENARIOS)
    for (const target of targets) {
      const response = await httpGet(target.url + scenario.path, headersOf(scenario, target))
      if (response.status !== scenario.status)
        failures.push(
          `${target.name} ${scenario.name}: status ${response.status}, expected ${scenario.status}`,
        )
    }
  return failures
}

const headersOf = (scenario, target) => ({
  ...(scenario.conditional ? { 'If-None-Match': target.etag } : {}),
  ...(scenario.close ? { Connection: 'close' } : {}),
})

/** One load run, unpinned, with the CPU time of all the target's processes per request. */
function measureOnce(target, scenario, { seconds, connections }) {
  const before = cpuOf(target)
  const sample = load(target.url + scenario.path, headersOf(scenario, target), {
    seconds,
    connections,
    pin: false,
    threads: 2,
  })
  const after = cpuOf(target)
  const cpuUsPerRequest =
    before === undefined || after === undefined || sample.requests === 0
      ? undefined
      : (after - before) / sample.requests
  return { ...sample, cpuUsPerRequest }
}

/** CPU time of every process of a target (one process tree, or several). */
function cpuOf(target) {
  let total = 0
  for (const pid of [target.pid].flat()) {
    const used = treeCpuMicroseconds(pid)
    if (used === undefined) return undefined
    total += used
  }
  return total
}

function toRows(samples, failures, notes) {
  const rows = []
  for (const [key, list] of Object.entries(samples)) {
    const [scenarioName, targetName] = key.split('|')
    const scenario = SCENARIOS.find((candidate) => candidate.name === scenarioName)
    const errors = list.reduce((sum, s) => sum + s.errors + s.nonSuccess, 0)
    const report = targetName.startsWith('vstatic') ? failures : notes
    if (errors > 0) report.push(`${targetName} ${scenarioName}: ${errors} errors`)
    const requestsPerSecond = median(list.map((s) => s.requestsPerSecond))
    if (requestsPerSecond <= 0) report.push(`${targetName} ${scenarioName}: no requests completed`)
    const cpu = list.map((s) => s.cpuUsPerRequest).filter((value) => value !== undefined)
    rows.push({
      scenario: scenarioName,
      target: targetName,
      requestsPerSecond: Math.round(requestsPerSecond),
      megabytesPerSecond: scenario.megabytes ? Math.round(requestsPerSecond * 1.048576) : undefined,
      cpuUsPerRequest: cpu.length === list.length ? Number(median(cpu).toFixed(1)) : undefined,
      errors,
    })
  }
  return rows
}

/**
 * Startup and idle memory of each target in interleaved rounds (the bare servers answer four fixed
 * files only and are left out): per target, the median startup and total with their ranges, and the
 * resident memory of each of its processes in every round.
 */
async function measureMemory(targets, root, { rounds, idleMs }) {
  const runs = new Map(targets.map((target) => [target.name, []]))
  for (let round = 0; round < rounds; round++)
    for (const target of targets) runs.get(target.name).push(await startupAndMemory(target, root, idleMs))
  return targets.map(({ name }) => {
    const list = runs.get(name)
    return {
      target: name,
      startupMs: median(list.map((run) => run.startupMs)),
      startupRangeMs: spread(list.map((run) => run.startupMs)),
      totalMiB: median(list.map((run) => run.totalMiB)),
      totalRangeMiB: spread(list.map((run) => run.totalMiB)),
      runs: list,
    }
  })
}

/** Time from spawn to the first served request, then resident memory of each process after `idleMs`. */
async function startupAndMemory(target, root, idleMs) {
  const file = firstFile(root)
  const started = performance.now()
  const running = await target.start(root)
  try {
    for (;;) {
      const response = await httpGet(`${running.url}/static/${file}`).catch(() => undefined)
      if (response?.status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const startupMs = Math.round(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, idleMs))
    const processes = [running.pid]
      .flat()
      .flatMap(processTree)
      .map((pid) => ({
        pid,
        rssMiB: Math.round(residentMiB(pid) ?? 0),
      }))
    const totalMiB = processes.reduce((sum, { rssMiB }) => sum + rssMiB, 0)
    return { target: target.name, startupMs, processes, totalMiB }
  } finally {
    running.stop()
  }
}

/** A file of the tree, as a URL path below /static/. */
function firstFile(root, relative = '') {
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (entry.name.startsWith('.')) continue
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`
    if (entry.isFile()) return name
    if (entry.isDirectory()) {
      const found = firstFile(root, name)
      if (found !== undefined) return found
    }
  }
  return undefined
}

const ratio = (ratios) => {
  if (ratios.length === 0) return '–'
  const [low, high] = spread(ratios)
  return ratios.length === 1
    ? median(ratios).toFixed(2)
    : `${median(ratios).toFixed(2)} (${low.toFixed(2)}–${high.toFixed(2)})`
}

function printRequests(result) {
  console.log(
    `\nserve --workers against nginx: unpinned, wrk -t2, ${result.connections} connections, ${result.seconds}s × ${result.rounds} interleaved rounds`,
  )
  for (const scenario of SCENARIOS) {
    console.log(scenario.name)
    console.log(
      `  ${'target'.padEnd(46)}${(scenario.megabytes ? 'MB/s' : 'req/s').padStart(9)}${'CPU µs/req'.padStart(12)}${'× nginx-2'.padStart(22)}${'× nginx-2 (CPU)'.padStart(22)}`,
    )
    for (const row of result.rows.filter((candidate) => candidate.scenario === scenario.name)) {
      const throughput = roundRatios(result, scenario.name, row.target, NGINX_2)
      const cpu = roundRatios(result, scenario.name, row.target, NGINX_2, true)
      console.log(
        `  ${row.target.padEnd(46)}${String(row.megabytesPerSecond ?? row.requestsPerSecond).padStart(9)}${String(row.cpuUsPerRequest ?? '–').padStart(12)}${ratio(throughput).padStart(22)}${ratio(cpu).padStart(22)}`,
      )
    }
  }
}

function printMemory(result) {
  console.log(`\nStartup (spawn to first served request) and idle memory on ${result.memoryRoot}`)
  for (const { target, startupMs, startupRangeMs, totalMiB, totalRangeMiB, runs } of result.memory) {
    const range = ([low, high], unit) => (runs.length > 1 ? ` (${low}–${high}${unit})` : '')
    const each = runs.map((run) => run.processes.map(({ rssMiB }) => rssMiB).join(' + ')).join('; ')
    console.log(
      `  ${target.padEnd(46)}${`${startupMs} ms${range(startupRangeMs, ' ms')}`.padStart(22)}   ${totalMiB} MiB${range(totalRangeMiB, ' MiB')}: ${each}`,
    )
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.error('run it with: npm run bench -- --workers-scenario')
  process.exitCode = 2
}
