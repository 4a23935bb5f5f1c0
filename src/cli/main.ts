#!/usr/bin/env node
/**
 * The `vstatic` command line: argument parsing, exit codes and output. No logic of its own.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { StaticConfigError } from '../errors.js'
import { isParseArgsError, UsageError } from './args.js'
import { build } from './build.js'
import { MAIN_HELP } from './help.js'
import { type CliIo, DEFAULT_IO } from './io.js'
import { nginx } from './nginx.js'
import { serve } from './serve.js'
import { url } from './url.js'
import { verify } from './verify.js'

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves with the exit code; for
 * `serve`, resolves once the server has stopped.
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP)
        return command === undefined ? 2 : 0
      case '-v':
      case '--version':
        io.stdout(`${readVersion()}\n`)
        return 0
      case 'serve':
        return await serve.run(rest, io)
      case 'url':
        return await url.run(rest, io)
      case 'build':
        return await build.run(rest, io)
      case 'verify':
        return await verify.run(rest, io)
      case 'nginx':
        return await nginx.run(rest, io)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error) || error instanceof StaticConfigError) {
      io.stderr(
        `vstatic: ${(error as Error).message}\nRun "vstatic ${helpTopic(command)}--help" for usage.\n`,
      )
      return 2
    }
    io.stderr(`vstatic: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function readVersion(): string {
  // From src/cli/ or dist/cli/ alike, the package root is two levels up.
  const packageJson = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
}

function helpTopic(command: string | undefined): string {
  return command !== undefined && ['serve', 'url', 'build', 'verify', 'nginx'].includes(command)
    ? `${command} `
    : ''
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`vstatic: ${String(error)}\n`)
      process.exitCode = 1
    },
  )
}
