/**
 * What a command is: its option table, its --help texts and what it runs; where it writes; and the
 * usage errors it raises. Shared by the parser, the help and the error report.
 * @module
 */

/** Where the CLI writes; replaced in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

/** A mistake on the command line: exit code 2, the command's usage line and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

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

/** True for the errors parseArgs throws on unknown options or missing values. */
export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}
