/**
 * The manifest: the JSON form of the asset index that `vstatic build` writes and `createStatic({ manifest })`
 * loads. A documented, versioned schema; written to a temporary file and renamed.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StaticConfigError } from '../errors.js'
import { isDeltaEncoding } from '../http/dictionary.js'
import { isEncoding } from '../http/encoding.js'
import { toLogicalPath } from '../logical-path.js'
import { ConfigFileError, readConfigFileSync } from '../root/open-file.js'
import {
  type DeltaEncoding,
  type Encoding,
  INTEGRITY_ALGORITHMS,
  type IntegrityAlgorithm,
  type ManifestVariant,
  VERSIONINGS,
  type Versioning,
} from '../types.js'

export type { ManifestVariant }

/**
 * Deltas of an entry (`--deltas`): SHA-256 (hex) of the dictionary, an earlier version's bytes →
 * the delta in each dictionary coding. Each file starts with the RFC 9842 header.
 */
export type ManifestDeltas = Readonly<
  Record<string, Readonly<Partial<Record<DeltaEncoding, ManifestVariant>>>>
>

/** The schema version this release writes and reads. */
export const MANIFEST_VERSION = 1

/** One file of the root. */
export interface ManifestEntry {
  /** Size of the bytes served. */
  readonly size: number
  /** SHA-256 (hex) of the bytes served. */
  readonly hash: string
  /** The version token in URLs. */
  readonly token: string
  /** Subresource Integrity of the bytes served. */
  readonly integrity: string
  readonly contentType: string
  /** The fingerprinted copy, relative to the root (builds with an output directory). */
  readonly file?: string
  /** Which of several roots holds the file (source builds of several roots): its place in the list, 0 when left out. */
  readonly root?: number
  /** True when the bytes served are the file with its references rewritten. */
  readonly rewritten?: boolean
  /** True for files a bundler already fingerprinted. */
  readonly fingerprinted?: boolean
  /** True when the token is shared by a reference cycle, so it is not the token of this file's hash alone. */
  readonly cycle?: boolean
  /** Logical paths this file references. */
  readonly references?: readonly string[]
  readonly encodings?: Readonly<Partial<Record<Encoding, ManifestVariant>>>
  /** Deltas against the kept versions of the same path (`--deltas`), by the dictionary's SHA-256. */
  readonly deltas?: ManifestDeltas
}

/** A file of an earlier build kept in the output directory (`--keep`). */
export interface RetainedFile {
  readonly logicalPath: string
  readonly token: string
  readonly size: number
  readonly hash: string
  readonly contentType: string
  /** As on {@link ManifestEntry}. */
  readonly cycle?: boolean
  readonly encodings?: Readonly<Partial<Record<Encoding, ManifestVariant>>>
}

/** An earlier build whose files are still in the output directory. */
export interface ManifestBuild {
  readonly buildId: string
  readonly builtAt: string
  /** Fingerprinted file path → what it is. */
  readonly files: Readonly<Record<string, RetainedFile>>
}

/** The manifest document. */
export interface Manifest {
  readonly version: typeof MANIFEST_VERSION
  readonly generator: string
  /** When it was built (ISO 8601; `SOURCE_DATE_EPOCH` is honoured). Served as Last-Modified. */
  readonly builtAt: string
  /** A hash over every entry's path and token: the same files give the same id. */
  readonly buildId: string
  /** The settings that shape URLs; a runtime with other settings refuses the manifest. */
  readonly options: {
    readonly prefix: string
    readonly versioning: Versioning
    readonly hash: 'sha256'
    readonly tokenLength: number
    readonly integrity: IntegrityAlgorithm
    /** `source`: entries are the files of the root. `out-dir`: the root holds fingerprinted copies. */
    readonly layout: 'source' | 'out-dir'
    /** `out-dir` builds: the output directory, relative to the manifest's own directory (`/`-separated). */
    readonly outDir?: string
    /** How many roots a source build read, when more than one; they are passed again in the same order. */
    readonly roots?: number
    /** The `ignore` patterns of the build; a runtime with other patterns refuses the manifest. */
    readonly ignore?: readonly string[]
    /** True for a build with `--deltas`: text files are announced as dictionaries of their next versions. */
    readonly deltas?: boolean
  }
  /** Logical path → entry, in sorted order. */
  readonly assets: Readonly<Record<string, ManifestEntry>>
  /** Earlier builds still on disk, newest first (out-dir builds with `--keep`). */
  readonly history: readonly ManifestBuild[]
}

/**
 * The largest manifest read: far above what a site needs (about 400 bytes an entry, so 100,000 files
 * are some 40 MiB), and far below the 2 GiB at which Node could not hold it at all.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024

/** Options of {@link readManifest} and {@link parseManifest}. */
export interface ParseOptions {
  /**
   * Check the shape of every asset entry ({@link entryShapeFault}). Off only for a caller that checks
   * each entry itself next (`checkManifest()` does), so that startup passes over the entries once.
   * @default true
   */
  readonly entries?: boolean
}

/**
 * Reads and validates a manifest. Every fault is a StaticConfigError naming the file. Only a regular
 * file of at most {@link MAX_MANIFEST_BYTES} is read: a FIFO, a device or a directory is refused at
 * once rather than hanging startup or reading without end.
 */
export function readManifest(file: string, options?: ParseOptions): Manifest {
  let text: string
  try {
    text = readConfigFileSync(file, MAX_MANIFEST_BYTES).toString('utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      error instanceof ConfigFileError
        ? `${error.message}; pass the manifest written by "vstatic build"`
        : code === 'ENOENT'
          ? 'does not exist; run "vstatic build" to create it'
          : `cannot be read (${code ?? String(error)}); run "vstatic build" to create it`
    throw new StaticConfigError('manifest', `${JSON.stringify(file)} ${why}`, { cause: error })
  }
  return parseManifest(text, file, options)
}

/** Parses and validates a manifest's text; `source` names it in errors. */
export function parseManifest(text: string, source: string, parse: ParseOptions = {}): Manifest {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new StaticConfigError(
      'manifest',
      `${JSON.stringify(source)} is not valid JSON: ${describeJsonError(error, text)}`,
      {
        cause: error,
      },
    )
  }
  const fail = (what: string): never => {
    throw new StaticConfigError('manifest', `${JSON.stringify(source)} ${what}`)
  }
  if (!isRecord(data)) return fail('is not a vstatic manifest (expected a JSON object)')
  if (data.version !== MANIFEST_VERSION) {
    return fail(
      typeof data.version === 'number'
        ? `has schema version ${data.version}; this vstatic reads version ${MANIFEST_VERSION}. Rebuild it with "vstatic build"`
        : 'is not a vstatic manifest (no "version" field)',
    )
  }
  const options = data.options as Record<string, unknown>
  if (isMalformedOptions(options)) {
    return fail('has a malformed "options" object')
  }
  if (typeof data.builtAt !== 'string' || Number.isNaN(Date.parse(data.builtAt)))
    return fail('has no valid "builtAt"')
  if (!isRecord(data.assets)) return fail('has no "assets" object')
  const roots = (options.roots as number | undefined) ?? 1
  if (parse.entries !== false) {
    const assets = data.assets
    for (const logicalPath in assets) {
      const problem = entryShapeFault(logicalPath, assets[logicalPath], roots)
      if (problem !== undefined) fail(`entry ${JSON.stringify(logicalPath)}: ${problem}`)
    }
  }
  const history = data.history ?? []
  if (!Array.isArray(history)) return fail('has a malformed "history"')
  for (const build of history) {
    if (!isRecord(build) || !isRecord(build.files)) return fail('has a malformed "history" build')
    for (const [file, retained] of Object.entries(build.files)) {
      if (toLogicalPath(file) !== file || !isRecord(retained) || typeof retained.logicalPath !== 'string') {
        return fail(`has a malformed history file ${JSON.stringify(file)}`)
      }
    }
  }
  return data as unknown as Manifest
}

/** The manifest as text: two-space JSON with a final newline. Keys keep the order they were built in. */
function formatManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/**
 * Writes `manifest` to `file` atomically: a temporary file beside it, then a rename, so a reader
 * never sees half a manifest and an interrupted build leaves the previous one intact.
 */
export function writeManifest(file: string, manifest: Manifest): void {
  writeFileAtomic(file, formatManifest(manifest))
}

/** Writes a file through a temporary sibling and a rename. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, content)
    renameSync(temporary, file)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}

// --- internal ---

/** True unless `options` is a well-formed `options` object. */
function isMalformedOptions(options: unknown): boolean {
  return (
    !isRecord(options) ||
    typeof options.prefix !== 'string' ||
    !VERSIONINGS.includes(options.versioning as Versioning) ||
    options.hash !== 'sha256' ||
    typeof options.tokenLength !== 'number' ||
    !INTEGRITY_ALGORITHMS.includes(options.integrity as IntegrityAlgorithm) ||
    (options.layout !== 'source' && options.layout !== 'out-dir') ||
    (options.outDir !== undefined && typeof options.outDir !== 'string') ||
    (options.roots !== undefined &&
      !(Number.isSafeInteger(options.roots) && (options.roots as number) >= 1)) ||
    (options.ignore !== undefined &&
      !(Array.isArray(options.ignore) && options.ignore.every((pattern) => typeof pattern === 'string'))) ||
    (options.deltas !== undefined && typeof options.deltas !== 'boolean')
  )
}

/**
 * The fault of an asset entry's shape (its path's spelling, field types, `root` within the `roots`
 * the build read, the spelling of its variant and delta files), or undefined.
 */
export function entryShapeFault(logicalPath: string, entry: unknown, roots: number): string | undefined {
  if (toLogicalPath(logicalPath) !== logicalPath) return 'is not a valid path inside the root'
  if (!isRecord(entry)) return 'is not an object'
  if (
    entry.root !== undefined &&
    !(Number.isSafeInteger(entry.root) && (entry.root as number) >= 0 && (entry.root as number) < roots)
  ) {
    return `has an invalid "root" ${JSON.stringify(entry.root)} (expected the place of one of its ${roots} root(s), from 0)`
  }
  if (!Number.isSafeInteger(entry.size) || (entry.size as number) < 0) return 'has no valid "size"'
  if (typeof entry.hash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.hash)) return 'has no valid "hash"'
  if (typeof entry.token !== 'string' || !/^[0-9a-f]+$/.test(entry.token)) return 'has no valid "token"'
  if (typeof entry.integrity !== 'string' || typeof entry.contentType !== 'string') {
    return 'has no "integrity" or "contentType"'
  }
  if (
    entry.file !== undefined &&
    (typeof entry.file !== 'string' || toLogicalPath(entry.file) !== entry.file)
  ) {
    return 'has an invalid "file"'
  }
  if (entry.encodings !== undefined) {
    if (!isRecord(entry.encodings)) return 'has malformed "encodings"'
    for (const [encoding, variant] of Object.entries(entry.encodings)) {
      if (!isEncoding(encoding)) return `has an unknown encoding ${JSON.stringify(encoding)}`
      if (
        !isRecord(variant) ||
        typeof variant.file !== 'string' ||
        toLogicalPath(variant.file) !== variant.file
      ) {
        return `has a malformed ${encoding} variant`
      }
    }
  }
  return entry.deltas === undefined ? undefined : checkDeltas(entry.deltas)
}

/** The fault of an entry's `deltas` by their shape, or undefined (their files are checked with the root). */
function checkDeltas(deltas: unknown): string | undefined {
  if (!isRecord(deltas)) return 'has malformed "deltas"'
  for (const [dictionary, byCoding] of Object.entries(deltas)) {
    if (!/^[0-9a-f]{64}$/.test(dictionary)) {
      return `has a delta against ${JSON.stringify(dictionary)}, which is not a SHA-256 in hex`
    }
    if (!isRecord(byCoding)) return `has malformed deltas against ${dictionary}`
    for (const [encoding, variant] of Object.entries(byCoding)) {
      if (!isDeltaEncoding(encoding)) return `has an unknown delta coding ${JSON.stringify(encoding)}`
      if (
        !isRecord(variant) ||
        typeof variant.file !== 'string' ||
        toLogicalPath(variant.file) !== variant.file
      )
        return `has a malformed ${encoding} delta against ${dictionary}`
    }
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error)
  const position = /position (\d+)/.exec(message)?.[1]
  if (position === undefined) return message
  const offset = Number(position)
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `${message} (line ${line}, column ${column})`
}
