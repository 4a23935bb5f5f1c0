/**
 * `vstatic serve --workers`: one worker process per CPU on one port, sharing one index through a
 * manifest; dead workers are replaced, SIGHUP reloads without dropping a request, SIGTERM drains.
 * Where Node has `reusePort` (22.12+, Linux) each worker accepts on its own socket and the kernel
 * spreads connections; elsewhere the primary accepts them and hands them out in turn.
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import { rmSync } from 'node:fs'
import type net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CliIo } from './command.js'
import type { ServerSettings } from './listen.js'
import { type PreparedManifest, prepareManifest } from './manifest-job.js'
import { claimPort, supportsReusePort } from './port.js'
import {
  SERVE_REQUEST,
  type ServeMessage,
  type SocketMessage,
  STOP_MESSAGE,
  WORKER_ENV,
  type WorkerOrder,
} from './worker.js'

/**
 * How long after its drain timeout a retiring worker is killed: it cuts its own connections at the
 * drain timeout, and this is for one that does not exit then.
 */
const KILL_AFTER_DRAIN_MS = 5000

/** The primary: builds the index once, runs the workers, and handles SIGHUP, SIGTERM and SIGINT. Resolves with the exit code. */
export async function runCluster(settings: ServerSettings, count: number, io: CliIo): Promise<number> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.js', import.meta.url)), silent: false })
  const primary = new Primary(settings, count, io)
  try {
    await primary.start()
  } catch (error) {
    primary.removeTemporary()
    throw error
  }
  // The signals are handled before the URL is printed: a supervisor that sends SIGHUP or SIGTERM on
  // seeing it must never find the primary without its handlers.
  const stopped = primary.untilStopped()
  primary.announce()
  return stopped
}

/** A set of workers started together on one manifest, and the URL they listen on. */
interface Generation {
  readonly workers: Set<Worker>
  readonly url: string
}

/** Workers forked before their manifest was ready: told to serve it, or abandoned. */
interface ForkedGeneration {
  serve(manifest: string): Promise<Generation>
  abandon(): void
}

/** The state of one cluster: its manifests, its current workers, and whether it is reloading or stopping. */
class Primary {
  /** Manifests this primary wrote, removed once no worker loads them. */
  private readonly temporary = new Set<string>()
  private generation = 0
  /** The manifest the current workers load, and that a replacement worker loads. */
  private manifest: PreparedManifest = { file: '', buildId: '' }
  private current = new Set<Worker>()
  /** Where the first generation listens. */
  private url = ''
  /** Unplanned exits since a worker last started listening; sets the back-off before a replacement. */
  private failures = 0
  private stopping = false
  private reloading = false
  private reloadAgain = false
  /** Each worker listens on its own socket (SO_REUSEPORT) instead of through the primary. */
  private readonly reusePort = supportsReusePort()
  /** The port the workers listen on: the one given, or the one the system chose for port 0. */
  private port: number
  /**
   * With reusePort, the listening socket of each slot, kept open here (never accepted on) so that it
   * and the connections waiting on it outlive a reload: the next generation's worker of the slot
   * takes them over. A worker that dies has its slot's socket closed (see onExit).
   */
  private readonly sockets: unknown[] = []
  private readonly slots = new Map<Worker, number>()
  /**
   * Workers forked for a generation that is not serving yet. A stop ends them with kill(), which
   * node:cluster delivers whatever they are doing, rather than with a message they may not be
   * listening for yet.
   */
  private readonly unserved = new Set<Worker>()
  /** Aborted by a stop: ends a manifest job still running for a reload. */
  private readonly jobs = new AbortController()

  constructor(
    private readonly settings: ServerSettings,
    private readonly count: number,
    private readonly io: CliIo,
  ) {
    this.port = settings.port
  }

  async start(): Promise<void> {
    // The workers start while the manifest is built, so their Node start and module loading overlap it.
    const forked = this.forkGeneration()
    try {
      this.manifest = await this.prepareManifest()
      if (this.reusePort) this.port = await claimPort(this.settings.port, this.settings.host)
    } catch (error) {
      forked.abandon()
      throw error
    }
    const first = await forked.serve(this.manifest.file)
    this.current = first.workers
    this.url = first.url
  }

  /** Says where the workers listen, on which build, and how connections reach them. */
  announce(): void {
    this.io.stdout(`Listening on ${this.url}\n`)
    this.io.stdout(
      `Serving ${[this.settings.root]
        .flat()
        .map((root) => path.resolve(root))
        .join(', ')} at ${this.url} with ${this.workerCount()} (build ${this.manifest.buildId})\n`,
    )
    this.io.stdout(
      this.reusePort
        ? 'Each worker accepts its own connections (reusePort)\n'
        : 'The primary hands out connections to the workers in turn (round robin)\n',
    )
  }

  /** Reloads on SIGHUP; on SIGINT or SIGTERM retires every worker and resolves with the exit code. */
  untilStopped(): Promise<number> {
    return new Promise<number>((resolve) => {
      const onHangup = () => {
        this.io.stdout('Received SIGHUP, reloading\n')
        void this.reload()
      }
      const onStop = (signal: NodeJS.Signals) => {
        if (this.stopping) return
        process.off('SIGHUP', onHangup)
        void this.stop(signal).then(() => resolve(0))
      }
      process.on('SIGHUP', onHangup)
      process.once('SIGINT', onStop)
      process.once('SIGTERM', onStop)
    })
  }

  /** Builds a new manifest, starts a new generation on it, then retires the old one. */
  async reload(): Promise<void> {
    if (this.stopping) return
    if (this.reloading) {
      // A SIGHUP during a reload: files may have changed again, so run one more afterwards.
      this.reloadAgain = true
      return
    }
    this.reloading = true
    try {
      await this.replaceGeneration()
    } catch (error) {
      // A stop ends the workers a reload was starting: that is no failure to report.
      if (!this.stopping)
        this.io.stderr(
          `vstatic: reload failed, the current workers keep serving: ${(error as Error).message}\n`,
        )
    } finally {
      this.reloading = false
    }
    if (this.reloadAgain) {
      this.reloadAgain = false
      await this.reload()
    }
  }

  private async replaceGeneration(): Promise<void> {
    const previousManifest = this.manifest
    const forked = this.forkGeneration()
    let next: PreparedManifest
    try {
      next = await this.prepareManifest()
    } catch (error) {
      forked.abandon()
      throw error
    }
    // A SIGTERM or SIGINT while the manifest was built or the workers started: they must not serve on.
    if (this.stopping) {
      forked.abandon()
      return this.dropManifest(next.file)
    }
    const started = await forked.serve(next.file)
    if (this.stopping) {
      await retire(started.workers, this.settings.limits.drainTimeoutMs)
      return this.dropManifest(next.file)
    }
    const old = this.current
    this.current = started.workers
    this.manifest = next
    this.io.stdout(`Reloaded: ${this.workerCount()} on build ${next.buildId}\n`)
    await retire(old, this.settings.limits.drainTimeoutMs)
    if (this.temporary.delete(previousManifest.file)) rmSync(previousManifest.file, { force: true })
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    this.stopping = true
    this.io.stdout(`Received ${signal}, closing\n`)
    const all = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined,
    )
    // A reload's build, and the workers waiting for it, have nothing to finish.
    this.jobs.abort()
    const unserved = [...this.unserved]
    for (const worker of unserved) worker.kill()
    await Promise.all([
      retire(
        all.filter((worker) => !unserved.includes(worker)),
        this.settings.limits.drainTimeoutMs,
      ),
      retire(unserved, this.settings.limits.drainTimeoutMs),
    ])
    for (const socket of this.sockets) (socket as { close?: () => void } | undefined)?.close?.()
    this.removeTemporary()
  }

  /** Removes a manifest this primary wrote that no worker will serve. */
  private dropManifest(file: string): void {
    if (this.temporary.delete(file)) rmSync(file, { force: true })
  }

  /** Removes the manifests this primary wrote. */
  removeTemporary(): void {
    for (const file of this.temporary) rmSync(file, { force: true })
    this.temporary.clear()
  }

  /**
   * The manifest given with --manifest (checked once here rather than in every worker), or a new one
   * built from the root; either in a child process (manifest-job.ts), so this one stays small.
   */
  private async prepareManifest(): Promise<PreparedManifest> {
    this.generation++
    const out = path.join(tmpdir(), `vstatic-${process.pid}-${this.generation}.json`)
    if (this.settings.options.manifest === undefined) this.temporary.add(out)
    return prepareManifest(
      this.settings,
      out,
      (message) => this.io.stderr(`vstatic: warning: ${message}\n`),
      this.jobs.signal,
    )
  }

  /**
   * Forks `count` workers before their manifest exists: they load their modules meanwhile. `serve`
   * then names the manifest and the port, and resolves once all listen; if one exits before it
   * listens, it kills the others and rejects. `abandon` kills them all, unserved.
   */
  private forkGeneration(): ForkedGeneration {
    const workers = new Set<Worker>()
    /** The answer, once the manifest is ready; until then, the workers that asked for it. */
    let answer: ServeMessage | undefined
    const asked = new Set<Worker>()
    const send = (worker: Worker, message: ServeMessage) => {
      if (worker.isConnected()) worker.send(message, undefined, () => undefined)
    }
    const listening = Array.from({ length: this.count }, (_, slot) => {
      const worker = this.fork(undefined, slot)
      workers.add(worker)
      this.unserved.add(worker)
      worker.on('message', (message: { vstatic?: string } | null) => {
        if (message?.vstatic !== SERVE_REQUEST.vstatic) return
        if (answer === undefined) asked.add(worker)
        else send(worker, answer)
      })
      const url = listeningUrl(worker)
      // Awaited by serve(), or never (abandoned): an exit before then is not an unhandled rejection.
      url.catch(() => undefined)
      return url
    })
    const abandon = () => {
      for (const worker of workers) {
        this.unserved.delete(worker)
        worker.kill()
      }
    }
    const serve = async (manifest: string): Promise<Generation> => {
      answer = { vstatic: 'serve', manifest, port: this.port }
      for (const worker of asked) send(worker, answer)
      asked.clear()
      const urls = await Promise.all(listening).catch((error: unknown) => {
        abandon()
        throw error
      })
      for (const worker of workers) this.unserved.delete(worker)
      return { workers, url: urls[0] ?? '' }
    }
    return { abandon, serve }
  }

  private fork(manifest: string | undefined, slot: number, replacement = false): Worker {
    const settings = { ...this.settings, port: this.port }
    const order: WorkerOrder = { settings, manifest, reusePort: this.reusePort }
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(order) })
    this.slots.set(worker, slot)
    worker.on('message', (message: SocketMessage, socket: unknown) => {
      if (message?.vstatic === 'socket?') {
        // A raw listening handle (what node:cluster itself passes for a shared socket) travels like a
        // net.Server, without the receiver listening on it; the worker listens on it.
        // A worker that died meanwhile has no channel: it is replaced from its 'exit', not here.
        worker.send(
          { vstatic: 'socket' } satisfies SocketMessage,
          this.sockets[slot] as net.Server | undefined,
          () => undefined,
        )
      } else if (message?.vstatic === 'listening') {
        if (socket !== undefined) this.sockets[slot] ??= socket
        this.failures = 0
        if (replacement) this.io.stdout(`Worker ${worker.process.pid} is serving\n`)
      }
    })
    worker.once('exit', (code, signal) => this.onExit(worker, code, signal))
    return worker
  }

  /** Replaces a current worker that exited unplanned, backing off if workers keep dying at once. */
  private onExit(worker: Worker, code: number, signal: string | null): void {
    const slot = this.slots.get(worker) ?? 0
    this.slots.delete(worker)
    if (!this.current.delete(worker) || this.stopping) return
    // The kernel keeps giving the dead worker's socket its share of new connections, which would wait
    // there, unanswered, until a replacement listens (never, if replacements keep failing). Closing
    // it resets those waiting now and sends new ones to the live workers; the replacement binds anew.
    const orphan = this.sockets[slot] as { close?: () => void } | undefined
    this.sockets[slot] = undefined
    orphan?.close?.()
    this.failures++
    const delay = Math.min(5000, 100 * 2 ** Math.min(this.failures, 6))
    this.io.stderr(
      `vstatic: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement\n`,
    )
    setTimeout(() => {
      if (!this.stopping) this.current.add(this.fork(this.manifest.file, slot, true))
    }, delay).unref()
  }

  private workerCount(): string {
    return `${this.count} worker${this.count === 1 ? '' : 's'}`
  }
}

/** Resolves with the URL a new worker listens on; rejects if it exits first. */
function listeningUrl(worker: Worker): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onExit = () => reject(new Error(`worker ${worker.process.pid} exited before it listened`))
    worker.once('exit', onExit)
    const onMessage = (message: SocketMessage) => {
      if (message?.vstatic !== 'listening') return
      worker.off('exit', onExit)
      worker.off('message', onMessage)
      resolve(message.url)
    }
    worker.on('message', onMessage)
  })
}

/**
 * Asks each worker to stop (it lets its responses in flight finish for up to `drainTimeoutMs`), and
 * kills any that has not exited KILL_AFTER_DRAIN_MS later.
 */
async function retire(workers: Iterable<Worker>, drainTimeoutMs: number): Promise<void> {
  await Promise.all(
    [...workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve()
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), drainTimeoutMs + KILL_AFTER_DRAIN_MS)
          worker.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          // A worker already disconnecting (done draining) is only waited for.
          if (worker.isConnected()) worker.send(STOP_MESSAGE, undefined, () => {})
        }),
    ),
  )
}
