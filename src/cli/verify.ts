/**
 * `vstatic verify`: list what changed in the root since the manifest was built.
 * @module
 */
import { parseArgs } from 'node:util'
import { verifyManifest } from '../build/build.js'
import { onePositional } from './args.js'
import { VERIFY_HELP } from './help.js'
import type { CliIo } from './io.js'

export function runVerify(args: readonly string[], io: CliIo): number {
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
