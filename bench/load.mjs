// The load generator: wrk when installed, else autocannon; pinned to CPU 1 when taskset exists
// (the servers sit on CPU 0).
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

export const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
export const PIN = has('taskset') && os.availableParallelism() >= 2
export const LOADER = has('wrk') ? 'wrk' : 'autocannon'

/**
 * Loads `url` for `seconds` with `connections` keep-alive connections: requests/s, p99, errors. With
 * `pin` (the default when taskset exists) the loader runs on CPU 1; `threads` is wrk's.
 */
export function load(url, headers, { seconds, connections, pin = PIN, threads = 1 }) {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  if (LOADER === 'wrk') {
    const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url]
    const output = execFileSync(pin ? 'taskset' : 'wrk', pin ? ['-c', '1', 'wrk', ...args] : args, {
      encoding: 'utf8',
    })
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
    return {
      requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
      requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
      p99Ms: toMs(/\s99%\s+([\d.]+)(us|ms|s)/.exec(output)),
      nonSuccess: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
      errors: socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0,
    }
  }
  const bin = path.join(HERE, '..', 'node_modules', '.bin', 'autocannon')
  const args = [
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-j',
    ...headerArgs.map((value, index) => (index % 2 ? value.replace(': ', '=') : value)),
    url,
  ]
  const result = JSON.parse(
    execFileSync(pin ? 'taskset' : bin, pin ? ['-c', '1', bin, ...args] : args, { encoding: 'utf8' }),
  )
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
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

/**
 * CPU time (user + system, in microseconds) a process has used so far, or undefined off Linux.
 * Requests per CPU second of the server is the figure a busy shared machine disturbs least: it does
 * not depend on how much CPU the load generator got.
 */
export function cpuMicroseconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (field 3).
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/** `pid` and every process below it (a cluster's primary and workers, nginx's master and workers). */
export function processTree(pid) {
  const children = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Field 4 of stat(5), the parent's pid, counted after the command name in brackets.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(parent, [...(children.get(parent) ?? []), Number(name)])
    } catch {
      // The process exited while the list was read.
    }
  }
  const tree = [pid]
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]) ?? []))
  return tree
}

/** CPU time of `pid` and every process below it, in microseconds (exited children not counted). */
export function treeCpuMicroseconds(pid) {
  let total = 0
  for (const member of processTree(pid)) {
    const used = cpuMicroseconds(member)
    if (used === undefined && member === pid) return undefined
    total += used ?? 0
  }
  return total
}

/** Resident memory of a process (VmRSS of /proc/<pid>/status) in MiB, or undefined off Linux. */
export function residentMiB(pid) {
  try {
    const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return Number.isFinite(kib) ? kib / 1024 : undefined
  } catch {
    return undefined
  }
}

/** A GET with node:http (fetch adds Cache-Control: no-cache to conditional requests): status and headers. */
export function httpGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }))
      })
      .on('error', reject)
  })
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** The smallest and largest of `values`, for reporting the spread of a median. */
export const spread = (values) => (values.length === 0 ? [0, 0] : [Math.min(...values), Math.max(...values)])

/**
 * The port a `bench/target.mjs` child prints (`PORT <n>`) once it listens; rejects if it exits
 * first, with `details()` (its stderr, say) in the message.
 */
export function targetPort(child, name, details = () => '') {
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /PORT (\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening${details()}`)))
  })
}
