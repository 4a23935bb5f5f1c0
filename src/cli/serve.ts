/**
 * `vstatic serve`: serve a directory over HTTP, in one process or as a cluster.
 * @module
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import type { StaticOptions } from '../types.js'
import { parseAliases, parseWhole, UsageError } from './args.js'
import { runCluster, runWorker, WORKER_MANIFEST_ENV } from './cluster.js'
import { SERVE_HELP } from './help.js'
import { type CliIo, DEFAULT_IO } from './io.js'
import { listenOne, waitForSignal } from './server.js'

/** Runs `vstatic serve`; resolves with the exit code once the server has stopped. */
export async function runServe(rest: readonly string[], io: CliIo): Promise<number> {
  const settings = parseServeArgs(rest, io)
  if (settings === undefined) return 0
  if (cluster.isWorker && process.env[WORKER_MANIFEST_ENV] !== undefined) {
    await runWorker(settings, io, process.env[WORKER_MANIFEST_ENV], listenOne)
    return 0
  }
  if (settings.workers !== undefined) return await runCluster(settings, io, rest)
  const running = await listenOne(settings, io)
  await waitForSignal(running, io)
  return 0
}

/** The parsed arguments of `vstatic serve`. */
export interface ServeSettings {
  readonly root: string
  readonly port: number
  readonly host: string
  readonly workers: number | undefined
  readonly quiet: boolean
  readonly options: Omit<StaticOptions, 'root'>
}

/** Parses `vstatic serve` arguments; undefined after printing --help. */
export function parseServeArgs(args: readonly string[], io: CliIo = DEFAULT_IO): ServeSettings | undefined {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', default: '8888' },
      host: { type: 'string', default: '127.0.0.1' },
      prefix: { type: 'string' },
      alias: { type: 'string', multiple: true, default: [] },
      index: { type: 'string', default: 'index.html' },
      'no-index': { type: 'boolean', default: false },
      'max-age': { type: 'string' },
      dotfiles: { type: 'string' },
      root: { type: 'string' },
      manifest: { type: 'string' },
      versioning: { type: 'string' },
      workers: { type: 'string' },
      dev: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(SERVE_HELP)
    return undefined
  }
  const root = values.root ?? positionals[0]
  if (root === undefined) throw new UsageError('serve needs the directory to serve: vstatic serve <root>')
  if (positionals.length > (values.root === undefined ? 1 : 0)) {
    throw new UsageError(`serve takes one directory, got ${positionals.length}: ${positionals.join(' ')}`)
  }
  const workers = parseWorkers(values.workers)
  if (workers !== undefined && values.dev)
    throw new UsageError('--workers cannot be used with --dev (dev mode is one process)')
  return {
    root,
    port: parsePort(values.port),
    host: values.host,
    workers,
    quiet: values.quiet,
    options: {
      prefix: values.prefix,
      aliases: parseAliases(values.alias),
      index: values['no-index'] ? false : values.index,
      dev: values.dev,
      maxAge: values['max-age'] === undefined ? undefined : parseWhole('--max-age', values['max-age']),
      dotfiles: values.dotfiles as 'ignore' | 'allow' | undefined,
      manifest: values.manifest,
      versioning: values.versioning as 'query' | 'filename' | undefined,
    },
  }
}

function parsePort(value: string): number {
  const port = parseWhole('--port', value)
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${value}`)
  return port
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (value === 'auto') return availableParallelism()
  const count = parseWhole('--workers', value)
  if (count < 1) throw new UsageError(`--workers must be 1 or more, or auto, got ${value}`)
  return count
}
