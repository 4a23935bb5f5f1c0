/**
 * The entry of each worker process of `vstatic serve --workers`, forked by the primary (cluster.ts):
 * serve from the manifest the primary built, and stop when the primary asks.
 * @module
 */
import cluster from 'node:cluster'
import type { CliIo } from './command.js'
import { DEFAULT_IO, reportFailure } from './io.js'
import { listen, type ServerSettings } from './listen.js'

/** Environment variable that hands a worker its order, as JSON. */
export const WORKER_ENV = 'VSTATIC_WORKER'

/** The message by which the primary asks a worker to stop. */
export const STOP_MESSAGE = { vstatic: 'stop' } as const

/** What the primary hands each worker: the settings of `vstatic serve` and the manifest to load. */
export interface WorkerOrder {
  readonly settings: ServerSettings
  readonly manifest: string
}

async function runWorker({ settings, manifest }: WorkerOrder, io: CliIo): Promise<void> {
  // Ctrl-C reaches the whole process group: the primary decides when workers stop.
  process.on('SIGINT', () => {})
  const running = await listen({ ...settings, options: { ...settings.options, manifest } }, io, 'worker')
  await stopRequested()
  await running.close().catch(() => {})
  cluster.worker?.disconnect()
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
