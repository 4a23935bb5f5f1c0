/**
 * The --help texts: the overview of `vstatic`, and each command's help around its option table.
 * @module
 */
import type { Command, OptionSpec } from './command.js'

/** Where descriptions start, in the overview and in every --help. */
const DESCRIPTION_COLUMN = 24

/** `vstatic --help`: every command with its one-line summary, and the options of `vstatic` itself. */
export function formatOverview(commands: Readonly<Record<string, Command>>): string {
  return [
    'Usage: vstatic <command> [options]',
    '',
    'Content-hashed static assets: versioned URLs, a correct static server.',
    '',
    'Commands:',
    ...Object.values(commands).flatMap((command) => entry(command.synopsis, command.summary)),
    '',
    'Options:',
    ...entry('-h, --help', 'Show help (also: vstatic <command> --help)'),
    ...entry('-v, --version', 'Print the version'),
    '',
    'Exit codes: 0 success, 1 failure (e.g. a missing file), 2 usage error.',
    '',
  ].join('\n')
}

/** A command's --help: usage, description, its listed options and -h, then the footer. */
export function formatHelp(command: Command): string {
  const options = Object.entries(command.options).flatMap(([name, option]) => optionEntry(name, option))
  return [
    `Usage: ${command.usage}`,
    '',
    command.description,
    '',
    'Options:',
    ...options,
    ...entry('-h, --help', 'Show this help'),
    ...(command.footer === undefined ? [] : ['', command.footer]),
    '',
  ].join('\n')
}

function optionEntry(name: string, option: OptionSpec): string[] {
  if (option.help === undefined) return []
  return entry(option.value === undefined ? `--${name}` : `--${name} ${option.value}`, option.help)
}

/**
 * "  term  description", with the description's further lines under its first; a term too long for
 * the column gets a line of its own, with the whole description under it.
 */
function entry(term: string, description: string | readonly string[]): string[] {
  const lines = typeof description === 'string' ? [description] : description
  const indent = ' '.repeat(DESCRIPTION_COLUMN)
  const width = DESCRIPTION_COLUMN - 4
  if (term.length > width) return [`  ${term}`, ...lines.map((line) => indent + line)]
  const [first, ...rest] = lines
  return [`  ${term.padEnd(width)}  ${first ?? ''}`, ...rest.map((line) => indent + line)]
}
