/**
 * Command-line arguments: each command defines its options once, in a table that node:util's
 * parseArgs reads and that --help lists; the value checks the commands share live here too.
 * @module
 */
import { parseArgs } from 'node:util'
import {
  type CliIo,
  type Command,
  isParseArgsError,
  type OptionSpec,
  type OptionTable,
  UsageError,
} from './command.js'
import { formatHelp } from './help.js'

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
  const options = { ...command.options, help: HELP_OPTION }
  checkOptions(options, args)
  let parsed: ParsedArgs<Options>
  try {
    parsed = parseArgs<ParseConfig<Options>>({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options,
    })
  } catch (error) {
    // What checkOptions does not word itself: parseArgs's own message, without its quoting advice.
    if (!isParseArgsError(error)) throw error
    throw new UsageError((error as Error).message.split('. To specify')[0] ?? String(error), { cause: error })
  }
  // The table's own options are typed through the generic; `help` is the one added here.
  if ((parsed.values as { readonly help?: boolean }).help === true) {
    io.stdout(formatHelp(command))
    return undefined
  }
  return parsed
}

/**
 * Reads the options as parseArgs would, and words its usage errors for people: an unknown option
 * with the nearest known one (`unknown option --prot (did you mean --port?)`), a missing value, a
 * value given to a flag.
 */
function checkOptions(options: Readonly<Record<string, OptionSpec>>, args: readonly string[]): void {
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const names = Object.keys(options).map((name) => `--${name}`)
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined
    if (spec === undefined)
      throw new UsageError(`unknown option ${token.rawName}${didYouMean(token.rawName, names)}`)
    const placeholder = spec.value ?? '<value>'
    const optionLike = token.value?.startsWith('-') === true && !token.inlineValue
    if (spec.type === 'string' && optionLike && /^-\d/.test(token.value ?? '')) {
      throw new UsageError(
        `option ${token.rawName} takes no negative number, got ${token.rawName} ${token.value}`,
      )
    }
    if (spec.type === 'string' && (token.value === undefined || optionLike)) {
      throw new UsageError(`option ${token.rawName} needs a value: ${token.rawName} ${placeholder}`)
    }
    if (spec.type === 'boolean' && token.inlineValue === true) {
      throw new UsageError(`option ${token.rawName} takes no value, got ${token.rawName}=${token.value}`)
    }
  }
}

/** ` (did you mean --port?)` for the known name nearest to `given`, or '' when none is near. */
export function didYouMean(given: string, known: readonly string[]): string {
  let best: { name: string; distance: number } | undefined
  for (const name of known) {
    const distance = editDistance(given, name)
    if (best === undefined || distance < best.distance) best = { name, distance }
  }
  // Two edits for a long name (--max-ag, --verson), one for a short one; or a prefix (--max).
  const limit = given.length > 5 ? 2 : 1
  if (best !== undefined && best.distance <= limit) return ` (did you mean ${best.name}?)`
  const extended = known.filter((name) => given.length > 3 && name.startsWith(given))
  return extended.length === 1 ? ` (did you mean ${extended[0]}?)` : ''
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const previous: number[][] = []
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const above = i === 0 ? j : (previous[i - 1]?.[j] ?? 0) + 1
      const diagonal = i === 0 ? j : (previous[i - 1]?.[j - 1] ?? 0) + cost
      let value = Math.min(above, (row[j - 1] ?? 0) + 1, diagonal)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (previous[i - 2]?.[j - 2] ?? 0) + 1)
      }
      row.push(value)
    }
    previous.push(row)
  }
  return previous[a.length]?.[b.length] ?? Math.max(a.length, b.length)
}

/** The directories a command such as `build <root>...` takes: one, or several in lookup order. */
export function rootPositionals(positionals: readonly string[], command: string): [string, ...string[]] {
  const [first, ...rest] = positionals
  if (first === undefined)
    throw new UsageError(`${command} needs the static directory: vstatic ${command} <root>...`)
  return [first, ...rest]
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

/** The value of a flag that takes one of `allowed` (`--versioning filename`), checked as it is read. */
export function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) {
    const choices = allowed.map((choice) => JSON.stringify(choice)).join(', ')
    throw new UsageError(`${flag} must be one of ${choices}, got ${JSON.stringify(value)}`)
  }
  return value as T
}
