/**
 * Where the CLI writes, and how it reports a failure.
 * @module
 */
import { StaticConfigError } from '../errors.js'
import { type CliIo, isParseArgsError, UsageError } from './command.js'

export const DEFAULT_IO: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}

/**
 * Writes the failure to stderr and returns the exit code: 2 for a usage error (a bad flag, or an
 * option createStatic rejects) with a pointer to the command's --help, and its usage line for a
 * mistake on the command line; 1 for anything else.
 */
export function reportFailure(error: unknown, io: CliIo, command?: string, usage?: string): number {
  if (error instanceof UsageError || isParseArgsError(error) || error instanceof StaticConfigError) {
    const topic = command === undefined ? '' : `${command} `
    const onCommandLine = !(error instanceof StaticConfigError)
    const usageLine = usage === undefined || !onCommandLine ? '' : `Usage: ${usage}\n`
    io.stderr(`vstatic: ${(error as Error).message}\n${usageLine}Run "vstatic ${topic}--help" for usage.\n`)
    return 2
  }
  io.stderr(`vstatic: ${error instanceof Error ? error.message : String(error)}\n`)
  return 1
}
