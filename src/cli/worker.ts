/**
 * The entry of each worker process of `vstatic serve --workers`, forked by the primary (cluster.ts):
 * serve from the manifest the primary prepared, on the socket the primary says, and stop when the
 * primary asks.
 * @module
 */
import cluster from 'node:cluster'
import type http from 'node:http'
import type net from 'node:net'
import type { CliIo } from './command.js'
import { DEFAULT_IO, reportFailure } from './io.js'
import type { Attach, ServerSettings } from './listen.js'
import { bind, urlOf } from './port.js'

/** Environment variable that hands a worker its order, as JSON. */
export const WORKER_ENV = 'VSTATIC_WORKER'

/** The message by which the primary asks a worker to stop. */
export const STOP_MESSAGE = { vstatic: 'stop' } as const

/**
 * What the primary hands each worker: the settings of `vstatic serve`, the manifest to load, and
 * whether the worker listens on its own socket (SO_REUSEPORT) rather than through the primary.
 * Without a manifest, the worker is forked while the manifest is still being built: it loads its
 * modules meanwhile, then waits for the {@link ServeMessage} that names the manifest and the port.
 */
export interface WorkerOrder {
  readonly settings: ServerSettings
  readonly manifest: string | undefined
  readonly reusePort: boolean
}

/**
 * How a worker forked early asks what to serve, once it listens for the answer: a message that
 * arrives before a process listens for messages is lost, so the primary answers only this.
 */
export const SERVE_REQUEST = { vstatic: 'serve?' } as const

/** The primary's answer to {@link SERVE_REQUEST}: the manifest to load, and the port to listen on. */
export interface ServeMessage {
  readonly vstatic: 'serve'
  readonly manifest: string
  readonly port: number
}

/**
 * The messages between a worker and the primary about its socket: the worker asks for one; the
 * primary answers with the listening socket of the worker's slot, or without one (then the worker
 * binds a new socket on the port and hands it over); the worker says where it listens.
 */
export type SocketMessage =
  | { readonly vstatic: 'socket?' }
  | { readonly vstatic: 'socket' }
  | { readonly vstatic: 'listening'; readonly url: string }

async function runWorker(order: WorkerOrder, io: CliIo): Promise<void> {
  // Ctrl-C reaches the whole process group: the primary decides when workers stop.
  process.on('SIGINT', () => {})
  // Listened for from the start: a message that comes before a process listens for it is lost, and
  // the primary may ask this worker to stop while it is still starting.
  const stop = stopRequested()
  const serve = order.manifest === undefined ? serveMessage() : undefined
  // Loaded here, not at the top: the primary imports this module for its constants only.
  const { listen } = await import('./listen.js')
  const served =
    serve === undefined
      ? { manifest: order.manifest ?? '', port: order.settings.port }
      : await Promise.race([serve, stop.then(() => undefined)])
  if (served === undefined) {
    // Stopped before it was told what to serve.
    cluster.worker?.disconnect()
    return
  }
  const { manifest, port } = served
  const settings = { ...order.settings, port }
  const slot = order.reusePort ? slotSocket(settings) : undefined
  const withManifest = { ...settings, options: { ...settings.options, manifest } }
  const running = await listen(withManifest, io, 'worker', slot?.attach)
  sendToPrimary({ vstatic: 'listening', url: running.url }, slot?.handOver())
  await stop
  await running.close().catch(() => {})
  cluster.worker?.disconnect()
}

/**
 * Listening on the socket of this worker's slot: the one the primary holds (after a reload or for a
 * replacement: the socket, and the connections waiting on it, outlive the worker before), else a new
 * one bound with SO_REUSEPORT and handed to the primary for the next worker of the slot.
 */
function slotSocket(settings: ServerSettings): { attach: Attach; handOver: () => unknown } {
  let bound: http.Server | undefined
  return {
    attach: async (server) => {
      const socket = await askForSocket()
      if (socket !== undefined) return listenOn(server, socket)
      bound = server
      return bind(server, settings.port, settings.host, true)
    },
    // The listening handle itself (what node:cluster passes for a shared socket): the primary keeps
    // it open without accepting on it.
    handOver: () => (bound as unknown as { _handle?: unknown } | undefined)?._handle,
  }
}

/**
 * The manifest and port of a worker forked before the manifest was ready, asked for once this
 * process listens for the answer (the primary holds it until the manifest is written). If the
 * primary goes away, node:cluster ends this worker on the lost channel.
 */
function serveMessage(): Promise<ServeMessage> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if ((message as ServeMessage | null)?.vstatic !== 'serve') return
      process.off('message', onMessage)
      resolve(message as ServeMessage)
    }
    process.on('message', onMessage)
    process.send?.(SERVE_REQUEST)
  })
}

/** Asks the primary for the socket of this worker's slot; resolves with it, or undefined if there is none yet. */
function askForSocket(): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown, socket: unknown) => {
      if ((message as SocketMessage | null)?.vstatic !== 'socket') return
      process.off('message', onMessage)
      resolve(socket ?? undefined)
    }
    process.on('message', onMessage)
    sendToPrimary({ vstatic: 'socket?' })
  })
}

/** Listens on a socket that is already listening (shared with the primary and, for a while, a retiring worker). */
async function listenOn(server: http.Server, socket: unknown): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socket, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return urlOf(server)
}

function sendToPrimary(message: SocketMessage, socket?: unknown): void {
  // A raw listening handle travels like a net.Server, without the receiver listening on it.
  process.send?.(message, socket as net.Server | undefined)
}

/** Resolves when the primary asks this worker to stop, disconnects, or sends SIGTERM. */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    // The primary asks by message, so this worker can close its idle keep-alive connections itself
    // (a bare cluster disconnect would wait for them to time out).
    process.on('message', (message: unknown) => {
      if ((message as { vstatic?: string } | null)?.vstatic === STOP_MESSAGE.vstatic) resolve()
    })
    process.once('disconnect', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

// Only a worker forked by the primary runs; the primary imports this module for the constants above.
const order = process.env[WORKER_ENV]
if (cluster.isWorker && order !== undefined) {
  runWorker(JSON.parse(order) as WorkerOrder, DEFAULT_IO).catch((error: unknown) => {
    process.exitCode = reportFailure(error, DEFAULT_IO, 'serve')
    // The channel to the primary would keep this process alive, and the primary waiting for it to listen.
    cluster.worker?.disconnect()
  })
}
