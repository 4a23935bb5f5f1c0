// The benchmark suite: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (smoke: it
// fails on errors, never on speed). Every target runs in its own process on 127.0.0.1, pinned to
// CPU 0 when taskset exists; the load generator (wrk, else autocannon) runs pinned to CPU 1.
// Rounds are interleaved (A B C … A B C …) and the medians are reported with ratios measured in
// the same run.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { runBuildMetrics } from './build-metrics.mjs'
import { ensureFixture, HUGE_ROOT, SMALL_ROOT } from './fixture.mjs'
import { runIndexMetrics } from './index-metrics.mjs'
import { cpuMicroseconds, LOADER, load, median, PIN } from './load.mjs'
import { printReport } from './report.mjs'

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
  },
})
const QUICK = flags.quick
const DURATION = Number(flags.duration ?? (QUICK ? 1 : 4))
const ROUNDS = Number(flags.rounds ?? (QUICK ? 1 : 3))
const CONNECTIONS = Number(flags.connections)
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file))
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
  if (name === 'nginx') return startNginx(root)
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
  const port = await new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /PORT (\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)))
  })
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill() }
}

async function startNginx(root) {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'vstatic-bench-nginx-'))
  mkdirSync(path.join(prefix, 'logs'))
  const port = await freePort()
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;  # the fixture may sit in a directory only its owner can read\n' : ''}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /static/ { alias ${root}/; etag on; }
  }
}
`,
  )
  const command = PIN ? 'taskset' : NGINX
  const args = [
    ...(PIN ? ['-c', '0', NGINX] : []),
    '-p',
    prefix,
    '-c',
    path.join(prefix, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]
  const child = spawn(command, args, { stdio: 'ignore' })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/static/small.txt`)
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { name: 'nginx', url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGQUIT') }
}

function httpGet(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }))
      })
      .on('error', reject)
  })
}

async function freePort() {
  const net = await import('node:net')
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** What a scenario needs to know about a target: its ETag for the file, and vstatic's token. */
async function describeTarget(target, token) {
  const response = await httpGet(`${target.url}/static/small.txt`, {})
  return { ...target, etag: response.headers.etag ?? '"none"', token }
}

// --- run -------------------------------------------------------------------------------------

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
    failures,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  }
  printReport(result, SCENARIOS)
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`)
  if (notes.length > 0) console.error(`\nNot counted as failures (peers under load):\n${notes.join('\n')}`)
  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s):\n${failures.join('\n')}`)
    process.exitCode = 1
  }
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

/** One load run, with the server's CPU time per request when it can be read. */
function loadCounted(target, url, headers) {
  const before = target.pid === undefined ? undefined : cpuMicroseconds(target.pid)
  const sample = load(url, headers, { seconds: DURATION, connections: CONNECTIONS })
  const after = target.pid === undefined ? undefined : cpuMicroseconds(target.pid)
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

await main()
