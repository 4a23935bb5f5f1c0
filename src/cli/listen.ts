/**
 * One serving process: listen within its limits, log each request, and close without failing a
 * request.
 * @module
 */
import http from 'node:http'
import net from 'node:net'
import { createStatic } from '../create-static.js'
import type { StaticOptions } from '../types.js'
import { type AccessLogSettings, createAccessLog } from './access-log.js'
import type { CliIo } from './command.js'
import { applyLimits, type ServerLimits, serverOptions, throttled } from './limits.js'
import { bind } from './port.js'

/**
 * What one serving process needs: the root(s), where to listen, how to log, its limits, and the
 * createStatic options.
 */
export interface ServerSettings {
  readonly root: string | readonly string[]
  readonly port: number
  readonly host: string
  /** No access log. */
  readonly quiet: boolean
  readonly limits: ServerLimits
  readonly log: AccessLogSettings
  /** Plain strings only: the settings travel to cluster workers as JSON. */
  readonly options: Omit<StaticOptions, 'root' | 'manifest'> & { readonly manifest?: string }
}

/** A listening server. */
interface RunningServer {
  readonly url: string
  /**
   * Alone, says where it serves (`Listening on …`). Called once the signals are handled, so that a
   * signal sent on seeing the line (a supervisor's SIGTERM or SIGHUP) is never one the process dies of.
   */
  announce(): void
  /** Stops gracefully; see closeGracefully. */
  close(): Promise<void>
}

/**
 * Alone, a server announces its URL; a worker of a cluster leaves that to the primary and tags its
 * log lines with its pid.
 */
type ServerRole = 'alone' | 'worker'

/**
 * Puts a server on its socket and resolves with its URL; by default it listens on the settings'
 * port and host (in a cluster worker, through the primary's socket).
 */
export type Attach = (server: http.Server) => Promise<string>

/** Starts one serving process: the whole server, or one worker of a cluster. */
export async function listen(
  settings: ServerSettings,
  io: CliIo,
  role: ServerRole = 'alone',
  attach: Attach = (server) => bind(server, settings.port, settings.host),
): Promise<RunningServer> {
  const assets = await createStatic({ root: settings.root, ...settings.options })
  const logPrefix = role === 'worker' ? `[${process.pid}] ` : ''
  const log = settings.quiet
    ? undefined
    : createAccessLog(settings.log, io.stdout, role === 'worker' ? process.pid : undefined)
  const state = { draining: false }
  const server = http.createServer(serverOptions(settings.limits), (req, res) => {
    log?.(req, res)
    // While draining, every response tells the client not to reuse the connection.
    if (state.draining) res.setHeader('connection', 'close')
    assets.handle(req, res)
  })
  const warn = (message: string) => io.stderr(`${logPrefix}vstatic: ${message}\n`)
  applyLimits(server, settings.limits, warn)
  const url = await attach(server)
  reportAcceptErrors(server, warn)
  const announce = () => {
    if (role !== 'alone') return
    io.stdout(`Listening on ${url}\n`)
    io.stdout(
      `Serving ${assets.roots.join(', ')} at ${url}${assets.prefix}${assets.dev ? ' (dev mode)' : ''}\n`,
    )
  }
  return { url, announce, close: () => closeGracefully(server, state, settings.limits.drainTimeoutMs, warn) }
}

/**
 * Out of descriptors, libuv accepts and closes new connections itself (the client sees a reset); should
 * that fail too, the accept error is emitted on the server, which must keep serving.
 */
function reportAcceptErrors(server: http.Server, warn: (message: string) => void): void {
  let code = ''
  const report = throttled((count) => warn(`${count} failed accept${count === 1 ? '' : 's'} (${code})`))
  server.on('error', (error: NodeJS.ErrnoException) => {
    code = error.code ?? error.message
    report()
  })
}

/** Stops on the first SIGINT or SIGTERM, gracefully. */
export function waitForSignal(running: RunningServer, io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      io.stdout(`Received ${signal}, closing\n`)
      running.close().then(resolve, resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

/** How long connections keep being served (each response with Connection: close) before the server closes. */
const DRAIN_GRACE_MS = 500

/** How often a closing server looks for connections that have become idle. */
const DRAIN_SWEEP_MS = 50

/**
 * Stops without failing a request: first every response closes its connection (so keep-alive clients
 * move on instead of racing a closing socket), then the server stops accepting and closes each
 * connection as soon as it is idle. Responses in flight may finish until `drainTimeoutMs` after the
 * call; then the connections still open are cut.
 */
async function closeGracefully(
  server: http.Server,
  state: { draining: boolean },
  drainTimeoutMs: number,
  warn: (message: string) => void,
): Promise<void> {
  const deadline = Date.now() + drainTimeoutMs
  state.draining = true
  await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_GRACE_MS, drainTimeoutMs)))
  // Stops accepting with net.Server's close, not http.Server's: that one also stops the checks of
  // --headers-timeout and --request-timeout, and a connection trickling its headers would then hold
  // the drain until its timeout. The sweep closes the idle connections, now and as they appear.
  const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()))
  server.closeIdleConnections()
  const sweeper = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS)
  const cutter = setTimeout(() => cutConnections(server, warn), Math.max(0, deadline - Date.now()))
  await closed
  clearInterval(sweeper)
  clearTimeout(cutter)
}

/** At the drain timeout: closes every connection still open, and says how many. */
function cutConnections(server: http.Server, warn: (message: string) => void): void {
  server.getConnections((_error, count) => {
    if (count > 0) warn(`drain timeout reached: cutting ${count} connection${count === 1 ? '' : 's'}`)
  })
  server.closeAllConnections()
}
