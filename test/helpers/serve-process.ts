import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { onTestFinished } from 'vitest'
import { CLI } from './cli.js'

/** `vstatic serve` running as a child process (the built CLI), stopped when the test finishes. */
export interface ServeProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly port: number
  /** Everything written to stdout and stderr so far. */
  output(): string
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
}

/** `vstatic serve` started as a child process, before it listens (or fails to). */
export type SpawnedServe = Omit<ServeProcess, 'url' | 'port'>

/**
 * Starts `vstatic serve <args>` without waiting for it to listen: for a start that is meant to fail.
 * With `openFiles`, the process runs under `ulimit -n openFiles`; `env` adds to its environment. At the end of the test it gets
 * SIGTERM, then SIGKILL after 5 s.
 */
export function spawnServe(
  args: readonly string[],
  options: { openFiles?: number; env?: NodeJS.ProcessEnv } = {},
): SpawnedServe {
  const command = [CLI, 'serve', ...args]
  const env = { ...process.env, ...options.env }
  const child =
    options.openFiles === undefined
      ? spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn(
          'sh',
          ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...command],
          { stdio: ['ignore', 'pipe', 'pipe'], env },
        )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(killer)
  })
  const waitFor = async (pattern: RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = pattern.exec(output)
      if (match) return match
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${output}`)
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`vstatic serve exited (${child.exitCode ?? child.signalCode}): ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  return { child, output: () => output, waitFor, exited }
}

/** The arguments of `vstatic serve <root> --workers <count>` on a free port of 127.0.0.1, then `extra`. */
export function clusterArgs(root: string, count: number, ...extra: string[]): string[] {
  return [root, '--port', '0', '--host', '127.0.0.1', '--workers', String(count), ...extra]
}

/** Starts `vstatic serve <args>` (see {@link spawnServe}) and waits for its URL. */
export async function startServe(
  args: readonly string[],
  options: { openFiles?: number } = {},
): Promise<ServeProcess> {
  const spawned = spawnServe(args, options)
  const url = (await spawned.waitFor(/Listening on (http:\/\/\S+)/))[1] ?? ''
  return { ...spawned, url, port: Number(new URL(url).port) }
}

/** How a download ended: the bytes received, the Content-Length announced, and whether it was whole. */
export interface Download {
  readonly status: number
  readonly received: number
  readonly length: number
  readonly complete: boolean
  /** When the last byte arrived or the connection was cut (Date.now()). */
  readonly endedAt: number
}

/**
 * GETs `url` and reads the body at `bytesPerSecond` at most (pausing the response to stay under it),
 * like a client on a slow link; `onData` is called with the bytes received so far after each chunk.
 */
export function slowDownload(
  url: string,
  bytesPerSecond: number,
  onData: (received: number) => void = () => {},
): Promise<Download> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const req = http.get(url, { agent: false }, (res) => {
      let received = 0
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        onData(received)
        const ahead = (received / bytesPerSecond) * 1000 - (Date.now() - started)
        if (ahead > 0) {
          res.pause()
          setTimeout(() => res.resume(), ahead)
        }
      })
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          received,
          length: Number(res.headers['content-length']),
          complete: res.complete,
          endedAt: Date.now(),
        })
      res.once('end', done)
      res.once('aborted', done)
      res.once('error', done)
    })
    req.on('error', reject)
    onTestFinished(() => {
      req.destroy()
    })
  })
}

/**
 * The processes `pid` started that still run, whose command line names `script` (`worker.js` for the
 * workers of `serve --workers`, `manifest-job.js` for the job that builds their manifest).
 */
export function childrenOf(pid: number, script: string): number[] {
  let listed: string
  try {
    listed = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
  } catch {
    return [] // pgrep exits 1 when there is none
  }
  return listed
    .trim()
    .split('\n')
    .map(Number)
    .filter((child) => isRunning(child) && commandLine(child).includes(script))
}

/** True while `pid` runs: not gone, and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    // The state follows the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}
