/**
 * `vstatic nginx`: print an nginx configuration that serves a build.
 * @module
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { formatNginxConfig } from '../build/nginx.js'
import { readManifest } from '../catalog/manifest.js'
import { DEFAULT_ALIASES, resolveHost } from '../options.js'
import { parseAliases, parseWhole, UsageError } from './args.js'
import { NGINX_HELP } from './help.js'
import type { CliIo } from './io.js'

export function runNginx(args: readonly string[], io: CliIo): number {
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
