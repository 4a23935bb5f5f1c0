/**
 * The manifest of `vstatic serve --workers`, prepared in a short-lived child process: the primary
 * never reads the site, so it keeps none of the memory reading it took (the bytes of every file
 * pass through the allocator, which keeps most of them after they are freed).
 * @module
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { StaticConfigError } from '../errors.js'
import type { ServerSettings } from './listen.js'

/** What the primary asks of the job: check the manifest given with --manifest, or build one into `out`. */
interface ManifestJob {
  readonly settings: ServerSettings
  readonly out: string
}

/** What the job answers, one message each: warnings, then the build id or the failure. */
type JobMessage =
  | { readonly warning: string }
  | { readonly buildId: string }
  | { readonly failure: string; readonly option?: string }

/** A manifest the workers load, with the build id its build or its check returned. */
export interface PreparedManifest {
  readonly file: string
  readonly buildId: string
}

/**
 * Checks the manifest given with --manifest, or builds one into `out`, in a child process; resolves
 * with its file and build id and rejects with the job's error (a StaticConfigError stays one).
 * Aborting `signal` ends the job and rejects with an AbortError.
 */
export function prepareManifest(
  settings: ServerSettings,
  out: string,
  warn: (message: string) => void,
  signal?: AbortSignal,
): Promise<PreparedManifest> {
  const given = settings.options.manifest
  const file = given === undefined ? out : path.resolve(given)
  const child = fork(fileURLToPath(import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(signal === undefined ? {} : { signal }),
  })
  child.send({ settings, out } satisfies ManifestJob)
  return new Promise((resolve, reject) => {
    let answer: PreparedManifest | Error = new Error('the manifest job exited without an answer')
    child.on('message', (message: JobMessage) => {
      if ('warning' in message) warn(message.warning)
      else if ('buildId' in message) answer = { file, buildId: message.buildId }
      else answer = toError(message)
    })
    child.once('error', reject)
    child.once('exit', () => (answer instanceof Error ? reject(answer) : resolve(answer)))
  })
}

// --- internal ---

function toError({ failure, option }: { failure: string; option?: string }): Error {
  const prefix = `option "${option}" `
  return option !== undefined && failure.startsWith(prefix)
    ? new StaticConfigError(option, failure.slice(prefix.length))
    : new Error(failure)
}

/** Returns the build id of the checked or built manifest; sends the build's warnings as they come. */
async function runJob({ settings, out }: ManifestJob, send: (message: JobMessage) => void): Promise<string> {
  const { options, root } = settings
  if (options.manifest !== undefined) {
    const { loadManifest } = await import('../manifest/check.js')
    // As createStatic() loads it in each worker: the entries' real paths are looked up on first use.
    return loadManifest(path.resolve(options.manifest), { ...options, root }, { disk: 'on-first-use' })
      .buildId
  }
  const { buildManifest } = await import('../builder/build.js')
  const { buildId } = await buildManifest({
    root,
    ignore: options.ignore,
    out,
    prefix: options.prefix,
    versioning: options.versioning,
    dotfiles: options.dotfiles,
    onWarning: (warning) => send({ warning }),
  })
  return buildId
}

// Only the forked job runs; the primary imports this module for prepareManifest.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.send !== undefined) {
  const send = (message: JobMessage, then?: () => void) => process.send?.(message, undefined, {}, then)
  // The last answer is sent before the channel closes, which lets the job exit.
  process.once('message', (job: ManifestJob) => {
    runJob(job, send).then(
      (buildId) => send({ buildId }, () => process.disconnect()),
      (error: unknown) =>
        send(
          {
            failure: error instanceof Error ? error.message : String(error),
            ...(error instanceof StaticConfigError ? { option: error.option } : {}),
          },
          () => process.disconnect(),
        ),
    )
  })
}
