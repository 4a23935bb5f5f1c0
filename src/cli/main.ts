#!/usr/bin/env node
/**
 * The `vstatic` command line: argument parsing, exit codes and output. No logic of its own.
 * @module
 */
import cluster from 'node:cluster'
import { readFileSync, realpathSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { type BuildProgress, buildManifest, verifyManifest } from '../build/build.js'
import { formatNginxConfig } from '../build/nginx.js'
import { readManifest } from '../catalog/manifest.js'
import { createStatic } from '../create-static.js'
import { MissingAssetError, StaticConfigError } from '../errors.js'
import { DEFAULT_ALIASES, resolveHost } from '../options.js'
import type { StaticOptions } from '../types.js'
import { runCluster, runWorker, WORKER_MANIFEST_ENV } from './cluster.js'

/** Where the CLI writes; replaced in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

/** A running `vstatic serve`, for tests and embedding. */
export interface RunningServer {
  readonly url: string
  readonly server: http.Server
  close(): Promise<void>
}

const DEFAULT_IO: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}

class UsageError extends Error {}

const MAIN_HELP = `Usage: vstatic <command> [options]

Content-hashed static assets: versioned URLs, a correct static server.

Commands:
  serve <root>          Serve a directory over HTTP
  url <path>...         Print the versioned URL of each file
  build <root>          Write the manifest (and optionally a CDN-ready output directory)
  verify <root>         Check that a manifest still matches the files
  nginx                 Print an nginx configuration that serves a build

Options:
  -h, --help            Show help (also: vstatic <command> --help)
  -v, --version         Print the version

Exit codes: 0 success, 1 failure (e.g. a missing file), 2 usage error.
`

const SERVE_HELP = `Usage: vstatic serve <root> [options]

Serve <root> with versioned-URL caching, ETag/Last-Modified revalidation,
ranges, HEAD and root aliases. Logs one line per request.

Options:
  --port <n>            Port to listen on; 0 picks a free one (default 8888)
  --host <addr>         Address to bind (default 127.0.0.1)
  --prefix <path>       URL prefix of the files (default /static/)
  --alias <url=file>    Serve a root-level URL from a file of <root>, e.g.
                        --alias /sitemap.xml=sitemap.xml (repeatable; added to
                        /favicon.ico and /robots.txt)
  --index <file>        File served for directory URLs (default index.html)
  --no-index            Serve no index file for directories
  --max-age <s>         max-age for unversioned responses (default 0: no-cache)
  --dotfiles <policy>   ignore (default) or allow
  --manifest <file>     Load the index from a manifest written by vstatic build
  --versioning <mode>   query (default) or filename
  --workers <n|auto>    Run n worker processes on one port (auto: one per CPU).
                        The index is built once and shared through a manifest;
                        a worker that dies is replaced; SIGHUP rebuilds the
                        index and replaces the workers without dropping a
                        request
  --dev                 Dev mode: versions follow file edits without a restart
  --quiet               Do not log requests
  -h, --help            Show this help

Stops gracefully on SIGINT or SIGTERM.
`

const BUILD_HELP = `Usage: vstatic build <root> [options]

Scan and hash <root>, rewrite references in CSS (and source-map comments),
compute Subresource Integrity, and write the manifest that
createStatic({ root, manifest }) loads at startup.

Options:
  --out <file>          Manifest to write (default static-manifest.json)
  --out-dir <dir>       Also write the files, fingerprinted copies and variants
                        here, ready to upload to a CDN or object store
  --keep <n>            With --out-dir: keep the files of the last n builds
                        (default 2), for pages rendered by the previous deploy
  --versioning <mode>   query (app.css?v=<token>, default) or filename
                        (app.<token>.css)
  --prefix <path>       URL prefix of the files (default /static/)
  --compress            Write Brotli and gzip variants of compressible files
  --integrity <alg>     sha256, sha384 (default) or sha512
  --dotfiles <policy>   ignore (default) or allow
  --fingerprinted <re>  Files a bundler already fingerprinted (a regular
                        expression on the path; "none" for none). They are kept
                        under their own names and served immutable. Default:
                        Vite's assets/name-<8 chars>.ext, webpack's name.<hex>.ext
  --json                Print a machine-readable summary
  --quiet               Print nothing but errors
  -h, --help            Show this help

The manifest is written to a temporary file and renamed, so an interrupted
build leaves the previous one intact.
`

const VERIFY_HELP = `Usage: vstatic verify <root> --manifest <file>

List every file added, removed or changed in <root> since the manifest was
built. Exits 0 when they agree and 1 when they do not: use it in CI.

Options:
  --manifest <file>     The manifest to check (default static-manifest.json)
  --dotfiles <policy>   ignore (default) or allow, as given to build
  -h, --help            Show this help
`

const NGINX_HELP = `Usage: vstatic nginx --manifest <file> --root <dir> [options]

Print an nginx configuration (for the http {} block) that serves the build
the way vstatic does: far-future immutable caching exactly for current and
retained versioned URLs, revalidation elsewhere, only the files of the build
(dotfiles and strays are 404), precompressed variants, the same content types,
and the root aliases as exact-match locations.

Options:
  --manifest <file>     The manifest written by vstatic build (required)
  --root <dir>          Directory nginx serves: the --out-dir of the build, or
                        its root (required)
  --upstream <addr>     App server to proxy everything else to (repeatable),
                        e.g. 127.0.0.1:8000
  --listen <addr>       listen parameter (default 80)
  --server-name <name>  server_name (default _)
  --alias <url=file>    Extra root alias (repeatable; added to /favicon.ico and
                        /robots.txt)
  --max-age <s>         max-age for unversioned responses (default 0: no-cache)
  --cors <origin>       Access-Control-Allow-Origin (* or an origin)
  --brotli              Serve .br variants (needs the ngx_brotli static module)
  --no-hash-sizes       Leave out map_hash_* (if nginx.conf sets them)
  -h, --help            Show this help
`

const URL_HELP = `Usage: vstatic url <path>... --root <dir> [options]

Print the versioned URL of each file, one per line, exactly as
assets.url(path) returns it.

Options:
  --root <dir>          The static directory (required)
  --prefix <path>       URL prefix of the files (default /static/)
  --manifest <file>     Take the URLs from a manifest written by vstatic build
  --versioning <mode>   query (default) or filename
  --no-version          Print URLs without the token
  -h, --help            Show this help

Exits 1 if any path is not a file of <root> (the error goes to stderr).
`

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves with the exit code; for
 * `serve`, resolves once the server has stopped.
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP)
        return command === undefined ? 2 : 0
      case '-v':
      case '--version':
        io.stdout(`${readVersion()}\n`)
        return 0
      case 'serve': {
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
      case 'url':
        return await printUrls(rest, io)
      case 'build':
        return await runBuild(rest, io)
      case 'verify':
        return runVerify(rest, io)
      case 'nginx':
        return runNginx(rest, io)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error) || error instanceof StaticConfigError) {
      io.stderr(
        `vstatic: ${(error as Error).message}\nRun "vstatic ${helpTopic(command)}--help" for usage.\n`,
      )
      return 2
    }
    io.stderr(`vstatic: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
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

/** One serving process: the whole server, or one worker of a cluster. */
export async function listenOne(
  settings: ServeSettings,
  io: CliIo,
  manifestOverride?: string,
): Promise<RunningServer> {
  const assets = await createStatic({
    root: settings.root,
    ...settings.options,
    ...(manifestOverride === undefined ? {} : { manifest: manifestOverride }),
  })
  const logPrefix = manifestOverride === undefined ? '' : `[${process.pid}] `
  const state = { draining: false }
  const server = http.createServer((req, res) => {
    if (!settings.quiet) logRequest(req, res, io, logPrefix)
    // While draining, every response tells the client not to reuse the connection.
    if (state.draining) res.setHeader('connection', 'close')
    assets.handle(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot listen on ${settings.host}:${settings.port}: ${error.code ?? error.message}`, {
      cause: error,
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  if (manifestOverride === undefined) {
    io.stdout(`Listening on ${url}\n`)
    io.stdout(`Serving ${assets.root} at ${url}${assets.prefix}${assets.dev ? ' (dev mode)' : ''}\n`)
  }
  return {
    url,
    server,
    close: () => closeGracefully(server, state),
  }
}

// --- internal ---

async function runBuild(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      'out-dir': { type: 'string' },
      keep: { type: 'string' },
      versioning: { type: 'string' },
      prefix: { type: 'string' },
      compress: { type: 'boolean', default: false },
      integrity: { type: 'string' },
      dotfiles: { type: 'string' },
      fingerprinted: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(BUILD_HELP)
    return 0
  }
  const root = onePositional(positionals, 'build')
  if (values.keep !== undefined && values['out-dir'] === undefined)
    throw new UsageError('--keep needs --out-dir')
  const showProgress = !values.quiet && !values.json && process.stderr.isTTY === true
  let bar: cliProgress.SingleBar | undefined
  const onProgress = (progress: BuildProgress) => {
    if (!showProgress || progress.totalFiles < 200) return
    if (bar === undefined) {
      bar = new cliProgress.SingleBar(
        {
          format: '{phase} [{bar}] {value}/{total} files, {megabytes} MB',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
      bar.start(progress.totalFiles, 0, { phase: progress.phase, megabytes: '0.0' })
    }
    bar.update(progress.files, { phase: progress.phase, megabytes: (progress.bytes / 1e6).toFixed(1) })
  }
  const summary = await buildManifest({
    root,
    out: values.out,
    outDir: values['out-dir'],
    keep: values.keep === undefined ? undefined : parseWhole('--keep', values.keep),
    versioning: values.versioning as 'query' | 'filename' | undefined,
    prefix: values.prefix,
    compress: values.compress,
    integrity: values.integrity as 'sha256' | 'sha384' | 'sha512' | undefined,
    dotfiles: values.dotfiles as 'ignore' | 'allow' | undefined,
    fingerprinted: parseFingerprinted(values.fingerprinted),
    onWarning:
      values.quiet || values.json ? undefined : (message) => io.stderr(`vstatic: warning: ${message}\n`),
    onProgress,
  }).finally(() => bar?.stop())
  if (values.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`)
  } else if (!values.quiet) {
    const compressed = values.compress
      ? `, ${summary.compressed.br} br + ${summary.compressed.gzip} gzip variants (${summary.compressed.reused} reused)`
      : ''
    const output =
      summary.outDir === undefined
        ? ''
        : `, ${summary.written} files written to ${summary.outDir}, ${summary.removed.length} old removed`
    io.stdout(
      `Wrote ${summary.manifestPath}: ${summary.files} files, ${(summary.bytes / 1e6).toFixed(2)} MB, ` +
        `${summary.rewritten} rewritten${compressed}${output}; build ${summary.buildId} in ${summary.durationMs} ms\n`,
    )
  }
  return 0
}

function runVerify(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      manifest: { type: 'string', default: 'static-manifest.json' },
      dotfiles: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(VERIFY_HELP)
    return 0
  }
  const root = onePositional(positionals, 'verify')
  const result = verifyManifest(root, values.manifest, values.dotfiles as 'ignore' | 'allow' | undefined)
  const lines = [
    ...result.added.map((file) => `added    ${file}`),
    ...result.removed.map((file) => `removed  ${file}`),
    ...result.changed.map((file) => `changed  ${file}`),
  ]
  if (lines.length === 0) {
    io.stdout(`${values.manifest} matches ${root}\n`)
    return 0
  }
  io.stdout(`${lines.join('\n')}\n`)
  io.stderr(
    `vstatic: ${lines.length} difference(s) between ${values.manifest} and ${root}; run "vstatic build"\n`,
  )
  return 1
}

function runNginx(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      manifest: { type: 'string' },
      root: { type: 'string' },
      prefix: { type: 'string' },
      upstream: { type: 'string', multiple: true, default: [] },
      listen: { type: 'string' },
      'server-name': { type: 'string' },
      alias: { type: 'string', multiple: true, default: [] },
      'max-age': { type: 'string' },
      cors: { type: 'string' },
      brotli: { type: 'boolean', default: false },
      'no-hash-sizes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(NGINX_HELP)
    return 0
  }
  if (positionals.length > 0)
    throw new UsageError(`nginx takes no positional arguments, got ${positionals.join(' ')}`)
  if (values.manifest === undefined) throw new UsageError('nginx needs --manifest <file>')
  if (values.root === undefined) throw new UsageError('nginx needs --root <dir> (the directory nginx serves)')
  const manifest = readManifest(path.resolve(values.manifest))
  if (values.prefix !== undefined && values.prefix !== manifest.options.prefix) {
    throw new UsageError(`--prefix ${values.prefix} differs from the manifest's ${manifest.options.prefix}`)
  }
  io.stdout(
    formatNginxConfig(manifest, {
      root: path.resolve(values.root),
      manifestPath: path.resolve(values.manifest),
      upstreams: values.upstream,
      listen: values.listen,
      serverName: values['server-name'],
      aliases: { ...DEFAULT_ALIASES, ...parseAliases(values.alias) },
      maxAge: values['max-age'] === undefined ? undefined : parseWhole('--max-age', values['max-age']),
      cors: values.cors === undefined ? undefined : (resolveCorsFlag(values.cors) ?? undefined),
      brotli: values.brotli,
      hashSizes: !values['no-hash-sizes'],
    }),
  )
  return 0
}

function resolveCorsFlag(value: string): string | undefined {
  return value === '*' ? '*' : resolveHost('cors', value)
}

function parseFingerprinted(value: string | undefined): RegExp | false | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return false
  try {
    return new RegExp(value)
  } catch (error) {
    throw new UsageError(
      `--fingerprinted must be a regular expression, got ${JSON.stringify(value)}: ${(error as Error).message}`,
    )
  }
}

function onePositional(positionals: readonly string[], command: string): string {
  const [root, ...extra] = positionals
  if (root === undefined)
    throw new UsageError(`${command} needs the static directory: vstatic ${command} <root>`)
  if (extra.length > 0)
    throw new UsageError(
      `${command} takes one directory, got ${positionals.length}: ${positionals.join(' ')}`,
    )
  return root
}

async function printUrls(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      root: { type: 'string' },
      prefix: { type: 'string' },
      manifest: { type: 'string' },
      versioning: { type: 'string' },
      'no-version': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(URL_HELP)
    return 0
  }
  if (values.root === undefined) throw new UsageError('url needs --root <dir>')
  if (positionals.length === 0) throw new UsageError('url needs at least one path')
  const assets = await createStatic({
    root: values.root,
    prefix: values.prefix,
    manifest: values.manifest,
    versioning: values.versioning as 'query' | 'filename' | undefined,
  })
  let status = 0
  for (const path of positionals) {
    try {
      io.stdout(`${assets.url(path, { version: !values['no-version'] })}\n`)
    } catch (error) {
      if (!(error instanceof MissingAssetError)) throw error
      io.stderr(`vstatic: ${error.message}\n`)
      status = 1
    }
  }
  return status
}

function parsePort(value: string): number {
  const port = parseWhole('--port', value)
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${value}`)
  return port
}

function parseWhole(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

function parseAliases(values: readonly string[]): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const value of values) {
    const equals = value.indexOf('=')
    if (equals <= 0 || equals === value.length - 1) {
      throw new UsageError(`--alias must look like /sitemap.xml=sitemap.xml, got ${JSON.stringify(value)}`)
    }
    aliases[value.slice(0, equals)] = value.slice(equals + 1)
  }
  return aliases
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (value === 'auto') return availableParallelism()
  const count = parseWhole('--workers', value)
  if (count < 1) throw new UsageError(`--workers must be 1 or more, or auto, got ${value}`)
  return count
}

function logRequest(req: http.IncomingMessage, res: http.ServerResponse, io: CliIo, prefix = ''): void {
  const started = process.hrtime.bigint()
  const socket = req.socket
  const writtenBefore = socket.bytesWritten
  res.once('close', () => {
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6
    // Bytes put on the wire for this response, status line and headers included (like %O in Apache).
    const bytes = socket.bytesWritten - writtenBefore
    const aborted = res.writableFinished ? '' : ' (aborted)'
    io.stdout(
      `${prefix}${req.method} ${req.url} ${res.statusCode} ${bytes} ${milliseconds.toFixed(1)}ms${aborted}\n`,
    )
  })
}

/** How long connections keep being served (each response with Connection: close) before the server closes. */
const DRAIN_GRACE_MS = 500

/**
 * Stops without failing a request: first every response closes its connection (so keep-alive clients
 * move on instead of racing a closing socket), then the server stops accepting and idle connections
 * are closed as they appear; requests in flight get a few seconds to finish before they are cut.
 */
async function closeGracefully(server: http.Server, state: { draining: boolean }): Promise<void> {
  state.draining = true
  await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS))
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const idle = setInterval(() => server.closeIdleConnections(), 50)
  const timer = setTimeout(() => server.closeAllConnections(), 5000)
  timer.unref()
  await closed
  clearInterval(idle)
  clearTimeout(timer)
}

function waitForSignal(running: RunningServer, io: CliIo): Promise<void> {
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

function readVersion(): string {
  const packageJson = new URL('../package.json', import.meta.url)
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

function helpTopic(command: string | undefined): string {
  return command !== undefined && ['serve', 'url', 'build', 'verify', 'nginx'].includes(command)
    ? `${command} `
    : ''
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`vstatic: ${String(error)}\n`)
      process.exitCode = 1
    },
  )
}
