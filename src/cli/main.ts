#!/usr/bin/env node
/**
 * The `vstatic` entry: finds the command named by the first argument and runs it.
 * @module
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readPackageVersion } from '../builder/package-version.js'
import { didYouMean } from './args.js'
import { build } from './build.js'
import { type CliIo, type Command, UsageError } from './command.js'
import { formatHelp, formatOverview } from './help.js'
import { DEFAULT_IO, reportFailure } from './io.js'
import { nginx } from './nginx.js'
import { publish } from './publish.js'
import { serve } from './serve.js'
import { url } from './url.js'
import { verify } from './verify.js'

/** The commands, in the order the overview lists them. */
const COMMANDS: Readonly<Record<string, Command>> = { serve, url, build, verify, nginx, publish }

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves with the exit code; for
 * `serve`, resolves once the server has stopped.
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<number> {
  const [name, ...rest] = argv
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  try {
    if (command !== undefined) return await command.run(rest, io)
    switch (name) {
      case 'help':
        io.stdout(helpOf(rest[0]))
        return 0
      case undefined:
      case '-h':
      case '--help':
        io.stdout(formatOverview(COMMANDS))
        return name === undefined ? 2 : 0
      case '-v':
      case '--version':
        io.stdout(`${readPackageVersion()}\n`)
        return 0
      default:
        throw new UsageError(
          `unknown command ${JSON.stringify(name)}${didYouMean(name, Object.keys(COMMANDS))}`,
        )
    }
  } catch (error) {
    return reportFailure(error, io, command === undefined ? undefined : name, command?.usage)
  }
}

/** `vstatic help [command]`: the overview, or the command's --help. */
function helpOf(topic: string | undefined): string {
  if (topic === undefined) return formatOverview(COMMANDS)
  const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined
  if (command === undefined) {
    throw new UsageError(
      `no help for ${JSON.stringify(topic)}: not a command${didYouMean(topic, Object.keys(COMMANDS))}`,
    )
  }
  return formatHelp(command)
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
