/**
 * `vstatic build`: write the manifest, and optionally a CDN-ready output directory.
 * @module
 */
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { type BuildProgress, buildManifest } from '../build/build.js'
import { onePositional, parseWhole, UsageError } from './args.js'
import { BUILD_HELP } from './help.js'
import type { CliIo } from './io.js'

export async function runBuild(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      'out-dir': { type: 'string' },
      keep: { type: 'string' },
      versioning: { type: 'string' },
      prefix: { type: 'string' },
      compress: { type: 'boolean', default: false },
      integrity: { type: 'string' },
      dotfiles: { type: 'string' },
      fingerprinted: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.stdout(BUILD_HELP)
    return 0
  }
  const root = onePositional(positionals, 'build')
  if (values.keep !== undefined && values['out-dir'] === undefined)
    throw new UsageError('--keep needs --out-dir')
  const showProgress = !values.quiet && !values.json && process.stderr.isTTY === true
  let bar: cliProgress.SingleBar | undefined
  const onProgress = (progress: BuildProgress) => {
    if (!showProgress || progress.totalFiles < 200) return
    if (bar === undefined) {
      bar = new cliProgress.SingleBar(
        {
          format: '{phase} [{bar}] {value}/{total} files, {megabytes} MB',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
      bar.start(progress.totalFiles, 0, { phase: progress.phase, megabytes: '0.0' })
    }
    bar.update(progress.files, { phase: progress.phase, megabytes: (progress.bytes / 1e6).toFixed(1) })
  }
  const summary = await buildManifest({
    root,
    out: values.out,
    outDir: values['out-dir'],
    keep: values.keep === undefined ? undefined : parseWhole('--keep', values.keep),
    versioning: values.versioning as 'query' | 'filename' | undefined,
    prefix: values.prefix,
    compress: values.compress,
    integrity: values.integrity as 'sha256' | 'sha384' | 'sha512' | undefined,
    dotfiles: values.dotfiles as 'ignore' | 'allow' | undefined,
    fingerprinted: parseFingerprinted(values.fingerprinted),
    onWarning:
      values.quiet || values.json ? undefined : (message) => io.stderr(`vstatic: warning: ${message}\n`),
    onProgress,
  }).finally(() => bar?.stop())
  if (values.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`)
  } else if (!values.quiet) {
    const compressed = values.compress
      ? `, ${summary.compressed.br} br + ${summary.compressed.gzip} gzip variants (${summary.compressed.reused} reused)`
      : ''
    const output =
      summary.outDir === undefined
        ? ''
        : `, ${summary.written} files written to ${summary.outDir}, ${summary.removed.length} old removed`
    io.stdout(
      `Wrote ${summary.manifestPath}: ${summary.files} files, ${(summary.bytes / 1e6).toFixed(2)} MB, ` +
        `${summary.rewritten} rewritten${compressed}${output}; build ${summary.buildId} in ${summary.durationMs} ms\n`,
    )
  }
  return 0
}

function parseFingerprinted(value: string | undefined): RegExp | false | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return false
  try {
    return new RegExp(value)
  } catch (error) {
    throw new UsageError(
      `--fingerprinted must be a regular expression, got ${JSON.stringify(value)}: ${(error as Error).message}`,
    )
  }
}
