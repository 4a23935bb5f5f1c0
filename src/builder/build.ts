/**
 * buildManifest(): `vstatic build`. Reads the root through the pipeline the runtime uses (scan, read,
 * rewrite references), records each file with its SRI and variants, writes fingerprinted copies to
 * an output directory while keeping the files of earlier builds for rolling deploys, and writes the
 * manifest last, atomically. verifyManifest(): `vstatic verify`, the same reading compared with a
 * manifest.
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { StaticConfigError } from '../errors.js'
import { hashContent, TOKEN_LENGTH } from '../hash.js'
import { relativeLogicalPath } from '../logical-path.js'
import {
  MANIFEST_VERSION,
  type Manifest,
  type ManifestBuild,
  type ManifestEntry,
  writeManifest,
} from '../manifest/format.js'
import { type ResolvedOptions, resolveOptions } from '../options/options.js'
import { type RootContents, readRoot } from '../root/read-root.js'
import { isInside } from '../root/scan.js'
import type { Dotfiles, Encoding, IntegrityAlgorithm, OnWarning, PathOption, Versioning } from '../types.js'
import { addDeltas, type DeltaCounts } from './deltas.js'
import { bytesRead, type EntryContext, recordEntries } from './entries.js'
import { readPrevious, removeDropped, retainedBuilds } from './history.js'
import { readPackageVersion } from './package-version.js'
import { type BuildProgress, type BuildReport, createReport, findCaseCollisions } from './progress.js'
import { StrictBuildError } from './strict.js'

export type { BuildProgress } from './progress.js'

/** Options of {@link buildManifest}. */
export interface BuildOptions {
  /**
   * The static directory to build from, or several: the first that has a logical path serves it.
   * With several roots and no `outDir`, each entry records which root holds its file.
   */
  readonly root: PathOption | readonly PathOption[]
  /** Glob patterns of logical paths left out of the manifest and the output directory. */
  readonly ignore?: readonly string[]
  /** Where the manifest goes. @default 'static-manifest.json' (in the working directory, outside the root) */
  readonly out?: string
  /** Also write the served files, fingerprinted copies and variants here, ready to upload to a CDN. */
  readonly outDir?: string
  /** With `outDir`: how many builds' files to keep there, this one included. @default 2 */
  readonly keep?: number
  readonly prefix?: string
  readonly versioning?: Versioning
  /** Write Brotli and gzip variants of compressible files of at least 1 KiB. @default false */
  readonly compress?: boolean
  /**
   * With `outDir`: write dictionary deltas (RFC 9842 `dcz`, and `dcb` where this Node can) of each
   * text file against its versions kept by `keep`, and announce text files as dictionaries. Needs
   * Node 22.19+ to write them (a warning otherwise); any Node serves them. @default false
   */
  readonly deltas?: boolean
  readonly integrity?: IntegrityAlgorithm
  readonly dotfiles?: Dotfiles
  readonly fingerprinted?: RegExp | false
  readonly followSymlinksOutsideRoot?: boolean
  readonly onWarning?: OnWarning
  /** Fail on references left as is, reference cycles and case collisions instead of warning. @default false */
  readonly strict?: boolean
  readonly onProgress?: (progress: BuildProgress) => void
  /** The build time recorded as `builtAt`. @default SOURCE_DATE_EPOCH when set, else now */
  readonly now?: Date
}

/** What a build did. */
export interface BuildSummary {
  readonly manifestPath: string
  readonly outDir: string | undefined
  readonly buildId: string
  readonly files: number
  readonly bytes: number
  readonly rewritten: number
  /** Variants compressed by coding, and those reused from the previous build. */
  readonly compressed: Readonly<Record<Encoding, number>> & { readonly reused: number }
  /** Deltas written by coding, and those reused from the previous build (`deltas`). */
  readonly deltas: DeltaCounts
  /** Files written to the output directory. */
  readonly written: number
  /** Files of older builds removed from the output directory. */
  readonly removed: readonly string[]
  readonly warnings: readonly string[]
  /** Groups of paths that differ only in case (they collide on case-insensitive file systems). */
  readonly caseCollisions: ReadonlyArray<readonly string[]>
  readonly durationMs: number
}

/** Builds the manifest (and the output directory) for `options.root`. */
export async function buildManifest(build: BuildOptions): Promise<BuildSummary> {
  const started = performance.now()
  const report = createReport(build.onWarning, build.onProgress, build.strict === true)
  const settings = resolveBuildSettings(build, report.warn)
  const { options, manifestPath, outDir, keep } = settings
  const previous = readPrevious(manifestPath, report.warn)
  const contents = readSources(options, settings.leaveOut, report)
  const caseCollisions = findCaseCollisions(contents.files.map((rootFile) => rootFile.file.logicalPath))
  for (const group of caseCollisions)
    report.warn(`paths differ only in case: ${group.join(', ')}`, { kind: 'case-collision', paths: group })
  // Before anything is written: a strict build that fails leaves the previous one in force.
  if (report.problems.length > 0) throw new StrictBuildError(report.problems)
  const compress = build.compress === true
  const sameOutDir = outDir !== undefined && previousOutDir(previous, manifestPath) === outDir
  const context: EntryContext = { options, outDir, previous, report, compress, sameOutDir }
  const recorded = recordEntries(contents, context)
  const buildId = toBuildId(recorded)
  const history = outDir === undefined ? [] : retainedBuilds(previous, buildId, keep)
  const { assets, counts: deltas } =
    settings.deltas && outDir !== undefined
      ? addDeltas(recorded, history, { outDir, previous, report })
      : { assets: recorded, counts: { dcz: 0, dcb: 0, reused: 0 } }
  const removed = outDir === undefined ? [] : removeDropped(outDir, previous, assets, history, keep)
  // The manifest goes last: a build interrupted before this line leaves the previous one in force.
  writeManifest(manifestPath, toManifest(settings, buildId, assets, history, build.now))
  const { counts } = report
  return {
    manifestPath,
    outDir,
    buildId,
    files: contents.files.length,
    bytes: bytesRead(contents),
    rewritten: counts.rewritten,
    compressed: { ...counts.compressed, reused: counts.reused },
    deltas,
    written: counts.written,
    removed,
    warnings: report.warnings,
    caseCollisions,
    durationMs: Math.round(performance.now() - started),
  }
}

/** Files added, removed or changed in `root` since `manifestPath` was built. */
// --- internal ---

/** The build's options, resolved and checked once. */
interface BuildSettings {
  readonly options: ResolvedOptions
  readonly manifestPath: string
  readonly outDir: string | undefined
  readonly keep: number
  readonly deltas: boolean
  /** Absolute paths the build leaves out wherever they lie under a root: its own manifest and output directory. */
  readonly leaveOut: readonly string[]
}

function resolveBuildSettings(build: BuildOptions, warn: OnWarning): BuildSettings {
  const options = resolveOptions({
    root: build.root,
    ignore: build.ignore,
    prefix: build.prefix,
    versioning: build.versioning,
    integrity: build.integrity,
    dotfiles: build.dotfiles,
    fingerprinted: build.fingerprinted,
    followSymlinksOutsideRoot: build.followSymlinksOutsideRoot,
    onWarning: warn,
  })
  const manifestPath = path.resolve(build.out ?? 'static-manifest.json')
  const outDir = build.outDir === undefined ? undefined : path.resolve(build.outDir)
  const keep = build.keep ?? 2
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new StaticConfigError(
      'keep',
      `must be a whole number of builds, 1 or more, got ${JSON.stringify(build.keep)}`,
    )
  }
  const deltas = build.deltas === true
  if (deltas && outDir === undefined) {
    throw new StaticConfigError(
      'deltas',
      'needs outDir: deltas are made against the earlier versions an output directory keeps',
    )
  }
  const roots = options.roots
  if (
    outDir !== undefined &&
    roots.some((root) => isInside(root.realRoot, outDir) || isInside(root.root, outDir))
  ) {
    throw new StaticConfigError(
      'outDir',
      `must not be a root or contain one, got ${JSON.stringify(build.outDir)}`,
    )
  }
  if (roots.some((root) => isInside(manifestPath, root.realRoot) || isInside(manifestPath, root.root))) {
    warn(`the manifest ${manifestPath} is inside the root; it is left out of the index, but keep it outside`)
  }
  const leaveOut = outDir === undefined ? [manifestPath] : [manifestPath, outDir]
  return { options, manifestPath, outDir, keep, deltas, leaveOut }
}

/** Step 1: read, hash and rewrite every file, reporting progress as files are read and once rewritten. */
function readSources(
  options: ResolvedOptions,
  leaveOut: readonly string[],
  report: BuildReport,
): RootContents {
  let totalBytes = 0
  let bytes = 0
  const contents = readRoot(options, {
    leaveOut,
    onScan(files) {
      for (const file of files) totalBytes += statSize(file.absolutePath)
    },
    onRead(position, totalFiles, _file, size) {
      bytes += size
      report.progress({ phase: 'read', files: position + 1, totalFiles, bytes, totalBytes })
    },
  })
  const files = contents.files.length
  const read = bytesRead(contents)
  report.progress({ phase: 'rewrite', files, totalFiles: files, bytes: read, totalBytes: read })
  return contents
}

/** Step 3: the manifest document. */
function toManifest(
  { options, manifestPath, outDir, deltas }: BuildSettings,
  buildId: string,
  assets: Record<string, ManifestEntry>,
  history: ManifestBuild[],
  now: Date | undefined,
): Manifest {
  return {
    version: MANIFEST_VERSION,
    generator: `vstatic ${readPackageVersion()}`,
    builtAt: (now ?? sourceDateEpoch() ?? new Date()).toISOString(),
    buildId,
    options: {
      prefix: options.prefix,
      versioning: options.versioning,
      hash: 'sha256',
      tokenLength: TOKEN_LENGTH,
      integrity: options.integrity,
      layout: outDir === undefined ? 'source' : 'out-dir',
      // Recorded so that loading the manifest against the source root can name the directory to pass.
      // `/`-separated and relative, so it holds on every machine that keeps the same layout.
      ...(outDir === undefined
        ? {}
        : { outDir: relativeLogicalPath(path.dirname(manifestPath), outDir) || '.' }),
      // A source build of several roots: the runtime passes them again, in the same order.
      ...(outDir === undefined && options.roots.length > 1 ? { roots: options.roots.length } : {}),
      ...(options.ignore.length > 0 ? { ignore: [...options.ignore] } : {}),
      ...(deltas ? { deltas: true } : {}),
    },
    assets,
    history,
  }
}

/** The output directory the previous manifest was built into, if it was. */
function previousOutDir(previous: Manifest | undefined, manifestPath: string): string | undefined {
  if (previous?.options.layout !== 'out-dir' || previous.options.outDir === undefined) return undefined
  return path.resolve(path.dirname(manifestPath), previous.options.outDir)
}

function statSize(absolutePath: string): number {
  return statSync(absolutePath, { throwIfNoEntry: false })?.size ?? 0
}

function toBuildId(assets: Readonly<Record<string, ManifestEntry>>): string {
  const lines = Object.entries(assets).map(
    ([logicalPath, entry]) => `${logicalPath}\0${entry.token}\0${entry.hash}\n`,
  )
  return hashContent(Buffer.from(lines.join(''))).slice(0, TOKEN_LENGTH)
}

function sourceDateEpoch(): Date | undefined {
  const value = process.env.SOURCE_DATE_EPOCH
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return new Date(Number(value) * 1000)
}
