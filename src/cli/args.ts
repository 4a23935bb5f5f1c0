/**
 * Argument helpers shared by the commands: usage errors and value parsers.
 * @module
 */

export class UsageError extends Error {}

export function onePositional(positionals: readonly string[], command: string): string {
  const [root, ...extra] = positionals
  if (root === undefined)
    throw new UsageError(`${command} needs the static directory: vstatic ${command} <root>`)
  if (extra.length > 0)
    throw new UsageError(
      `${command} takes one directory, got ${positionals.length}: ${positionals.join(' ')}`,
    )
  return root
}

export function parseWhole(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

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

export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}
