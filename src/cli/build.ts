/**
 * `vstatic build`: write the manifest, and optionally a CDN-ready output directory.
 * @module
 */
import path from 'node:path'
import { type BuildSummary, buildManifest } from '../builder/build.js'
import { StrictBuildError } from '../builder/strict.js'
import { DOTFILES, INTEGRITY_ALGORITHMS, VERSIONINGS } from '../types.js'
import { IGNORE_OPTION, parseChoice, parseCommand, parseOptionalWhole, rootPositionals } from './args.js'
import type { CliIo } from './command.js'
import { type Command, type OptionTable, UsageError } from './command.js'
import { PhaseProgressBar } from './progress-bar.js'
import { finishReport, startReport, writeFailedReport } from './report-file.js'

const OPTIONS = {
  out: { type: 'string', value: '<file>', help: 'Manifest to write (default static-manifest.json)' },
  'out-dir': {
    type: 'string',
    value: '<dir>',
    help: [
      'Also write the files, fingerprinted copies and variants',
      'here, ready to upload to a CDN or object store',
    ],
  },
  keep: {
    type: 'string',
    value: '<n>',
    help: [
      'With --out-dir: keep the files of the last n builds',
      '(default 2), for pages rendered by the previous deploy',
    ],
  },
  versioning: {
    type: 'string',
    value: '<mode>',
    help: ['query (app.css?v=<token>, default) or filename', '(app.<token>.css)'],
  },
  prefix: { type: 'string', value: '<path>', help: 'URL prefix of the files (default /static/)' },
  ignore: IGNORE_OPTION,
  compress: {
    type: 'boolean',
    default: false,
    help: 'Write Brotli and gzip variants of compressible files',
  },
  deltas: {
    type: 'boolean',
    default: false,
    help: [
      'With --out-dir: also write dcz/dcb deltas of each text file',
      'against its kept versions (RFC 9842), for returning visitors.',
      'Writing them needs Node 22.19+ (dcb: Node 24); serving any Node',
    ],
  },
  integrity: { type: 'string', value: '<alg>', help: 'sha256, sha384 (default) or sha512' },
  dotfiles: { type: 'string', value: '<policy>', help: 'ignore (default) or allow' },
  fingerprinted: {
    type: 'string',
    value: '<re>',
    help: [
      'Files a bundler already fingerprinted (a regular',
      'expression on the path; "none" for none). They are kept',
      'under their own names and served immutable. Default:',
      "Vite's assets/name-<8 chars>.ext, webpack's name.<hex>.ext",
    ],
  },
  strict: {
    type: 'boolean',
    default: false,
    help: [
      'Fail (exit 1, nothing written) on references left as is,',
      'reference cycles and paths that differ only in case',
    ],
  },
  report: {
    type: 'string',
    value: '<file.html>',
    help: [
      'Also write a self-contained HTML report: a treemap, sizes',
      'with br and gzip, cache policies, references, warnings and',
      'the changes since the previous build',
    ],
  },
  json: {
    type: 'boolean',
    default: false,
    help: "Print a machine-readable summary, with the report's data",
  },
  quiet: { type: 'boolean', default: false, help: 'Print nothing but errors' },
} satisfies OptionTable

export const build: Command<typeof OPTIONS> = {
  synopsis: 'build <root>...',
  summary: 'Write the manifest (and optionally a CDN-ready output directory)',
  usage: 'vstatic build <root>... [options]',
  description: `Scan and hash <root>, rewrite references in CSS (and source-map comments),
compute Subresource Integrity, and write the manifest that
createStatic({ root, manifest }) loads at startup. With several roots, the
first that has a file serves it; --out-dir merges them into one directory.`,
  options: OPTIONS,
  footer: `The manifest is written to a temporary file and renamed, so an interrupted
build leaves the previous one intact.`,
  run: runBuild,
}

async function runBuild(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(build, args, io)
  if (parsed === undefined) return 0
  const { values, positionals } = parsed
  const root = rootPositionals(positionals, 'build')
  if (values.keep !== undefined && values['out-dir'] === undefined)
    throw new UsageError('--keep needs --out-dir')
  if (values.deltas && values['out-dir'] === undefined)
    throw new UsageError('--deltas needs --out-dir (deltas are made against the versions it keeps)')
  const progress = new PhaseProgressBar(
    !values.quiet && !values.json && process.stderr.isTTY === true,
    ...BAR,
  )
  const manifestPath = path.resolve(values.out ?? 'static-manifest.json')
  const input = startReport(manifestPath)
  const echo = !values.quiet && !values.json
  const summary = await buildManifest({
    root,
    out: manifestPath,
    outDir: values['out-dir'],
    keep: parseOptionalWhole('--keep', values.keep),
    versioning: parseChoice('--versioning', values.versioning, VERSIONINGS),
    prefix: values.prefix,
    ignore: values.ignore,
    compress: values.compress,
    deltas: values.deltas,
    integrity: parseChoice('--integrity', values.integrity, INTEGRITY_ALGORITHMS),
    dotfiles: parseChoice('--dotfiles', values.dotfiles, DOTFILES),
    fingerprinted: parseFingerprinted(values.fingerprinted),
    strict: values.strict,
    onWarning: (message, context) => {
      input.record(message, context)
      if (echo) io.stderr(`vstatic: warning: ${message}\n`)
    },
    onProgress: (update) => progress.update({ ...update, done: update.files, total: update.totalFiles }),
  })
    .finally(() => progress.stop())
    .catch((error: unknown) => {
      // A strict build that fails still leaves its report: the CI artefact that explains why.
      if (error instanceof StrictBuildError && values.report !== undefined) {
        writeFailedReport(input, values.report, error.problems)
        io.stderr(`Report: ${path.resolve(values.report)}\n`)
      }
      throw error
    })
  const report =
    values.json || values.report !== undefined ? finishReport(input, manifestPath, values.report) : undefined
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...summary, report }, null, 2)}\n`)
  } else if (!values.quiet) {
    io.stdout(summaryLine(summary, values.compress))
    if (values.report !== undefined) io.stdout(`Report: ${path.resolve(values.report)}\n`)
  }
  return 0
}

/** The build's bar: files and megabytes, shown from the first update of a tree of 200 files or more. */
const BAR = ['{value}/{total} files, {megabytes} MB', 200] as const

function summaryLine(summary: BuildSummary, compress: boolean): string {
  const compressed = compress
    ? `, ${summary.compressed.br} br + ${summary.compressed.gzip} gzip variants (${summary.compressed.reused} reused)`
    : ''
  const { dcz, dcb, reused } = summary.deltas
  const deltas = dcz + dcb + reused > 0 ? `, ${dcz} dcz + ${dcb} dcb deltas (${reused} reused)` : ''
  const output =
    summary.outDir === undefined
      ? ''
      : `, ${summary.written} files written to ${summary.outDir}, ${summary.removed.length} old removed`
  return (
    `Wrote ${summary.manifestPath}: ${summary.files} files, ${(summary.bytes / 1e6).toFixed(2)} MB, ` +
    `${summary.rewritten} rewritten${compressed}${deltas}${output}; build ${summary.buildId} in ${summary.durationMs} ms\n`
  )
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
