// The load generator: wrk when installed, else autocannon; pinned to CPU 1 when taskset exists
// (the servers sit on CPU 0).
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

export const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
export const PIN = has('taskset') && os.availableParallelism() >= 2
export const LOADER = has('wrk') ? 'wrk' : 'autocannon'

/** Loads `url` for `seconds` with `connections` keep-alive connections: requests/s, p99, errors. */
export function load(url, headers, { seconds, connections }) {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  if (LOADER === 'wrk') {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url]
    const output = execFileSync(PIN ? 'taskset' : 'wrk', PIN ? ['-c', '1', 'wrk', ...args] : args, {
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
    execFileSync(PIN ? 'taskset' : bin, PIN ? ['-c', '1', bin, ...args] : args, { encoding: 'utf8' }),
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

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** The smallest and largest of `values`, for reporting the spread of a median. */
export const spread = (values) => (values.length === 0 ? [0, 0] : [Math.min(...values), Math.max(...values)])
