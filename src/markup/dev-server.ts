/**
 * Whether the bundler's dev server answers: in dev mode with `vite.devServer`, every page loads its
 * entries from it, so a stopped dev server is a page of failing requests with no hint. A probe asks
 * for Vite's client in the background (at startup, then at most every few seconds while pages render)
 * and warns once each time the server goes from answering (or unknown) to not answering.
 * @module
 */
import http from 'node:http'
import https from 'node:https'
import type { ResolvedOptions } from '../options/options.js'
import type { OnWarning } from '../types.js'

/** Probes the dev server in the background; never waits, never throws, never keeps the process alive. */
export interface DevServerProbe {
  /**
   * Starts a probe unless one is in flight or the last started less than the interval ago. Returns
   * the probe started (it settles once the verdict is in, and never rejects), or undefined.
   */
  check(): Promise<void> | undefined
  /** Aborts a probe in flight; later checks do nothing. */
  close(): void
}

/** How often pages may trigger a probe, and how long one waits for an answer. */
export interface ProbeTiming {
  readonly intervalMs: number
  readonly timeoutMs: number
}

const DEFAULT_TIMING: ProbeTiming = { intervalMs: 5000, timeoutMs: 1000 }

/**
 * In dev mode with a dev server, a probe of it started now, which warns through `onWarning` when it
 * does not answer; undefined otherwise.
 */
export function probeDevServer(options: ResolvedOptions): DevServerProbe | undefined {
  const devServer = options.dev ? options.vite?.devServer : undefined
  if (devServer === undefined) return undefined
  const probe = createDevServerProbe(devServer, options.onWarning)
  probe.check()
  return probe
}

/** A probe of the dev server at `devServer` (its URL with Vite's base, ending in `/`). */
export function createDevServerProbe(
  devServer: string,
  onWarning: OnWarning,
  timing: ProbeTiming = DEFAULT_TIMING,
): DevServerProbe {
  const target = new URL('@vite/client', devServer)
  const aborter = new AbortController()
  let down = false
  let inFlight = false
  let lastStarted = Number.NEGATIVE_INFINITY

  async function probe(): Promise<void> {
    const failure = await ask(target, timing.timeoutMs, aborter.signal)
    inFlight = false
    if (aborter.signal.aborted) return
    if (failure === undefined) {
      down = false
      return
    }
    if (down) return
    down = true
    try {
      onWarning(downMessage(devServer, target, failure), { kind: 'dev-server-down', paths: [] })
    } catch {
      // A throwing onWarning must not become an unhandled rejection that ends the app.
    }
  }

  return {
    check() {
      const now = Date.now()
      if (aborter.signal.aborted || inFlight || now - lastStarted < timing.intervalMs) return undefined
      inFlight = true
      lastStarted = now
      return probe()
    },
    close: () => aborter.abort(),
  }
}

// --- internal ---

/**
 * One GET of `target`: undefined when any HTTP response comes back (the server runs, whatever it
 * says), else the error code (`ECONNREFUSED`, `ETIMEDOUT`, ...). The socket is unref'd and the
 * timer too, so a probe never holds the process open.
 */
function ask(target: URL, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const client = target.protocol === 'https:' ? https : http
    let settled = false
    const settle = (failure: string | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve(failure)
    }
    // Only whether it answers counts: a dev server's self-signed certificate (basic-ssl, mkcert) is fine.
    const request = client.get(target, { agent: false, signal, rejectUnauthorized: false }, (response) => {
      response.resume()
      settle(undefined)
    })
    request.on('socket', (socket) => socket.unref())
    request.on('error', (error) => settle(errorCode(error)))
    const timer = setTimeout(() => settle('ETIMEDOUT'), timeoutMs)
    timer.unref()
  })
}

/** The code of a connection error; Node's happy-eyeballs connect wraps one per address in an AggregateError. */
function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code !== undefined) return code
  const first =
    error instanceof AggregateError ? (error.errors[0] as NodeJS.ErrnoException | undefined) : undefined
  return first?.code ?? error.message
}

function downMessage(devServer: string, target: URL, failure: string): string {
  return (
    `the Vite dev server ${devServer} (vite.devServer) does not answer (${failure} for ${target.href}): ` +
    'pages rendered in dev mode load their entries from it and will fail. ' +
    'Start it with `npx vite`, or run `vite build` and turn dev mode off to serve the built files'
  )
}
