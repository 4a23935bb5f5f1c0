/**
 * `vstatic serve --workers`: one worker process per CPU on one port, sharing one index through a
 * manifest; dead workers are replaced, SIGHUP reloads without dropping a request, SIGTERM drains.
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildManifest } from '../build/build.js'
import { readManifest } from '../catalog/manifest.js'
import type { CliIo } from './io.js'
import type { ServerSettings } from './server.js'
import { STOP_MESSAGE, WORKER_ENV, type WorkerOrder } from './worker.js'

/** How long a retiring worker may take to finish its requests before it is killed. */
const DRAIN_TIMEOUT_MS = 30_000

/** The primary: builds the index once, runs the workers, and handles SIGHUP, SIGTERM and SIGINT. Resolves with the exit code. */
export async function runCluster(settings: ServerSettings, count: number, io: CliIo): Promise<number> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.js', import.meta.url)), silent: false })
  const temporary = new Set<string>()
  let generation = 0
  let manifest = await prepareManifest()
  let current = new Set<Worker>()
  let shuttingDown = false
  let reloading = false
  let reloadAgain = false
  let failures = 0

  async function prepareManifest(): Promise<string> {
    generation++
    if (settings.options.manifest !== undefined) {
      readManifest(path.resolve(settings.options.manifest)) // fail now, not in every worker
      return path.resolve(settings.options.manifest)
    }
    const out = path.join(tmpdir(), `vstatic-${process.pid}-${generation}.json`)
    temporary.add(out)
    await buildManifest({
      root: settings.root,
      out,
      prefix: settings.options.prefix,
      versioning: settings.options.versioning,
      dotfiles: settings.options.dotfiles,
      onWarning: (message) => io.stderr(`vstatic: warning: ${message}\n`),
    })
    return out
  }

  function fork(manifestFile: string, replacement = false): Worker {
    const order: WorkerOrder = { settings, manifest: manifestFile }
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(order) })
    worker.once('listening', () => {
      failures = 0
      if (replacement) io.stdout(`Worker ${worker.process.pid} is serving\n`)
    })
    worker.once('exit', (code, signal) => {
      if (!current.delete(worker) || shuttingDown) return
      // An unplanned exit: replace the worker, backing off if workers keep dying at once.
      failures++
      const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6))
      io.stderr(
        `vstatic: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement\n`,
      )
      setTimeout(() => {
        if (!shuttingDown) current.add(fork(manifest, true))
      }, delay).unref()
    })
    return worker
  }

  async function startGeneration(manifestFile: string): Promise<{ workers: Set<Worker>; address: string }> {
    const workers = new Set<Worker>()
    const started = await Promise.all(
      Array.from({ length: count }, () => {
        const worker = fork(manifestFile)
        workers.add(worker)
        return new Promise<string>((resolve, reject) => {
          const onExit = () => reject(new Error(`worker ${worker.process.pid} exited before it listened`))
          worker.once('exit', onExit)
          worker.once('listening', (address) => {
            worker.off('exit', onExit)
            const host = address.addressType === 6 ? `[${address.address}]` : address.address
            resolve(`http://${host}:${address.port}`)
          })
        })
      }),
    ).catch((error: unknown) => {
      for (const worker of workers) worker.kill()
      throw error
    })
    return { workers, address: started[0] ?? '' }
  }

  function retire(workers: Iterable<Worker>): Promise<void> {
    return Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve()
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_TIMEOUT_MS)
            worker.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            worker.send(STOP_MESSAGE)
          }),
      ),
    ).then(() => undefined)
  }

  const first = await startGeneration(manifest)
  current = first.workers
  io.stdout(`Listening on ${first.address}\n`)
  io.stdout(
    `Serving ${path.resolve(settings.root)} at ${first.address} with ${count} worker${count === 1 ? '' : 's'} (build ${readManifest(manifest).buildId})\n`,
  )

  async function reload(): Promise<void> {
    if (shuttingDown) return
    if (reloading) {
      // A SIGHUP during a reload: files may have changed again, so run one more afterwards.
      reloadAgain = true
      return
    }
    reloading = true
    const previousManifest = manifest
    try {
      const next = await prepareManifest()
      const started = await startGeneration(next)
      const old = current
      current = started.workers
      manifest = next
      io.stdout(`Reloaded: ${count} worker${count === 1 ? '' : 's'} on build ${readManifest(next).buildId}\n`)
      await retire(old)
      if (temporary.delete(previousManifest)) rmSync(previousManifest, { force: true })
    } catch (error) {
      io.stderr(`vstatic: reload failed, the current workers keep serving: ${(error as Error).message}\n`)
    } finally {
      reloading = false
    }
    if (reloadAgain) {
      reloadAgain = false
      await reload()
    }
  }

  return new Promise<number>((resolve) => {
    const onHangup = () => {
      io.stdout('Received SIGHUP, reloading\n')
      void reload()
    }
    const stop = (signal: NodeJS.Signals) => {
      if (shuttingDown) return
      shuttingDown = true
      process.off('SIGHUP', onHangup)
      io.stdout(`Received ${signal}, closing\n`)
      const all = Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined,
      )
      retire(all).then(() => {
        for (const file of temporary) rmSync(file, { force: true })
        resolve(0)
      })
    }
    process.on('SIGHUP', onHangup)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
