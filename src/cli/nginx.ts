/**
 * `vstatic nginx`: print an nginx configuration that serves a build.
 * @module
 */
import path from 'node:path'
import { loadManifest } from '../manifest/check.js'
import { formatNginxConfig } from '../nginx/config.js'
import { DEFAULT_ALIASES, resolveCors } from '../options/options.js'
import { DOTFILES } from '../types.js'
import { parseAliases, parseChoice, parseCommand, parseOptionalWhole } from './args.js'
import type { CliIo } from './command.js'
import { type Command, type OptionTable, UsageError } from './command.js'

const OPTIONS = {
  manifest: { type: 'string', value: '<file>', help: 'The manifest written by vstatic build (required)' },
  root: {
    type: 'string',
    multiple: true,
    value: '<dir>',
    help: [
      'Directory nginx serves: the --out-dir of the build, or',
      'its root if the build rewrote no file (required; repeat',
      'it for a build of several roots, in the same order)',
    ],
  },
  // Checked against the manifest's prefix when given; the manifest decides it.
  prefix: { type: 'string' },
  upstream: {
    type: 'string',
    multiple: true,
    default: [],
    value: '<addr>',
    help: ['App server to proxy everything else to (repeatable),', 'e.g. 127.0.0.1:8000'],
  },
  listen: { type: 'string', value: '<addr>', help: 'listen parameter (default 80)' },
  'server-name': { type: 'string', value: '<name>', help: 'server_name (default _)' },
  alias: {
    type: 'string',
    multiple: true,
    default: [],
    value: '<url=file>',
    help: ['Extra root alias (repeatable; added to /favicon.ico and', '/robots.txt)'],
  },
  'max-age': {
    type: 'string',
    value: '<s>',
    help: 'max-age for unversioned responses (default 0: no-cache)',
  },
  'not-found-max-age': {
    type: 'string',
    value: '<s>',
    help: 'max-age for 404s under the prefix (default 0: no-cache)',
  },
  cors: { type: 'string', value: '<origin>', help: 'Access-Control-Allow-Origin (* or an origin)' },
  brotli: {
    type: 'boolean',
    default: false,
    help: 'Serve .br variants (needs the ngx_brotli static module)',
  },
  'early-hints': {
    type: 'boolean',
    default: false,
    help: ["Pass the app's 103 Early Hints on to HTTP/2", 'navigations (needs --upstream and nginx 1.29+)'],
  },
  dotfiles: { type: 'string', value: '<policy>', help: 'ignore (default) or allow, as given to build' },
  'no-hash-sizes': {
    type: 'boolean',
    default: false,
    help: 'Leave out map_hash_* (if nginx.conf sets them)',
  },
} satisfies OptionTable

export const nginx: Command<typeof OPTIONS> = {
  synopsis: 'nginx',
  summary: 'Print an nginx configuration that serves a build',
  usage: 'vstatic nginx --manifest <file> --root <dir> [options]',
  description: `Print an nginx configuration (for the http {} block) that serves the build
the way vstatic does: far-future immutable caching exactly for current and
retained versioned URLs, revalidation elsewhere, only the files of the build
(dotfiles and strays are 404), precompressed variants, the same content types,
and the root aliases as exact-match locations. A build without --out-dir that
rewrote files (versioned url() and @import) is refused: nginx serves what is on
disk, and those bytes are not.`,
  options: OPTIONS,
  run: runNginx,
}

function runNginx(args: readonly string[], io: CliIo): number {
  const parsed = parseCommand(nginx, args, io)
  if (parsed === undefined) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0)
    throw new UsageError(`nginx takes no positional arguments, got ${positionals.join(' ')}`)
  if (values.manifest === undefined) throw new UsageError('nginx needs --manifest <file>')
  if (values.root === undefined || values.root.length === 0)
    throw new UsageError('nginx needs --root <dir> (the directory nginx serves)')
  // Checked against --root when it exists on this machine (the configuration may be written elsewhere).
  const manifest = loadManifest(path.resolve(values.manifest), {
    root: values.root,
    dotfiles: parseChoice('--dotfiles', values.dotfiles, DOTFILES),
  })
  if (values['early-hints'] && values.upstream.length === 0)
    throw new UsageError('--early-hints needs --upstream: nginx passes on the 103 of the app it proxies to')
  if (values.prefix !== undefined && values.prefix !== manifest.options.prefix) {
    throw new UsageError(`--prefix ${values.prefix} differs from the manifest's ${manifest.options.prefix}`)
  }
  io.stdout(
    formatNginxConfig(manifest, {
      root: values.root.map((root) => path.resolve(root)),
      manifestPath: path.resolve(values.manifest),
      upstreams: values.upstream,
      listen: values.listen,
      serverName: values['server-name'],
      aliases: { ...DEFAULT_ALIASES, ...parseAliases(values.alias) },
      maxAge: parseOptionalWhole('--max-age', values['max-age']),
      notFoundMaxAge: parseOptionalWhole('--not-found-max-age', values['not-found-max-age']),
      cors: resolveCors(values.cors),
      brotli: values.brotli,
      hashSizes: !values['no-hash-sizes'],
      earlyHints: values['early-hints'],
    }),
  )
  return 0
}
