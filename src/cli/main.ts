#!/usr/bin/env node
/**
 * The `vstatic` entry: finds the command named by the first argument and runs it.
 * @module
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readPackageVersion } from '../builder/package-version.js'
import { didYouMean } from './args.js'
import { type CliIo, type Command, UsageError } from './command.js'
import { formatHelp, formatOverview } from './help.js'
import { DEFAULT_IO, reportFailure } from './io.js'

/**
 * The commands, in the order the overview lists them, each loaded when it runs: `vstatic build`
 * does not load the server, and the primary of `serve --workers` not the builder.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serve,
  url: async () => (await import('./url.js')).url,
  build: async () => (await import('./build.js')).build,
  verify: async () => (await import('./verify.js')).verify,
  nginx: async () => (await import('./nginx.js')).nginx,
  publish: async () => (await import('./publish.js')).publish,
}

/** Every command, loaded: for the overview. */
async function allCommands(): Promise<Record<string, Command>> {
  const loaded = await Promise.all(Object.values(COMMANDS).map((load) => load()))
  return Object.fromEntries(Object.keys(COMMANDS).map((name, place) => [name, loaded[place] as Command]))
}

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves with the exit code; for
 * `serve`, resolves once the server has stopped.
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<number> {
  const [name, ...rest] = argv
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  let command: Command | undefined
  try {
    if (load !== undefined) {
      command = await load()
      return await command.run(rest, io)
    }
    switch (name) {
      case 'help':
        io.stdout(await helpOf(rest[0]))
        return 0
      case undefined:
      case '-h':
      case '--help':
        io.stdout(formatOverview(await allCommands()))
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
    return reportFailure(error, io, load === undefined ? undefined : name, command?.usage)
  }
}

/** `vstatic help [command]`: the overview, or the command's --help. */
async function helpOf(topic: string | undefined): Promise<string> {
  if (topic === undefined) return formatOverview(await allCommands())
  const load = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined
  if (load === undefined) {
    throw new UsageError(
      `no help for ${JSON.stringify(topic)}: not a command${didYouMean(topic, Object.keys(COMMANDS))}`,
    )
  }
  return formatHelp(await load())
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
