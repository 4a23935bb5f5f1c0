/**
 * `vstatic serve`: serve a directory over HTTP, in one process or as a cluster.
 * @module
 */
import { availableParallelism } from 'node:os'
import { DOTFILES, VERSIONINGS } from '../types.js'
import { LOG_FORMATS, type LogFormat } from './access-log.js'
import {
  IGNORE_OPTION,
  type ParsedArgs,
  parseAliases,
  parseChoice,
  parseCommand,
  parseOptionalWhole,
  parseWhole,
} from './args.js'
import { findInvalidProxy } from './client-address.js'
import { runCluster } from './cluster.js'
import type { CliIo } from './command.js'
import { type Command, type OptionTable, UsageError } from './command.js'
import { LIMIT_OPTIONS, parseLimits } from './limits.js'
import type { ServerSettings } from './listen.js'

const OPTIONS = {
  port: {
    type: 'string',
    default: '8888',
    value: '<n>',
    help: 'Port to listen on; 0 picks a free one (default 8888)',
  },
  host: {
    type: 'string',
    default: '127.0.0.1',
    value: '<addr>',
    help: 'Address to bind (default 127.0.0.1)',
  },
  prefix: { type: 'string', value: '<path>', help: 'URL prefix of the files (default /static/)' },
  alias: {
    type: 'string',
    multiple: true,
    default: [],
    value: '<url=file>',
    help: [
      'Serve a root-level URL from a file of <root>, e.g.',
      '--alias /sitemap.xml=sitemap.xml (repeatable; added to',
      '/favicon.ico and /robots.txt)',
    ],
  },
  index: {
    type: 'string',
    default: 'index.html',
    value: '<file>',
    help: 'File served for directory URLs (default index.html)',
  },
  'no-index': { type: 'boolean', default: false, help: 'Serve no index file for directories' },
  'max-age': {
    type: 'string',
    value: '<s>',
    help: 'max-age for unversioned responses (default 0: no-cache)',
  },
  'not-found-max-age': {
    type: 'string',
    value: '<s>',
    help: 'max-age for 404s (default 0: no-cache)',
  },
  dotfiles: { type: 'string', value: '<policy>', help: 'ignore (default) or allow' },
  ignore: IGNORE_OPTION,
  // The directory may also be given as --root, like the other commands; <root> is the documented form.
  root: { type: 'string', multiple: true },
  manifest: {
    type: 'string',
    value: '<file>',
    help: 'Load the index from a manifest written by vstatic build',
  },
  versioning: { type: 'string', value: '<mode>', help: 'query (default) or filename' },
  workers: {
    type: 'string',
    value: '<n|auto>',
    help: [
      'Run n worker processes on one port (auto: one per CPU).',
      'The index is built once and shared through a manifest;',
      'a worker that dies is replaced; SIGHUP rebuilds the',
      'index and replaces the workers without dropping a',
      'request',
    ],
  },
  ...LIMIT_OPTIONS,
  dev: {
    type: 'boolean',
    default: false,
    help: 'Dev mode: versions follow file edits without a restart',
  },
  quiet: { type: 'boolean', default: false, help: 'Do not log requests' },
  'log-format': {
    type: 'string',
    default: 'dev',
    value: '<format>',
    help: [
      'dev (default: time, client, request, status, body bytes,',
      'duration), combined (the Apache/nginx format) or json',
    ],
  },
  'trust-proxy': {
    type: 'string',
    value: '<addrs>',
    help: [
      'Log the client from X-Real-IP / X-Forwarded-For when the',
      'peer is one of these proxies: loopback, addresses or',
      'subnets, comma-separated (default: never)',
    ],
  },
} satisfies OptionTable

export const serve: Command<typeof OPTIONS> = {
  synopsis: 'serve <root>...',
  summary: 'Serve a directory over HTTP',
  usage: 'vstatic serve <root>... [options]',
  description: `Serve <root> with versioned-URL caching, ETag/Last-Modified revalidation,
ranges, HEAD and root aliases. With several roots, the first that has a file
serves it. Logs one line per request to stdout.`,
  options: OPTIONS,
  footer: `Stops gracefully on SIGINT or SIGTERM: stops accepting, closes idle
connections, and lets responses in flight finish (see --drain-timeout).`,
  run: runServe,
}

/** Runs `vstatic serve`; resolves with the exit code once the server has stopped. */
async function runServe(rest: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(serve, rest, io)
  if (parsed === undefined) return 0
  const { workers, ...settings } = toSettings(parsed)
  if (workers !== undefined) return await runCluster(settings, workers, io)
  // The library is loaded only by the process that serves: a cluster's primary never needs it.
  const { listen, waitForSignal } = await import('./listen.js')
  const running = await listen(settings, io)
  const stopped = waitForSignal(running, io)
  running.announce()
  await stopped
  return 0
}

/** The settings of `vstatic serve`: one server's, and the number of workers if it runs as a cluster. */
interface ServeSettings extends ServerSettings {
  readonly workers: number | undefined
}

/** Checks the arguments of `vstatic serve`, in the order the flags' errors are reported. */
function toSettings({ values, positionals }: ParsedArgs<typeof OPTIONS>): ServeSettings {
  if (values.root !== undefined && positionals.length > 0) {
    throw new UsageError(`serve takes its directories either as <root>... or as --root, got both`)
  }
  const [first, ...rest] = values.root ?? positionals
  if (first === undefined) throw new UsageError('serve needs the directory to serve: vstatic serve <root>...')
  const root = rest.length === 0 ? first : [first, ...rest]
  const workers = parseWorkers(values.workers)
  if (workers !== undefined && values.dev)
    throw new UsageError('--workers cannot be used with --dev (dev mode is one process)')
  return {
    root,
    port: parsePort(values.port),
    host: values.host,
    workers,
    quiet: values.quiet,
    limits: parseLimits(values),
    log: { format: parseLogFormat(values['log-format']), trustProxy: parseTrustProxy(values['trust-proxy']) },
    options: {
      prefix: values.prefix,
      aliases: parseAliases(values.alias),
      indexFile: values['no-index'] ? false : values.index,
      dev: values.dev,
      maxAge: parseOptionalWhole('--max-age', values['max-age']),
      notFoundMaxAge: parseOptionalWhole('--not-found-max-age', values['not-found-max-age']),
      dotfiles: parseChoice('--dotfiles', values.dotfiles, DOTFILES),
      ignore: values.ignore.length === 0 ? undefined : values.ignore,
      manifest: values.manifest,
      versioning: parseChoice('--versioning', values.versioning, VERSIONINGS),
    },
  }
}

function parsePort(value: string): number {
  const port = parseWhole('--port', value)
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${value}`)
  return port
}

function parseLogFormat(value: string): LogFormat {
  const format = LOG_FORMATS.find((known) => known === value)
  if (format === undefined)
    throw new UsageError(
      `--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`,
    )
  return format
}

function parseTrustProxy(value: string | undefined): string[] {
  if (value === undefined) return []
  const entries = value.split(',').map((entry) => entry.trim())
  const invalid = findInvalidProxy(entries)
  if (invalid !== undefined) {
    throw new UsageError(
      `--trust-proxy takes loopback, addresses or subnets (10.0.0.0/8), comma-separated; got ${JSON.stringify(invalid)}`,
    )
  }
  return entries
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (value === 'auto') return availableParallelism()
  const count = parseWhole('--workers', value)
  if (count < 1) throw new UsageError(`--workers must be 1 or more, or auto, got ${value}`)
  return count
}
