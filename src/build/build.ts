/**
 * buildManifest(): `vstatic build`. Scans and hashes the root, rewrites references, computes SRI,
 * optionally compresses and writes fingerprinted copies to an output directory, keeps the files of
 * earlier builds for rolling deploys, and writes the manifest last, atomically.
 * @module
 */
import { createHash } from 'node:crypto'
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { contentTypeFor, isCompressible } from '../catalog/asset.js'
import {
  MANIFEST_VERSION,
  type Manifest,
  type ManifestBuild,
  type ManifestEntry,
  type ManifestVariant,
  type RetainedFile,
  readManifest,
  writeFileAtomic,
  writeManifest,
} from '../catalog/manifest.js'
import { checkManifest } from '../catalog/manifest-check.js'
import { readSourceSync, toGraphOptions } from '../catalog/read.js'
import { isInside, scanRoot, splitVariants } from '../catalog/scan.js'
import { checkVariants } from '../catalog/variants.js'
import { StaticConfigError } from '../errors.js'
import { createScratch, hashContent, TOKEN_LENGTH, toToken } from '../hash.js'
import { formatVersionedPath, type Versioning } from '../http/versioned-path.js'
import { type ResolvedOptions, resolveOptions } from '../options.js'
import { resolveGraph, type SourceFile } from '../rewrite/asset-graph.js'
import { compress, isWorthKeeping, MIN_COMPRESS_BYTES } from './compress.js'

/** Options of {@link buildManifest}. */
export interface BuildOptions {
  /** The static directory to build from. */
  readonly root: string
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
  readonly integrity?: 'sha256' | 'sha384' | 'sha512'
  readonly dotfiles?: 'ignore' | 'allow'
  readonly fingerprinted?: RegExp | false
  readonly followSymlinksOutsideRoot?: boolean
  readonly onWarning?: (message: string) => void
  readonly onProgress?: (progress: BuildProgress) => void
  /** The build time recorded as `builtAt`. @default SOURCE_DATE_EPOCH when set, else now */
  readonly now?: Date
}

/** Progress of a build, reported every few files. */
export interface BuildProgress {
  readonly phase: 'hash' | 'write'
  readonly files: number
  readonly totalFiles: number
  readonly bytes: number
  readonly totalBytes: number
}

/** What a build did. */
export interface BuildSummary {
  readonly manifestPath: string
  readonly outDir: string | undefined
  readonly buildId: string
  readonly files: number
  readonly bytes: number
  readonly rewritten: number
  readonly compressed: { readonly br: number; readonly gzip: number; readonly reused: number }
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
  const warnings: string[] = []
  const warn = (message: string) => {
    warnings.push(message)
    build.onWarning?.(message)
  }
  const options = resolveOptions({
    root: build.root,
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
  if (outDir !== undefined && (isInside(options.realRoot, outDir) || outDir === options.root)) {
    throw new StaticConfigError(
      'outDir',
      `must not be the root or contain it, got ${JSON.stringify(build.outDir)}`,
    )
  }
  const ignore = [manifestPath, outDir]
    .filter((file): file is string => file !== undefined && isInside(file, options.realRoot))
    .map((file) => path.relative(options.realRoot, file).split(path.sep).join('/'))
  if (isInside(manifestPath, options.realRoot)) {
    warn(`the manifest ${manifestPath} is inside the root; it is left out of the index, but keep it outside`)
  }
  const previous = readPrevious(manifestPath, warn)

  // 1. Read and hash every file.
  const { originals, variants: variantFiles } = splitVariants(scanRoot(options.realRoot, options, ignore))
  const scratch = createScratch()
  const sources = new Map<string, SourceFile>()
  const absolutePaths = new Map<string, string>()
  const sizes = new Map<string, number>()
  const mtimes = new Map<string, number>()
  const utf8 = new Set<string>()
  const totalBytes = originals.reduce(
    (sum, file) => sum + (statSync(file.absolutePath, { throwIfNoEntry: false })?.size ?? 0),
    0,
  )
  let bytesRead = 0
  for (const [position, file] of originals.entries()) {
    const read = readSourceSync(
      file.logicalPath,
      file.absolutePath,
      scratch,
      options.isFingerprinted,
      options,
    )
    if (read === undefined) continue
    sources.set(file.logicalPath, read.source)
    absolutePaths.set(file.logicalPath, file.absolutePath)
    sizes.set(file.logicalPath, read.size)
    mtimes.set(file.logicalPath, read.mtimeMs)
    if (read.utf8) utf8.add(file.logicalPath)
    bytesRead += read.size
    if (position % 50 === 0 || position === originals.length - 1) {
      build.onProgress?.({
        phase: 'hash',
        files: position + 1,
        totalFiles: originals.length,
        bytes: bytesRead,
        totalBytes,
      })
    }
  }

  // 2. Rewrite references, dependencies first.
  const resolved = resolveGraph(sources, toGraphOptions(options))
  const caseCollisions = findCaseCollisions([...sources.keys()])
  for (const group of caseCollisions) warn(`paths differ only in case: ${group.join(', ')}`)

  // 3. Entries, variants and the output directory.
  const assets: Record<string, ManifestEntry> = {}
  const counts = { br: 0, gzip: 0, reused: 0, written: 0, rewritten: 0 }
  const logicalPaths = [...resolved.keys()].sort()
  let bytesWritten = 0
  for (const [position, logicalPath] of logicalPaths.entries()) {
    const result = resolved.get(logicalPath)
    const absolutePath = absolutePaths.get(logicalPath)
    if (result === undefined || absolutePath === undefined) continue
    const served: Served = {
      absolutePath,
      body: result.body,
      size: result.body?.length ?? sizes.get(logicalPath) ?? 0,
      mtimeMs: mtimes.get(logicalPath) ?? Date.now(),
    }
    // Decided from the bytes (the rewritten ones are UTF-8 exactly when their source is).
    const contentType = contentTypeFor(logicalPath, utf8.has(logicalPath))
    const fingerprinted = options.isFingerprinted(logicalPath)
    const file =
      outDir === undefined || fingerprinted ? undefined : formatVersionedPath(logicalPath, result.token)
    if (result.body !== undefined) counts.rewritten++

    if (outDir !== undefined) {
      counts.written += writeServed(served, path.join(outDir, logicalPath), false)
      if (file !== undefined) counts.written += writeServed(served, path.join(outDir, file), true)
    }
    const encodings = build.compress
      ? compressVariants(logicalPath, result.hash, served, contentType, file, {
          outDir,
          root: options.root,
          previous,
          counts,
        })
      : recordExistingVariants(
          variantFiles.get(logicalPath) ?? [],
          { hash: result.hash, size: served.size },
          options,
          outDir,
          file,
          warn,
          counts,
        )

    assets[logicalPath] = {
      size: served.size,
      hash: result.hash,
      token: result.token,
      integrity: integrityOf(served, options.integrity),
      contentType,
      ...(file === undefined ? {} : { file }),
      ...(result.body === undefined ? {} : { rewritten: true }),
      ...(fingerprinted ? { fingerprinted: true } : {}),
      // A reference cycle shares one version; the loader then does not expect the hash's own token.
      ...(result.token === toToken(result.hash) ? {} : { cycle: true }),
      ...(result.references.length === 0 ? {} : { references: [...result.references] }),
      ...(encodings === undefined ? {} : { encodings }),
    }
    bytesWritten += served.size
    if (outDir !== undefined && (position % 50 === 0 || position === logicalPaths.length - 1)) {
      build.onProgress?.({
        phase: 'write',
        files: position + 1,
        totalFiles: logicalPaths.length,
        bytes: bytesWritten,
        totalBytes: bytesRead,
      })
    }
  }

  const buildId = toBuildId(assets)
  const builtAt = (build.now ?? sourceDateEpoch() ?? new Date()).toISOString()
  const history = outDir === undefined ? [] : retainedBuilds(previous, buildId, keep)
  const removed = outDir === undefined ? [] : removeDropped(outDir, previous, assets, history, keep)
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    generator: `vstatic ${readOwnVersion()}`,
    builtAt,
    buildId,
    options: {
      prefix: options.prefix,
      versioning: options.versioning,
      hash: 'sha256',
      tokenLength: TOKEN_LENGTH,
      integrity: options.integrity,
      layout: outDir === undefined ? 'source' : 'out-dir',
      // Recorded so that loading the manifest against the source root can name the directory to pass.
      ...(outDir === undefined ? {} : { outDir: toPortablePath(path.dirname(manifestPath), outDir) }),
    },
    assets,
    history,
  }
  // The manifest goes last: a build interrupted before this line leaves the previous one in force.
  writeManifest(manifestPath, manifest)
  return {
    manifestPath,
    outDir,
    buildId,
    files: logicalPaths.length,
    bytes: bytesRead,
    rewritten: counts.rewritten,
    compressed: { br: counts.br, gzip: counts.gzip, reused: counts.reused },
    written: counts.written,
    removed,
    warnings,
    caseCollisions,
    durationMs: Math.round(performance.now() - started),
  }
}

/** Files added, removed or changed in `root` since `manifestPath` was built. */
export interface VerifyResult {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
}

/** Compares the root with a manifest: what `vstatic verify` reports. */
export function verifyManifest(
  root: string,
  manifestPath: string,
  dotfiles?: 'ignore' | 'allow',
): VerifyResult {
  const manifest = readManifest(path.resolve(manifestPath))
  const options = resolveOptions({
    root,
    prefix: manifest.options.prefix,
    versioning: manifest.options.versioning,
    dotfiles,
    onWarning: () => {},
  })
  // Paths and values are checked as a runtime would; missing files are what verify itself reports.
  checkManifest(manifest, path.resolve(manifestPath), options, { matchRoot: false })
  const ignore = [path.resolve(manifestPath)]
    .filter((file) => isInside(file, options.realRoot))
    .map((file) => path.relative(options.realRoot, file).split(path.sep).join('/'))
  const { originals } = splitVariants(scanRoot(options.realRoot, options, ignore))
  const scratch = createScratch()
  const sources = new Map<string, SourceFile>()
  for (const file of originals) {
    const read = readSourceSync(
      file.logicalPath,
      file.absolutePath,
      scratch,
      options.isFingerprinted,
      options,
    )
    if (read !== undefined) sources.set(file.logicalPath, read.source)
  }
  const resolved = resolveGraph(sources, toGraphOptions(options))
  const added: string[] = []
  const changed: string[] = []
  for (const [logicalPath, result] of [...resolved].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entry = manifest.assets[logicalPath]
    if (entry === undefined) added.push(logicalPath)
    else if (entry.hash !== result.hash || entry.token !== result.token) changed.push(logicalPath)
  }
  const removed = Object.keys(manifest.assets)
    .filter((logicalPath) => !resolved.has(logicalPath))
    .sort()
  return { added, removed, changed }
}

// --- internal ---

interface Served {
  readonly absolutePath: string
  readonly body: Buffer | undefined
  readonly size: number
  /** The source file's mtime: copies and variants keep it, so every server sends the same Last-Modified. */
  readonly mtimeMs: number
}

function keepMtime(target: string, mtimeMs: number): void {
  const seconds = mtimeMs / 1000
  utimesSync(target, seconds, seconds)
}

function servedBytes(served: Served): Buffer {
  return served.body ?? readFileSync(served.absolutePath)
}

/** Writes the served bytes to `target` atomically; an immutable (fingerprinted) target that exists is kept. */
function writeServed(served: Served, target: string, immutable: boolean): number {
  if (immutable && statSync(target, { throwIfNoEntry: false })?.size === served.size) return 0
  if (served.body !== undefined) {
    writeFileAtomic(target, served.body)
  } else {
    mkdirSync(path.dirname(target), { recursive: true })
    const temporary = `${target}.${process.pid}.copy.tmp`
    try {
      copyFileSync(served.absolutePath, temporary)
      renameSync(temporary, target)
    } catch (error) {
      rmSync(temporary, { force: true })
      throw error
    }
  }
  keepMtime(target, served.mtimeMs)
  return 1
}

function integrityOf(served: Served, algorithm: 'sha256' | 'sha384' | 'sha512'): string {
  const hash = createHash(algorithm)
  if (served.body !== undefined) {
    hash.update(served.body)
  } else {
    const buffer = Buffer.allocUnsafe(256 * 1024)
    const fd = openSync(served.absolutePath, 'r')
    try {
      for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer))
        hash.update(buffer.subarray(0, read))
    } finally {
      closeSync(fd)
    }
  }
  return `${algorithm}-${hash.digest('base64')}`
}

interface CompressContext {
  readonly outDir: string | undefined
  readonly root: string
  readonly previous: Manifest | undefined
  readonly counts: { br: number; gzip: number; reused: number; written: number }
}

/** Largest file compressed (it is compressed in memory). */
const MAX_COMPRESS_BYTES = 64 * 1024 * 1024

function compressVariants(
  logicalPath: string,
  hash: string,
  served: Served,
  contentType: string,
  file: string | undefined,
  context: CompressContext,
): Partial<Record<'br' | 'gzip', ManifestVariant>> | undefined {
  if (!isCompressible(contentType) || served.size < MIN_COMPRESS_BYTES || served.size > MAX_COMPRESS_BYTES)
    return undefined
  const base = context.outDir ?? context.root
  const recorded: Partial<Record<'br' | 'gzip', ManifestVariant>> = {}
  const reusable = context.previous?.assets[logicalPath]
  let bytes: Buffer | undefined
  for (const encoding of ['br', 'gzip'] as const) {
    const extension = encoding === 'br' ? '.br' : '.gz'
    const target = (file ?? logicalPath) + extension
    const previousVariant = reusable?.hash === hash ? reusable.encodings?.[encoding] : undefined
    if (previousVariant !== undefined && previousVariant.file === target) {
      const existing = statSync(path.join(base, target), { throwIfNoEntry: false })
      if (existing?.size === previousVariant.size) {
        // Same content as last time and its variant is still there: no need to compress again.
        recorded[encoding] = previousVariant
        if (context.outDir !== undefined && file !== undefined) {
          copyVariant(
            path.join(base, target),
            path.join(base, logicalPath + extension),
            served.mtimeMs,
            context,
          )
        }
        context.counts.reused++
        continue
      }
    }
    bytes ??= servedBytes(served)
    const compressed = compress(bytes, encoding)
    if (!isWorthKeeping(compressed.length, served.size)) continue
    writeFileAtomic(path.join(base, target), compressed)
    keepMtime(path.join(base, target), served.mtimeMs)
    if (context.outDir !== undefined && file !== undefined) {
      writeFileAtomic(path.join(base, logicalPath + extension), compressed)
      keepMtime(path.join(base, logicalPath + extension), served.mtimeMs)
    }
    context.counts.written += context.outDir === undefined ? 0 : file === undefined ? 1 : 2
    context.counts[encoding]++
    recorded[encoding] = { file: target, size: compressed.length, hash: hashContent(compressed) }
  }
  return Object.keys(recorded).length === 0 ? undefined : recorded
}

function copyVariant(from: string, to: string, mtimeMs: number, context: CompressContext): void {
  if (statSync(to, { throwIfNoEntry: false })?.size !== statSync(from).size) {
    writeFileAtomic(to, readFileSync(from))
    context.counts.written++
  }
  keepMtime(to, mtimeMs)
}

/** Without --compress: records variants that already sit next to a file and decompress to it. */
function recordExistingVariants(
  candidates: Parameters<typeof checkVariants>[0],
  served: { readonly hash: string; readonly size: number },
  options: ResolvedOptions,
  outDir: string | undefined,
  file: string | undefined,
  warn: (message: string) => void,
  counts: { written: number },
): Partial<Record<'br' | 'gzip', ManifestVariant>> | undefined {
  const kept = checkVariants(candidates, served, options, warn)
  if (kept.length === 0) return undefined
  const recorded: Partial<Record<'br' | 'gzip', ManifestVariant>> = {}
  for (const variant of kept) {
    const relative = path.relative(options.realRoot, variant.absolutePath).split(path.sep).join('/')
    let target = relative
    if (outDir !== undefined) {
      const bytes = readFileSync(variant.absolutePath)
      writeFileAtomic(path.join(outDir, relative), bytes)
      counts.written++
      if (file !== undefined) {
        target = file + (variant.encoding === 'br' ? '.br' : '.gz')
        writeFileAtomic(path.join(outDir, target), bytes)
        counts.written++
      }
    }
    recorded[variant.encoding] = { file: target, size: variant.size, hash: variant.hash }
  }
  return recorded
}

function readPrevious(manifestPath: string, warn: (message: string) => void): Manifest | undefined {
  if (statSync(manifestPath, { throwIfNoEntry: false }) === undefined) return undefined
  try {
    return readManifest(manifestPath)
  } catch (error) {
    warn(
      `the previous manifest cannot be read (${(error as Error).message}); its history is not carried over`,
    )
    return undefined
  }
}

/** Earlier builds to keep, newest first: the previous build, then its own history, up to `keep - 1`. */
function retainedBuilds(previous: Manifest | undefined, buildId: string, keep: number): ManifestBuild[] {
  if (previous === undefined || previous.options.layout !== 'out-dir') return []
  const candidates = [toRetainedBuild(previous), ...previous.history].filter(
    (build) => build.buildId !== buildId,
  )
  return candidates.slice(0, keep - 1)
}

function toRetainedBuild(manifest: Manifest): ManifestBuild {
  const files: Record<string, RetainedFile> = {}
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    if (entry.file === undefined) continue
    files[entry.file] = {
      logicalPath,
      token: entry.token,
      size: entry.size,
      hash: entry.hash,
      contentType: entry.contentType,
      ...(entry.cycle === true ? { cycle: true } : {}),
      ...(entry.encodings === undefined ? {} : { encodings: entry.encodings }),
    }
  }
  return { buildId: manifest.buildId, builtAt: manifest.builtAt, files }
}

/**
 * Removes from the output directory the files that only builds older than the kept ones named,
 * and the plain copies of files that no longer exist. Driven by the manifests, never by listing
 * or emptying the directory.
 */
function removeDropped(
  outDir: string,
  previous: Manifest | undefined,
  assets: Readonly<Record<string, ManifestEntry>>,
  kept: readonly ManifestBuild[],
  keep: number,
): string[] {
  if (previous === undefined || previous.options.layout !== 'out-dir') return []
  const inUse = new Set<string>()
  const addEntryFiles = (
    logicalPath: string,
    entry: { file?: string; encodings?: ManifestEntry['encodings'] },
  ) => {
    inUse.add(logicalPath)
    inUse.add(`${logicalPath}.br`)
    inUse.add(`${logicalPath}.gz`)
    if (entry.file !== undefined) inUse.add(entry.file)
    for (const variant of Object.values(entry.encodings ?? {})) inUse.add(variant.file)
  }
  for (const [logicalPath, entry] of Object.entries(assets)) addEntryFiles(logicalPath, entry)
  for (const build of kept) {
    for (const [file, retained] of Object.entries(build.files)) {
      inUse.add(file)
      for (const variant of Object.values(retained.encodings ?? {})) inUse.add(variant.file)
    }
  }
  const candidates = new Set<string>()
  const allBuilds = [toRetainedBuild(previous), ...previous.history]
  for (const build of allBuilds.slice(Math.max(0, keep - 1))) {
    for (const [file, retained] of Object.entries(build.files)) {
      candidates.add(file)
      for (const variant of Object.values(retained.encodings ?? {})) candidates.add(variant.file)
    }
  }
  for (const [logicalPath, entry] of Object.entries(previous.assets)) {
    if (assets[logicalPath] !== undefined) continue
    candidates.add(logicalPath)
    candidates.add(`${logicalPath}.br`)
    candidates.add(`${logicalPath}.gz`)
    for (const variant of Object.values(entry.encodings ?? {})) candidates.add(variant.file)
  }
  const removed: string[] = []
  for (const file of [...candidates].sort()) {
    if (inUse.has(file)) continue
    const target = path.join(outDir, file)
    if (!isInside(target, outDir) || statSync(target, { throwIfNoEntry: false })?.isFile() !== true) continue
    rmSync(target, { force: true })
    removed.push(file)
  }
  return removed
}

function findCaseCollisions(logicalPaths: readonly string[]): string[][] {
  const byLowerCase = new Map<string, string[]>()
  for (const logicalPath of logicalPaths) {
    const key = logicalPath.toLowerCase()
    byLowerCase.set(key, [...(byLowerCase.get(key) ?? []), logicalPath])
  }
  return [...byLowerCase.values()].filter((group) => group.length > 1).map((group) => group.sort())
}

function toBuildId(assets: Readonly<Record<string, ManifestEntry>>): string {
  const lines = Object.entries(assets).map(
    ([logicalPath, entry]) => `${logicalPath}\0${entry.token}\0${entry.hash}\n`,
  )
  return hashContent(Buffer.from(lines.join(''))).slice(0, TOKEN_LENGTH)
}

/** `to` relative to `from`, `/`-separated: the same on every machine that keeps the same layout. */
function toPortablePath(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.'
}

function sourceDateEpoch(): Date | undefined {
  const value = process.env.SOURCE_DATE_EPOCH
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return new Date(Number(value) * 1000)
}

function readOwnVersion(): string {
  try {
    const packageJson = new URL('../../package.json', import.meta.url)
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
