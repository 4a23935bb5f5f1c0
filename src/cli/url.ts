/**
 * `vstatic url`: print the versioned URL of each file.
 * @module
 */
import { parseArgs } from 'node:util'
import { createStatic } from '../create-static.js'
import { MissingAssetError } from '../errors.js'
import { UsageError } from './args.js'
import { URL_HELP } from './help.js'
import type { CliIo } from './io.js'

export async function printUrls(args: readonly string[], io: CliIo): Promise<number> {
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
