// Instructions per request: each target (bench/target.mjs) runs under valgrind's callgrind, which
// counts the instructions the server process executes in user space, in every thread (the main
// thread, V8's compiler and collector threads, libuv's). Unlike CPU time, the count does not move
// when other work shares the machine, so small differences between servers can be settled.
//
//   node bench/instructions.mjs                       # vstatic against node:http bare
//   node bench/instructions.mjs --baseline ../old     # and another checkout's dist/
//   node bench/instructions.mjs --requests 2000 --warmup 20000 --rounds 2
//   node bench/instructions.mjs --semi-space 2        # and vstatic under node --max-semi-space-size=2
//   node bench/instructions.mjs --targets 'vstatic,bare, vstatic headers' --scenarios '1 KiB GET' --keep /tmp/cg
//
// Each target is started with instrumentation off (valgrind runs it about five times slower),
// warmed up with --warmup requests of each scenario so V8 has optimised the hot path, then for each
// scenario and round: instrumentation on, counters zeroed, --requests requests on 16 keep-alive
// connections, counters dumped. The kernel's side of each request (the socket reads and writes)
// is not counted; `--syscalls` also counts the system calls per request with strace.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureFixture, SMALL_ROOT } from './fixture.mjs'
import { targetPort } from './load.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const { values: flags } = parseArgs({
  options: {
    baseline: { type: 'string' },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '2' },
    syscalls: { type: 'boolean', default: false },
    // Also run vstatic with V8's young generation capped at this many MiB a semi-space
    // (`node --max-semi-space-size`), to count what a smaller young generation costs per request.
    'semi-space': { type: 'string' },
    // Keep every counted dump in this folder, for callgrind_annotate (names of C++ and builtins).
    keep: { type: 'string' },
    // Comma-separated names: only these targets, only these scenarios.
    targets: { type: 'string' },
    scenarios: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (flags.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0])
  process.exit(0)
}
for (const command of ['valgrind', 'callgrind_control', ...(flags.syscalls ? ['strace'] : [])]) {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) {
    console.error(`${command} is not installed (Debian: apt-get install valgrind strace)`)
    process.exit(2)
  }
}
const REQUESTS = Number(flags.requests)
const WARMUP = Number(flags.warmup)
const ROUNDS = Number(flags.rounds)
const CONNECTIONS = 16

ensureFixture({ huge: false, sites: false })
const root = SMALL_ROOT
const { createStatic } = await import('../dist/index.js')
const token = (await createStatic({ root })).get('small.txt').token

let SCENARIOS = [
  { name: '1 KiB GET', path: () => '/static/small.txt', status: 200 },
  { name: 'versioned 1 KiB GET', path: () => `/static/small.txt?v=${token}`, status: 200 },
  {
    name: '304 revalidation',
    path: () => '/static/small.txt',
    headers: (target) => ({ 'if-none-match': target.etag }),
    status: 304,
  },
  { name: 'stale-token 50 KiB GET', path: () => '/static/app.js?v=0123456789abcdef', status: 200 },
  { name: '404', path: () => '/static/missing.txt', status: 404 },
]

let TARGETS = [
  { name: 'vstatic', target: 'vstatic', env: {} },
  ...(flags.baseline
    ? [
        {
          name: `vstatic (${path.basename(path.resolve(flags.baseline))})`,
          target: 'vstatic',
          env: { VSTATIC_DIST: pathToFileURL(path.resolve(flags.baseline, 'dist', 'index.js')).href },
        },
      ]
    : []),
  ...(flags['semi-space']
    ? [
        {
          name: `vstatic, semi-space ${flags['semi-space']} MiB`,
          target: 'vstatic',
          env: { NODE_OPTIONS: `--max-semi-space-size=${Number(flags['semi-space'])}` },
        },
      ]
    : []),
  { name: 'node:http bare', target: 'node:http bare', env: {} },
  { name: 'bare, vstatic headers', target: 'node:http bare, vstatic headers', env: {} },
]

const only = (list, wanted) =>
  wanted === undefined ? list : list.filter((item) => wanted.split(/,(?! )/).includes(item.name))
TARGETS = only(TARGETS, flags.targets)
SCENARIOS = only(SCENARIOS, flags.scenarios)
if (flags.keep) mkdirSync(flags.keep, { recursive: true })

const scratch = path.join(os.tmpdir(), `vstatic-instructions-${process.pid}`)

/** Starts a target, under callgrind unless `plain` (strace cannot tell valgrind's calls from Node's). */
async function start(spec, plain = false) {
  const command = [process.execPath, path.join(HERE, 'target.mjs'), spec.target, root]
  const callgrind = [
    '--tool=callgrind',
    '--instr-atstart=no',
    // V8 writes machine code and runs it: valgrind must notice code that changes.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${scratch}.%p`,
  ]
  const child = spawn(
    plain ? command[0] : 'valgrind',
    plain ? command.slice(1) : [...callgrind, ...command],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env },
    },
  )
  let errors = ''
  child.stderr.on('data', (chunk) => {
    errors += chunk
  })
  const port = await targetPort(child, spec.name, () => `:\n${errors}`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const target = { ...spec, child, port, agent }
  const first = await request(target, '/static/small.txt', {})
  return { ...target, etag: first.headers.etag }
}

function request(target, urlPath, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: '127.0.0.1',
      port: target.port,
      path: urlPath,
      headers,
      agent: target.agent,
    })
    req.on('response', (response) => {
      response.on('data', () => {})
      response.on('end', () => resolve(response))
      response.on('error', reject)
    })
    req.on('error', reject)
  })
}

/** `count` requests of one scenario, CONNECTIONS at a time; every status must be the expected one. */
async function send(target, scenario, count) {
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      const response = await request(target, scenario.path(target), scenario.headers?.(target) ?? {})
      if (response.statusCode !== scenario.status)
        throw new Error(`${target.name} ${scenario.name}: status ${response.statusCode}`)
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
}

/**
 * Runs callgrind_control on the target. Valgrind reads the command when the process next runs code,
 * so one request wakes it (counted among the measured ones when instrumentation is on).
 */
async function control(target, args) {
  const done = new Promise((resolve, reject) => {
    const child = spawn('callgrind_control', [...args, String(target.child.pid)], { stdio: 'ignore' })
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`callgrind_control ${args} exited ${code}`)),
    )
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  await request(target, '/static/small.txt', {})
  await done
}

/** The total of the newest dump of `pid`, which is kept as `keepAs` in --keep's folder. */
function lastDump(pid, keepAs) {
  const prefix = path.basename(`${scratch}.${pid}.`)
  const dumps = readdirSync(path.dirname(scratch))
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
  const file = path.join(path.dirname(scratch), dumps.at(-1))
  if (flags.keep) copyFileSync(file, path.join(flags.keep, `${keepAs.replace(/[^\w.-]+/g, '-')}.callgrind`))
  const text = readFileSync(file, 'utf8')
  const totals = /^(?:totals|summary): (\d+)/m.exec(text)
  if (totals === null) throw new Error(`no totals in ${dumps.at(-1)}`)
  return Number(totals[1])
}

/** System calls per request, from strace attached while `count` requests are served. */
async function syscallsPerRequest(target, scenario, count) {
  const trace = spawn('strace', ['-f', '-c', '-p', String(target.child.pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let summary = ''
  trace.stderr.on('data', (chunk) => {
    summary += chunk
  })
  await new Promise((resolve) => setTimeout(resolve, 500))
  await send(target, scenario, count)
  trace.kill('SIGINT')
  await new Promise((resolve) => trace.once('exit', resolve))
  const total = /^-+.*\n\s*100\.00\s+[\d.]+\s+\d+\s+(\d+)/m.exec(summary)
  return total ? Number(total[1]) / count : Number.NaN
}

async function stop(target) {
  target.agent.destroy()
  const exited = new Promise((resolve) => target.child.once('exit', resolve))
  target.child.kill()
  await exited
}

const results = new Map()
for (const spec of TARGETS) {
  const target = await start(spec)
  try {
    for (const scenario of SCENARIOS) await send(target, scenario, WARMUP)
    await control(target, ['-i', 'on'])
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of SCENARIOS) {
        await control(target, ['-z'])
        await send(target, scenario, REQUESTS)
        await control(target, ['-d'])
        const perRequest =
          lastDump(target.child.pid, `${spec.name}-${scenario.name}-${round}`) / (REQUESTS + 1)
        const key = `${scenario.name}|${spec.name}`
        results.set(key, [...(results.get(key) ?? []), perRequest])
      }
    }
  } finally {
    await stop(target)
    for (const name of readdirSync(path.dirname(scratch)))
      if (name.startsWith(path.basename(scratch)))
        rmSync(path.join(path.dirname(scratch), name), { force: true })
  }
}

if (flags.syscalls)
  for (const spec of TARGETS) {
    const target = await start(spec, true)
    try {
      for (const scenario of SCENARIOS) {
        await send(target, scenario, WARMUP)
        results.set(`${scenario.name}|${spec.name}|syscalls`, [
          await syscallsPerRequest(target, scenario, REQUESTS),
        ])
      }
    } finally {
      await stop(target)
    }
  }

// Ratios are against bare node:http, or the last target named when it is left out.
const bare = TARGETS.some((t) => t.name === 'node:http bare') ? 'node:http bare' : TARGETS.at(-1).name
const format = (n) => Math.round(n).toLocaleString('en-US')
console.log(
  `\nInstructions per request (user space, all threads), ${REQUESTS} requests × ${ROUNDS} rounds, Node ${process.version}`,
)
console.log(
  `| scenario | ${TARGETS.map((t) => t.name).join(' | ')} | ${TARGETS.filter((t) => t.name !== bare)
    .map((t) => `${t.name} × ${bare}`)
    .join(' | ')} |`,
)
console.log(`| --- |${' ---: |'.repeat(TARGETS.length * 2 - 1)}`)
for (const scenario of SCENARIOS) {
  const per = (name) => results.get(`${scenario.name}|${name}`)
  const cells = TARGETS.map((t) => per(t.name).map(format).join(' / '))
  // Requests per instruction against bare, as "× bare" reads elsewhere in the bench: above 1 is cheaper.
  const ratios = TARGETS.filter((t) => t.name !== bare).map((t) => {
    const mine = per(t.name).reduce((a, b) => a + b) / ROUNDS
    const theirs = per(bare).reduce((a, b) => a + b) / ROUNDS
    return (theirs / mine).toFixed(3)
  })
  console.log(`| ${scenario.name} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`)
}
if (flags.syscalls) {
  console.log('\nSystem calls per request (strace -f -c)')
  for (const scenario of SCENARIOS)
    console.log(
      `${scenario.name}: ${TARGETS.map((t) => `${t.name} ${results.get(`${scenario.name}|${t.name}|syscalls`)[0].toFixed(2)}`).join(', ')}`,
    )
}
