// The benchmark suite: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (smoke: it
// fails on errors, never on speed). Every target runs in its own process on 127.0.0.1, pinned to
// CPU 0 when taskset exists; the load generator (wrk, else autocannon) runs pinned to CPU 1.
// Rounds are interleaved (A B C … A B C …) and the medians are reported with ratios measured in
// the same run.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureFixture, HUGE_ROOT, SMALL_ROOT } from './fixture.mjs'
import { runIndexMetrics } from './index-metrics.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '50' },
    json: { type: 'string' },
  },
})
const QUICK = flags.quick
const DURATION = Number(flags.duration ?? (QUICK ? 1 : 4))
const ROUNDS = Number(flags.rounds ?? (QUICK ? 1 : 3))
const CONNECTIONS = Number(flags.connections)

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
const PIN = has('taskset') && os.availableParallelism() >= 2
const LOADER = has('wrk') ? 'wrk' : 'autocannon'
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file))

const TARGETS = [
  'vstatic',
  'vstatic-fastify',
  'vstatic-express',
  'sirv',
  'serve-static',
  '@fastify/static',
  'node:http bare',
]
if (NGINX) TARGETS.push('nginx')

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
  {
    name: '1 MiB GET',
    path: () => '/static/large.bin',
    status: 200,
    megabytes: true,
    skip: ['node:http bare'],
  },
  { name: '404', path: () => '/static/missing.txt', status: 404, skip: ['node:http bare'] },
]

// --- targets ---------------------------------------------------------------------------------

async function startTarget(name, root, env = {}) {
  if (name === 'nginx') return startNginx(root)
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
  return { name, url: `http://127.0.0.1:${port}`, stop: () => child.kill() }
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

// --- load ------------------------------------------------------------------------------------

function load(url, headers) {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  if (LOADER === 'wrk') {
    const args = ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', ...headerArgs, url]
    const output = execFileSync(PIN ? 'taskset' : 'wrk', PIN ? ['-c', '1', 'wrk', ...args] : args, {
      encoding: 'utf8',
    })
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
    return {
      requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
      p99Ms: toMs(/\s99%\s+([\d.]+)(us|ms|s)/.exec(output)),
      nonSuccess: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
      errors: socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0,
    }
  }
  const bin = path.join(HERE, '..', 'node_modules', '.bin', 'autocannon')
  const args = [
    '-c',
    String(CONNECTIONS),
    '-d',
    String(DURATION),
    '-j',
    ...headerArgs.map((value, index) => (index % 2 ? value.replace(': ', '=') : value)),
    url,
  ]
  const result = JSON.parse(
    execFileSync(PIN ? 'taskset' : bin, PIN ? ['-c', '1', bin, ...args] : args, { encoding: 'utf8' }),
  )
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    nonSuccess: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

function toMs(match) {
  if (!match) return 0
  const value = Number(match[1])
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

// --- run -------------------------------------------------------------------------------------

async function main() {
  const started = Date.now()
  ensureFixture({ huge: true })
  execFileSync('npm', ['run', '-s', 'build'], { cwd: path.join(HERE, '..'), stdio: 'inherit' })
  const { createStatic } = await import('../dist/index.js')
  const token = (await createStatic({ root: SMALL_ROOT })).get('small.txt').token

  const failures = []
  const targets = []
  for (const name of TARGETS) targets.push(await describeTarget(await startTarget(name, SMALL_ROOT), token))
  const huge = await describeTarget(
    { ...(await startTarget('vstatic', HUGE_ROOT)), name: 'vstatic (100,000 files)' },
    token,
  )

  // Every scenario answers with the status it should before anything is timed.
  for (const scenario of SCENARIOS) {
    for (const target of targets) {
      if (scenario.skip?.includes(target.name)) continue
      // node:http, not fetch: fetch adds Cache-Control: no-cache to conditional requests.
      const response = await httpGet(target.url + scenario.path(target), scenario.headers?.(target) ?? {})
      if (response.status !== scenario.status)
        failures.push(
          `${target.name} ${scenario.name}: status ${response.status}, expected ${scenario.status}`,
        )
    }
  }

  const samples = new Map()
  const record = (key, sample) => samples.set(key, [...(samples.get(key) ?? []), sample])
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}/${ROUNDS}\n`)
    for (const scenario of SCENARIOS) {
      for (const target of targets) {
        if (scenario.skip?.includes(target.name)) continue
        record(
          `${scenario.name}|${target.name}`,
          load(target.url + scenario.path(target), scenario.headers?.(target) ?? {}),
        )
      }
    }
    record(`1 KiB GET|${huge.name}`, load(`${huge.url}/static/small.txt`, {}))
  }
  for (const target of [...targets, huge]) target.stop()

  const rows = []
  for (const [key, list] of samples) {
    const [scenarioName, targetName] = key.split('|')
    const scenario = SCENARIOS.find((candidate) => candidate.name === scenarioName)
    const unexpected =
      scenario.status === 200 || scenario.status === 304 ? list.reduce((sum, s) => sum + s.nonSuccess, 0) : 0
    const errors = list.reduce((sum, s) => sum + s.errors, 0) + unexpected
    if (errors > 0) failures.push(`${targetName} ${scenarioName}: ${errors} errors`)
    if (median(list.map((s) => s.requestsPerSecond)) <= 0)
      failures.push(`${targetName} ${scenarioName}: no requests completed`)
    rows.push({
      scenario: scenarioName,
      target: targetName,
      requestsPerSecond: Math.round(median(list.map((s) => s.requestsPerSecond))),
      megabytesPerSecond: scenario.megabytes
        ? Math.round(median(list.map((s) => s.requestsPerSecond)) * 1.048576)
        : undefined,
      p99Ms: Number(median(list.map((s) => s.p99Ms)).toFixed(2)),
      errors,
    })
  }

  const metrics = await runIndexMetrics({ quick: QUICK })
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loader: LOADER,
    pinned: PIN,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    rows,
    metrics,
    failures,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  }
  printReport(result)
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`)
  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s):\n${failures.join('\n')}`)
    process.exitCode = 1
  }
}

function printReport(result) {
  const find = (scenario, target) =>
    result.rows.find((row) => row.scenario === scenario && row.target === target)
  console.log(`\nvstatic benchmark, ${result.date}`)
  console.log(
    `${result.machine}; load: ${result.loader}, ${CONNECTIONS} connections, ${result.durationSeconds}s × ${result.rounds} interleaved rounds; pinned to separate cores: ${result.pinned}\n`,
  )
  for (const scenario of SCENARIOS) {
    const sirv = find(scenario.name, 'sirv')
    const bare = find(
      scenario.name === '1 MiB GET' || scenario.name === '404' ? '1 KiB GET' : scenario.name,
      'node:http bare',
    )
    const serveStatic = find(scenario.name, 'serve-static')
    console.log(`${scenario.name}`)
    console.log(
      `  ${'target'.padEnd(26)}${(scenario.megabytes ? 'MB/s' : 'req/s').padStart(10)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'× sirv'.padStart(9)}${(scenario.megabytes ? '× serve-static' : '× bare').padStart(16)}`,
    )
    const rows = result.rows.filter((row) => row.scenario === scenario.name)
    for (const row of rows) {
      const value = row.megabytesPerSecond ?? row.requestsPerSecond
      const versusSirv = sirv ? (row.requestsPerSecond / sirv.requestsPerSecond).toFixed(2) : '–'
      const versusOther = scenario.megabytes
        ? serveStatic
          ? (row.requestsPerSecond / serveStatic.requestsPerSecond).toFixed(2)
          : '–'
        : bare && scenario.name !== '404'
          ? (row.requestsPerSecond / bare.requestsPerSecond).toFixed(2)
          : '–'
      console.log(
        `  ${row.target.padEnd(26)}${String(value).padStart(10)}${row.p99Ms.toFixed(2).padStart(9)}${String(row.errors).padStart(8)}${versusSirv.padStart(9)}${versusOther.padStart(16)}`,
      )
    }
    console.log('')
  }
  const v = (scenario) => find(scenario, 'vstatic')?.requestsPerSecond ?? 0
  const r = (scenario, target) => find(scenario, target)?.requestsPerSecond ?? 1
  const hugeRow = result.rows.find((row) => row.target.includes('100,000'))
  const m = result.metrics
  const checks = [
    ['1 KiB GET ≥ 0.85× bare', v('1 KiB GET') / r('1 KiB GET', 'node:http bare'), 0.85],
    ['1 KiB GET ≥ 3× sirv', v('1 KiB GET') / r('1 KiB GET', 'sirv'), 3],
    [
      'versioned GET ≥ 0.85× bare',
      v('versioned 1 KiB GET') / r('versioned 1 KiB GET', 'node:http bare'),
      0.85,
    ],
    ['versioned GET ≥ 3× sirv', v('versioned 1 KiB GET') / r('versioned 1 KiB GET', 'sirv'), 3],
    ['304 ≥ 0.9× bare 304', v('304 revalidation') / r('304 revalidation', 'node:http bare'), 0.9],
    ['304 ≥ 1.0× sirv', v('304 revalidation') / r('304 revalidation', 'sirv'), 1],
    ['1 MiB GET ≥ 1.5× serve-static', v('1 MiB GET') / r('1 MiB GET', 'serve-static'), 1.5],
    ['404 ≥ 1.0× sirv', v('404') / r('404', 'sirv'), 1],
    ['100,000 files ≥ 0.95× small root', (hugeRow?.requestsPerSecond ?? 0) / v('1 KiB GET'), 0.95],
    ['index build ≥ 0.8× cat throughput', m.indexBuild.ratioToCat, 0.8],
    ['startup from 10,000-entry manifest < 100 ms', 100 / Math.max(m.manifestStartupMs, 0.001), 1],
    ['url() ≥ 5 M calls/s', m.urlCallsPerSecond / 5e6, 1],
    ['index < 1 KiB per file', 1024 / Math.max(m.bytesPerIndexedFile, 1), 1],
  ]
  console.log('Targets (ratios from this run)')
  for (const [label, ratio, goal] of checks) {
    console.log(`  ${ratio >= goal ? 'met ' : 'MISS'}  ${label.padEnd(46)} ${ratio.toFixed(2)}`)
  }
  console.log(
    `\nIndex build, 10,000 files (${(m.indexBuild.bytes / 1e6).toFixed(1)} MB, warm cache): vstatic ${m.indexBuild.vstaticMs} ms, cat ${m.indexBuild.catMs} ms, sha256sum ${m.indexBuild.sha256sumMs} ms`,
  )
  console.log(`Startup from a 10,000-entry manifest: ${m.manifestStartupMs} ms in the process`)
  console.log(`url(): ${(m.urlCallsPerSecond / 1e6).toFixed(1)} M calls/s`)
  console.log(
    `Index memory: ${Math.round(m.bytesPerIndexedFile)} bytes per file (heap, no cached bodies); body cache stayed within its budget: ${m.bodyCacheWithinBudget}`,
  )
  console.log(`\nElapsed: ${result.elapsedSeconds}s`)
}

await main()
