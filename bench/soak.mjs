// A bounded soak on loopback: `npm run soak` (about a minute) or runSoak({ seconds }) from a test.
// Mixed traffic (200s, 304s, ranges, 404s, aborted downloads) at hundreds of concurrent connections
// against `vstatic serve`; it counts unexpected statuses and compares the server's resident memory and
// open descriptors between the first and the last window of the run.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

function makeRoot() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vstatic-soak-'))
  mkdirSync(path.join(root, 'css'))
  writeFileSync(path.join(root, 'css/app.css'), 'body { color: #111 }\n'.repeat(200))
  writeFileSync(path.join(root, 'small.txt'), 'x'.repeat(1024))
  writeFileSync(path.join(root, 'medium.js'), 'console.log(1)\n'.repeat(4000))
  writeFileSync(path.join(root, 'large.bin'), Buffer.alloc(4 * 1024 * 1024, 9))
  writeFileSync(path.join(root, 'robots.txt'), 'User-agent: *\n')
  return root
}

function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return { rssMiB: rssKiB / 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
}

function get(url, agent, headers, abort) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      if (abort) {
        res.once('data', () => {
          req.destroy()
          resolve({ status: res.statusCode, aborted: true })
        })
        return
      }
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
      res.on('error', () => resolve({ status: 'error' }))
    })
    req.on('error', (error) => resolve({ status: abort ? 'aborted' : (error.code ?? 'error') }))
  })
}

/** Runs the soak; resolves with its figures. */
export async function runSoak({ seconds = 60, connections = 300, window = 10 } = {}) {
  const root = makeRoot()
  const server = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const base = await new Promise((resolve, reject) => {
      let output = ''
      server.stdout.on('data', (chunk) => {
        output += chunk
        const match = /Listening on (http:\/\/\S+)/.exec(output)
        if (match) resolve(match[1])
      })
      server.once('exit', () => reject(new Error('server exited')))
    })
    const first = await new Promise((resolve) =>
      http.get(`${base}/static/small.txt`, (res) => {
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
    const kinds = [
      { name: 'versioned 200', path: listUrl, expect: 200 },
      { name: '200', path: '/static/medium.js', expect: 200 },
      { name: '304', path: '/static/small.txt', headers: { 'if-none-match': first }, expect: 304 },
      { name: 'range 206', path: '/static/large.bin', headers: { range: 'bytes=1000-5999' }, expect: 206 },
      { name: '404', path: '/static/nope.txt', expect: 404 },
      { name: 'alias 200', path: '/robots.txt', expect: 200 },
      { name: 'aborted download', path: '/static/large.bin', abort: true, expect: 200 },
    ]
    await new Promise((resolve) => setTimeout(resolve, 300))
    const idleBefore = sample(server.pid)
    // The client closes idle sockets after 3 s, before the server's 5 s keep-alive timeout, as a
    // well-behaved client does: otherwise reusing a socket the server is closing is a client-side race.
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections, timeout: 3000 })
    const counts = Object.fromEntries(kinds.map((kind) => [kind.name, 0]))
    const unexpected = []
    const samples = []
    let running = true
    const deadline = Date.now() + seconds * 1000
    const sampler = setInterval(() => samples.push({ at: Date.now(), ...sample(server.pid) }), 250)
    let index = 0
    const loops = Array.from({ length: connections }, async () => {
      while (running && Date.now() < deadline) {
        const kind = kinds[index++ % kinds.length]
        const result = await get(
          base + kind.path,
          kind.abort ? undefined : agent,
          kind.headers ?? {},
          kind.abort,
        )
        counts[kind.name]++
        const ok =
          result.status === kind.expect || (kind.abort && (result.aborted || result.status === 'aborted'))
        if (!ok && unexpected.length < 20) unexpected.push(`${kind.name}: ${result.status}`)
        if (!ok) counts.unexpected = (counts.unexpected ?? 0) + 1
      }
    })
    await Promise.all(loops)
    running = false
    clearInterval(sampler)
    agent.destroy()
    // Once every connection is closed, the server must be back to its idle descriptor count.
    let idleAfter = sample(server.pid)
    for (let wait = 0; wait < 50 && idleAfter.fds > idleBefore.fds; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      idleAfter = sample(server.pid)
    }
    const windowSamples = (from, to) => samples.filter((s) => s.at >= from && s.at < to)
    const start = samples[0]?.at ?? Date.now()
    const end = samples.at(-1)?.at ?? Date.now()
    // Medians: connections open and close in bursts, so single samples swing; a leak moves the median.
    const average = (list, key) => {
      const sorted = list.map((s) => s[key]).sort((a, b) => a - b)
      return sorted[Math.floor(sorted.length / 2)] ?? 0
    }
    // The first window is warm-up (connections opening): compare the second with the last.
    const firstWindow = windowSamples(start + window * 1000, start + 2 * window * 1000)
    const lastWindow = windowSamples(end - window * 1000 + 1, end + 1)
    const total = Object.entries(counts)
      .filter(([name]) => name !== 'unexpected')
      .reduce((sum, [, n]) => sum + n, 0)
    return {
      seconds,
      connections,
      requests: total,
      requestsPerSecond: Math.round(total / seconds),
      counts,
      unexpected: counts.unexpected ?? 0,
      unexpectedSamples: unexpected,
      rssMiB: {
        first: Number(average(firstWindow, 'rssMiB').toFixed(1)),
        last: Number(average(lastWindow, 'rssMiB').toFixed(1)),
      },
      fds: { first: Math.round(average(firstWindow, 'fds')), last: Math.round(average(lastWindow, 'fds')) },
      idleFds: { before: idleBefore.fds, after: idleAfter.fds },
      serverAlive: server.exitCode === null,
    }
  } finally {
    server.kill('SIGTERM')
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
  console.log(
    `\n${result.requests} requests (${result.requestsPerSecond}/s) at ${result.connections} connections for ${result.seconds}s; unexpected statuses: ${result.unexpected}`,
  )
  console.log(
    `resident memory ${result.rssMiB.first} → ${result.rssMiB.last} MiB (window medians), open descriptors ${result.fds.first} → ${result.fds.last} under load and ${result.idleFds.before} → ${result.idleFds.after} at idle: ${flat ? 'flat' : 'GROWING'}`,
  )
  if (result.unexpected > 0 || !flat || !result.serverAlive) process.exitCode = 1
}
