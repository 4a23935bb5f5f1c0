// A bounded soak on loopback: `npm run soak` (about a minute) or runSoak({ seconds }) from a test.
// Mixed traffic (200s, 304s, ranges, 404s, aborted downloads) at hundreds of concurrent connections
// against `vstatic serve --workers 2`. In the middle come slow clients (downloads read slowly, and
// connections that trickle their headers), connections that pipeline thousands of requests for a
// streamed file and never read, and a reload (SIGHUP) while they run. It counts every
// request that did not get what it should (a keep-alive request the server closed just as the client
// reused the connection is retried once, as browsers do, and counted apart), and compares the
// resident memory and open descriptors of the server's processes between the first and the last
// window of the run, and at idle.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { get, pipelineFlood, sampleTree, slowDownload, trickle } from './soak-clients.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const LARGE = 4 * 1024 * 1024
/** Slow clients at once: downloads read slowly, and connections that trickle their headers. */
const SLOW_DOWNLOADS = 8
const TRICKLERS = 50
/** Connections at once that pipeline requests for the streamed file and read nothing, and their batch. */
export const PIPELINERS = 10
const PIPELINE_BATCH = 1000
/** The server's --headers-timeout, in seconds: its default, given explicitly to time the tricklers. */
const HEADERS_TIMEOUT = 10

function makeRoot() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vstatic-soak-'))
  mkdirSync(path.join(root, 'css'))
  writeFileSync(path.join(root, 'css/app.css'), 'body { color: #111 }\n'.repeat(200))
  writeFileSync(path.join(root, 'small.txt'), 'x'.repeat(1024))
  writeFileSync(path.join(root, 'medium.js'), 'console.log(1)\n'.repeat(4000))
  writeFileSync(path.join(root, 'large.bin'), Buffer.alloc(LARGE, 9))
  writeFileSync(path.join(root, 'robots.txt'), 'User-agent: *\n')
  return root
}

/** Starts the server; resolves with its URL, and a function that waits for a line of its output. */
async function startServer(root) {
  const args = [CLI, 'serve', root, '--port', '0', '--quiet', '--workers', '2']
  const server = spawn(process.execPath, [...args, '--headers-timeout', String(HEADERS_TIMEOUT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  server.stdout.on('data', (chunk) => (output += chunk))
  const waitFor = (pattern, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs
      const check = () => {
        const match = pattern.exec(output)
        if (match) return resolve(match)
        if (server.exitCode !== null) return reject(new Error(`server exited: ${output}`))
        if (Date.now() > deadline) return reject(new Error(`no ${pattern} from the server: ${output}`))
        setTimeout(check, 20)
      }
      check()
    })
  const base = (await waitFor(/Listening on (http:\/\/\S+)/))[1]
  return { server, base, waitFor }
}

/** The kinds of request of the mixed load, with the status each must get. */
async function requestKinds(base, root) {
  const first = await new Promise((resolve) =>
    http.get(`${base}/static/small.txt`, { agent: false }, (res) => {
      res.resume()
      resolve(res.headers.etag)
    }),
  )
  const listUrl = await new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'url', 'css/app.css', '--root', root])
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', () => resolve(out.trim()))
  })
  return [
    { name: 'versioned 200', path: listUrl, expect: 200 },
    { name: '200', path: '/static/medium.js', expect: 200 },
    { name: '304', path: '/static/small.txt', headers: { 'if-none-match': first }, expect: 304 },
    { name: 'range 206', path: '/static/large.bin', headers: { range: 'bytes=1000-5999' }, expect: 206 },
    { name: '404', path: '/static/nope.txt', expect: 404 },
    { name: 'alias 200', path: '/robots.txt', expect: 200 },
    { name: 'aborted download', path: '/static/large.bin', abort: true, expect: 200 },
  ]
}

/** Counts of each kind of request, the unexpected ones, and a sample of what they got. */
function createTally(names) {
  const started = Date.now()
  const tally = { counts: Object.fromEntries(names.map((name) => [name, 0])), unexpected: 0, samples: [] }
  tally.record = (name, ok, what) => {
    tally.counts[name] = (tally.counts[name] ?? 0) + 1
    if (ok) return
    tally.unexpected++
    const at = ((Date.now() - started) / 1000).toFixed(1)
    if (tally.samples.length < 20) tally.samples.push(`${name}: ${what}, at ${at} s`)
  }
  return tally
}

/** The mixed load: `connections` loops, each sending one request after another until `deadline`. */
async function runLoad(base, kinds, connections, deadline, tally) {
  // The client closes idle sockets after 3 s, before the server's 5 s keep-alive timeout, as a
  // well-behaved client does: otherwise reusing a socket the server is closing is a client-side race.
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, timeout: 3000 })
  let index = 0
  let retried = 0
  const loops = Array.from({ length: connections }, async () => {
    while (Date.now() < deadline) {
      const kind = kinds[index++ % kinds.length]
      const result = await get(
        base + kind.path,
        kind.abort ? undefined : agent,
        kind.headers ?? {},
        kind.abort,
      )
      if (result.retried) retried++
      const ok = result.status === kind.expect && (!kind.abort || result.aborted)
      tally.record(kind.name, ok, result.status)
    }
  })
  await Promise.all(loops)
  agent.destroy()
  return retried
}

/** From `start` on, downloads of large.bin read over `seconds` each: every one must arrive whole. */
async function runSlowDownloads(base, start, seconds, tally) {
  await sleep(start - Date.now())
  const downloads = Array.from({ length: SLOW_DOWNLOADS }, async () => {
    const result = await slowDownload(`${base}/static/large.bin`, LARGE / seconds)
    tally.record(
      'slow download',
      result.status === 200 && result.whole,
      `${result.status}, ${result.received} B`,
    )
  })
  await Promise.all(downloads)
}

/** From `start` on, connections that trickle their headers: every one must get 408. */
async function runTricklers(base, start, tally) {
  await sleep(start - Date.now())
  const port = Number(new URL(base).port)
  const tricklers = Array.from({ length: TRICKLERS }, async () => {
    const firstLine = await trickle(port, 3 * HEADERS_TIMEOUT * 1000)
    tally.record('slow headers 408', firstLine === 'HTTP/1.1 408 Request Timeout', firstLine)
  })
  await Promise.all(tricklers)
}

/** From `start` to `end`, PIPELINERS connections flood pipelined requests for large.bin and read nothing. */
async function runPipeliners(base, start, end) {
  await sleep(start - Date.now())
  const port = Number(new URL(base).port)
  const floods = await Promise.all(
    Array.from({ length: PIPELINERS }, () => pipelineFlood(port, '/static/large.bin', PIPELINE_BATCH, end)),
  )
  const sum = (key) => floods.reduce((total, flood) => total + flood[key], 0)
  return { connections: sum('connections'), requests: sum('requests'), closedByServer: sum('closedByServer') }
}

/** Sends SIGHUP at `at` and resolves with the seconds the reload took, or -1 if it did not finish. */
async function reloadAt(server, waitFor, at) {
  await sleep(at - Date.now())
  const started = Date.now()
  server.kill('SIGHUP')
  const reloaded = await waitFor(/Reloaded: /).then(
    () => true,
    () => false,
  )
  return reloaded ? (Date.now() - started) / 1000 : -1
}

/** Samples the server's processes every 250 ms until stopped. */
function startSampling(pid) {
  const samples = []
  const timer = setInterval(() => samples.push({ at: Date.now(), ...sampleTree(pid) }), 250)
  return { samples, stop: () => clearInterval(timer) }
}

/** Once every client is gone: waits (up to 10 s) for the descriptors to return to `before`. */
async function settle(pid, before) {
  let after = sampleTree(pid)
  for (let wait = 0; wait < 100 && after.fds > before; wait++) {
    await sleep(100)
    after = sampleTree(pid)
  }
  return after
}

/**
 * Medians of the second window of the run (the first is warm-up: connections opening) and of the
 * last: connections open and close in bursts, so single samples swing, while a leak moves the median.
 * Only samples with the server's usual processes count (`steady`): during a reload two generations of
 * workers run side by side. The peak of the descriptors is over every sample.
 */
function compareWindows(samples, window, steady) {
  const start = samples[0]?.at ?? Date.now()
  const usual = samples.filter((sample) => sample.processes === steady)
  const end = usual.at(-1)?.at ?? Date.now()
  const median = (from, to, key) => {
    const sorted = usual
      .filter((sample) => sample.at >= from && sample.at < to)
      .map((sample) => sample[key])
      .sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)] ?? 0
  }
  const first = (key) => median(start + window * 1000, start + 2 * window * 1000, key)
  const last = (key) => median(end - window * 1000 + 1, end + 1, key)
  return {
    rssMiB: {
      first: Number(first('rssMiB').toFixed(1)),
      last: Number(last('rssMiB').toFixed(1)),
      peak: Number(Math.max(0, ...samples.map((sample) => sample.rssMiB)).toFixed(1)),
    },
    fds: {
      first: Math.round(first('fds')),
      last: Math.round(last('fds')),
      peak: Math.max(0, ...samples.map((sample) => sample.fds)),
    },
  }
}

/**
 * The most descriptors the soak's clients can make the server hold: a socket and a file for each
 * connection (one more while an aborted download closes), in two generations of workers during the
 * reload, plus the slow downloads, the trickling connections and the pipelining ones (a socket and at
 * most one open file each, however many requests they queue). A descriptor kept per request breaks it.
 */
export function fdCeiling(result) {
  return 2 * result.idleFds.before + 3 * result.connections + 2 * SLOW_DOWNLOADS + TRICKLERS + 2 * PIPELINERS
}

/** Stops the server (SIGTERM; SIGKILL if it has not exited 10 s later). */
async function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  const killer = setTimeout(() => server.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(killer)
}

/**
 * Runs the soak; resolves with its figures. The reload comes halfway; the slow downloads run from 35%
 * to 75% of the run, and the trickling connections from half a headers timeout before the reload
 * until they get their 408 (so a short run lasts until then).
 */
export async function runSoak({ seconds = 60, connections = 300, window = 10 } = {}) {
  const root = makeRoot()
  const { server, base, waitFor } = await startServer(root)
  try {
    const kinds = await requestKinds(base, root)
    await sleep(300)
    const idleBefore = sampleTree(server.pid)
    const tally = createTally([...kinds.map((kind) => kind.name), 'slow download', 'slow headers 408'])
    const start = Date.now()
    const sampling = startSampling(server.pid)
    const reloadTime = start + 0.5 * seconds * 1000
    const [retried, reloadSeconds, , , pipelining] = await Promise.all([
      runLoad(base, kinds, connections, start + seconds * 1000, tally),
      reloadAt(server, waitFor, reloadTime),
      runSlowDownloads(base, start + 0.35 * seconds * 1000, 0.4 * seconds, tally),
      runTricklers(base, reloadTime - (HEADERS_TIMEOUT * 1000) / 2, tally),
      runPipeliners(base, start + 0.2 * seconds * 1000, start + 0.8 * seconds * 1000),
    ])
    const serverAlive = server.exitCode === null
    const idleAfter = await settle(server.pid, idleBefore.fds)
    // A second more at idle, once the old workers are gone: memory kept after the load shows in the
    // last window even when the reload left too few samples of the new workers under load.
    await sleep(1000)
    sampling.stop()
    const requests = Object.values(tally.counts).reduce((sum, n) => sum + n, 0)
    return {
      seconds,
      connections,
      requests,
      requestsPerSecond: Math.round(requests / seconds),
      counts: tally.counts,
      unexpected: tally.unexpected,
      unexpectedSamples: tally.samples,
      retriedOnReusedConnection: retried,
      reloadSeconds,
      ...compareWindows(sampling.samples, window, idleBefore.processes),
      idleFds: { before: idleBefore.fds, after: idleAfter.fds },
      idleRssMiB: Number(idleBefore.rssMiB.toFixed(1)),
      pipelining,
      processes: idleAfter.processes,
      serverAlive,
    }
  } finally {
    await stopServer(server)
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, connections: { type: 'string', default: '300' } },
  })
  const result = await runSoak({ seconds: Number(values.seconds), connections: Number(values.connections) })
  console.log(JSON.stringify(result, null, 2))
  const flat =
    result.rssMiB.last <= result.rssMiB.first * 1.25 + 32 &&
    result.fds.last <= result.fds.first + result.connections / 4 &&
    result.idleFds.after <= result.idleFds.before + 2
  // Pipelined floods hold at most a socket and a file per connection, and no memory per request.
  const bounded = result.fds.peak <= fdCeiling(result) && result.rssMiB.peak <= 3 * result.idleRssMiB + 512
  const { counts } = result
  console.log(
    `\n${result.requests} requests (${result.requestsPerSecond}/s) at ${result.connections} connections for ${result.seconds}s, with ${counts['slow download']} slow downloads and ${counts['slow headers 408']} trickling connections; reload (SIGHUP) in ${result.reloadSeconds}s; failed requests: ${result.unexpected} (${result.retriedOnReusedConnection} retried on a reused connection)`,
  )
  const { pipelining } = result
  console.log(
    `pipelining clients: ${pipelining.requests} requests on ${pipelining.connections} unread connections, ${pipelining.closedByServer} closed by the server; peak ${result.fds.peak} descriptors and ${result.rssMiB.peak} MiB resident (idle: ${result.idleFds.before}, ${result.idleRssMiB} MiB)`,
  )
  console.log(
    `resident memory ${result.rssMiB.first} → ${result.rssMiB.last} MiB (window medians, ${result.processes} processes), open descriptors ${result.fds.first} → ${result.fds.last} under load and ${result.idleFds.before} → ${result.idleFds.after} at idle: ${flat ? 'flat' : 'GROWING'}`,
  )
  if (!bounded) console.log(`descriptors or memory beyond their bounds (${fdCeiling(result)} descriptors)`)
  if (result.unexpected > 0 || result.reloadSeconds < 0 || !flat || !bounded || !result.serverAlive)
    process.exitCode = 1
}
