/**
 * Command-line arguments: each command defines its options once, in a table that node:util's
 * parseArgs reads and that --help lists; the value checks the commands share live here too.
 * @module
 */
import { parseArgs } from 'node:util'
import { formatHelp } from './help.js'
import type { CliIo } from './io.js'

/** A mistake on the command line: exit code 2 and a pointer to --help. */
export class UsageError extends Error {}

/**
 * One option of a command: how parseArgs reads it and how --help lists it. An option without
 * `help` is accepted but not listed.
 */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly default?: string | boolean | string[]
  /** The value's placeholder in --help, e.g. "<n>". */
  readonly value?: string
  /** The description in --help: one line, or the lines exactly as printed. */
  readonly help?: string | readonly string[]
}

/** A command's options by long name (without the leading "--"). */
export type OptionTable = Readonly<Record<string, OptionSpec>>

/** One `vstatic` command: its line in the overview, its --help around the options, and what it runs. */
export interface Command<Options extends OptionTable = OptionTable> {
  /** How the overview names it, e.g. "serve <root>". */
  readonly synopsis: string
  /** What it does, in the overview's one line. */
  readonly summary: string
  /** The usage line of its --help, e.g. "vstatic serve <root> [options]". */
  readonly usage: string
  /** The paragraph under the usage line. */
  readonly description: string
  readonly options: Options
  /** A closing paragraph under the options. */
  readonly footer?: string
  run(args: readonly string[], io: CliIo): Promise<number> | number
}

const HELP_OPTION = { type: 'boolean', short: 'h', default: false } as const

interface ParseConfig<Options extends OptionTable> {
  args: string[]
  allowPositionals: true
  strict: true
  options: Options & { help: typeof HELP_OPTION }
}

/** What parseArgs returns for a command: every value typed by its entry in the table. */
export type ParsedArgs<Options extends OptionTable> = ReturnType<typeof parseArgs<ParseConfig<Options>>>

/** Parses `args` with the command's table; prints its --help and returns undefined when asked for it. */
export function parseCommand<Options extends OptionTable>(
  command: Command<Options>,
  args: readonly string[],
  io: CliIo,
): ParsedArgs<Options> | undefined {
  const parsed = parseArgs<ParseConfig<Options>>({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { ...command.options, help: HELP_OPTION },
  })
  // The table's own options are typed through the generic; `help` is the one added here.
  if ((parsed.values as { readonly help?: boolean }).help === true) {
    io.stdout(formatHelp(command))
    return undefined
  }
  return parsed
}

/** True for the errors parseArgs throws on unknown options or missing values. */
export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

/** The directories a command such as `build <root>...` takes: one, or several in lookup order. */
export function rootPositionals(positionals: readonly string[], command: string): string[] {
  if (positionals.length === 0)
    throw new UsageError(`${command} needs the static directory: vstatic ${command} <root>...`)
  return [...positionals]
}

/** The `--ignore` option of the commands that index a root. */
export const IGNORE_OPTION = {
  type: 'string',
  multiple: true,
  default: [],
  value: '<glob>',
  help: ['Leave out files whose path matches (fast-glob syntax,', 'repeatable), e.g. --ignore "**/*.scss"'],
} as const satisfies OptionSpec

export function parseWhole(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

/** A whole number if the option was given. */
export function parseOptionalWhole(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseWhole(flag, value)
}

/** `--alias /sitemap.xml=sitemap.xml`, repeated, as a map from URL path to logical path. */
export function parseAliases(values: readonly string[]): Record<string, string> {
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
