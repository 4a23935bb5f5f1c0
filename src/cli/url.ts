/**
 * `vstatic url`: print the versioned URL of each file.
 * @module
 */
import { createStatic } from '../create-static.js'
import { MissingAssetError } from '../errors.js'
import { splitSuffix } from '../markup/url-input.js'
import type { WarningContext } from '../types.js'
import { VERSIONINGS } from '../types.js'
import { IGNORE_OPTION, parseChoice, parseCommand } from './args.js'
import type { CliIo } from './command.js'
import { type Command, type OptionTable, UsageError } from './command.js'

const OPTIONS = {
  root: {
    type: 'string',
    multiple: true,
    value: '<dir>',
    help: ['The static directory (required; repeat it for several,', 'in lookup order)'],
  },
  prefix: { type: 'string', value: '<path>', help: 'URL prefix of the files (default /static/)' },
  manifest: {
    type: 'string',
    value: '<file>',
    help: 'Take the URLs from a manifest written by vstatic build',
  },
  versioning: { type: 'string', value: '<mode>', help: 'query (default) or filename' },
  ignore: IGNORE_OPTION,
  'no-version': { type: 'boolean', default: false, help: 'Print URLs without the token' },
} satisfies OptionTable

export const url: Command<typeof OPTIONS> = {
  synopsis: 'url <path>...',
  summary: 'Print the versioned URL of each file',
  usage: 'vstatic url <path>... --root <dir> [options]',
  description: `Print the versioned URL of each file, one per line, exactly as
assets.url(path) returns it.`,
  options: OPTIONS,
  footer: 'Exits 1 if any path is not a file of <root> (the error goes to stderr).',
  run: printUrls,
}

async function printUrls(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(url, args, io)
  if (parsed === undefined) return 0
  const { values, positionals } = parsed
  if (values.root === undefined || values.root.length === 0) throw new UsageError('url needs --root <dir>')
  if (positionals.length === 0) throw new UsageError('url needs at least one path')
  const warnings: Array<{ message: string; context: WarningContext | undefined }> = []
  const assets = await createStatic({
    root: values.root,
    prefix: values.prefix,
    manifest: values.manifest,
    versioning: parseChoice('--versioning', values.versioning, VERSIONINGS),
    ignore: values.ignore.length === 0 ? undefined : values.ignore,
    onWarning: (message, context) => warnings.push({ message, context }),
  })
  let status = 0
  const asked = new Set<string>()
  for (const path of positionals) {
    try {
      io.stdout(`${assets.url(path, { version: !values['no-version'] })}\n`)
      const asset = assets.get(path) ?? assets.get(splitSuffix(path)?.path ?? path)
      if (asset !== undefined) asked.add(asset.logicalPath)
    } catch (error) {
      if (!(error instanceof MissingAssetError)) throw error
      io.stderr(`vstatic: ${error.message}\n`)
      status = 1
    }
  }
  // Indexing the root warns about every stylesheet in it; only those about the asked files matter here.
  for (const { message, context } of warnings) {
    if (context?.paths.some((logicalPath) => asked.has(logicalPath)))
      io.stderr(`vstatic: warning: ${message}\n`)
  }
  return status
}
