/**
 * `vstatic verify`: list what changed in the root since the manifest was built.
 * @module
 */
import { verifyManifest } from '../builder/verify.js'
import { DOTFILES } from '../types.js'
import { parseChoice, parseCommand, rootPositionals } from './args.js'
import type { CliIo, Command, OptionTable } from './command.js'

const OPTIONS = {
  manifest: {
    type: 'string',
    default: 'static-manifest.json',
    value: '<file>',
    help: 'The manifest to check (default static-manifest.json)',
  },
  dotfiles: { type: 'string', value: '<policy>', help: 'ignore (default) or allow, as given to build' },
} satisfies OptionTable

export const verify: Command<typeof OPTIONS> = {
  synopsis: 'verify <root>...',
  summary: 'Check that a manifest still matches the files',
  usage: 'vstatic verify <root>... --manifest <file>',
  description: `List every file added, removed or changed in <root> since the manifest was
built (with the roots and --ignore patterns it was built with). Given the
output directory of an --out-dir build, check everything the build wrote
there. Exits 0 when they agree and 1 when they do not: use it in CI.`,
  options: OPTIONS,
  run: runVerify,
}

function runVerify(args: readonly string[], io: CliIo): number {
  const parsed = parseCommand(verify, args, io)
  if (parsed === undefined) return 0
  const { values, positionals } = parsed
  const roots = rootPositionals(positionals, 'verify')
  const root = roots.join(' ')
  const result = verifyManifest(roots, values.manifest, parseChoice('--dotfiles', values.dotfiles, DOTFILES))
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
  if (result.buildOrder !== undefined) {
    const command = ['vstatic', 'verify', ...result.buildOrder, '--manifest', values.manifest]
    io.stderr(
      `vstatic: the roots are given in another order than the build's; in its order: ${command.map(quoteArgument).join(' ')}\n`,
    )
    return 1
  }
  io.stderr(
    `vstatic: ${lines.length} difference(s) between ${values.manifest} and ${root}; run "vstatic build"\n`,
  )
  return 1
}

/** An argument as a shell reads it back: as it is when plain, else in single quotes. */
function quoteArgument(argument: string): string {
  return /^[\w./:@=+-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`
}
