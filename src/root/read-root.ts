/**
 * readRoot(): the one pipeline from a directory to what is served — scan, read each file through
 * an identity-checked open, resolve references dependencies first, and pair precompressed variants.
 * The scanned index, the build and `vstatic verify` all start here.
 * @module
 */

import type { ResolvedOptions } from '../options/options.js'
import {
  hasReferences,
  type ResolvedFile,
  resolveAhead,
  resolveGraph,
  type SourceFile,
} from '../rewrite/asset-graph.js'
import type { Asset } from '../types.js'
import { contentTypeFor, createAsset } from './asset.js'
import { createScratch } from './hash-file.js'
import { type ReadFile, readSourceSync, toGraphOptions } from './read-file.js'
import { type RootedFile, scanRoots } from './roots.js'
import type { VariantFile } from './scan.js'
import { checkVariants } from './variants.js'

/** One file of the roots as read, and what the graph made of it. */
export interface RootFile {
  readonly file: RootedFile
  readonly read: ReadFile
  /** Token, hash of the bytes served, rewritten body and references. */
  readonly resolved: ResolvedFile
}

/** What {@link readRoot} found. */
export interface RootContents {
  /** Files served on their own, in logical-path order. */
  readonly files: readonly RootFile[]
  /** Precompressed siblings by the logical path of the file they sit beside, not checked yet. */
  readonly variants: ReadonlyMap<string, readonly VariantFile<RootedFile>[]>
}

/** Options of {@link readRoot}. */
export interface ReadRootOptions {
  /** Absolute paths (files or directories) to leave out: the manifest and output directory of a build. */
  readonly leaveOut?: readonly string[]
  /** Called once with the files about to be read, before the first is read (a build's progress total). */
  readonly onScan?: (files: readonly RootedFile[]) => void
  /** Called after each file is read, with how many were read before it, the total and its size. */
  readonly onRead?: (position: number, total: number, file: RootedFile, size: number) => void
}

/**
 * Scans and reads the roots (each file under its own root's rules), then resolves references.
 * Files that vanish or turn out not allowed are left out.
 */
export function readRoot(options: ResolvedOptions, readOptions: ReadRootOptions = {}): RootContents {
  const { originals, variants } = scanRoots({
    ...options,
    unlisted: [...options.unlisted, ...(readOptions.leaveOut ?? [])],
  })
  readOptions.onScan?.(originals)
  const reads = readAll(originals, options, readOptions)
  const sources = new Map<string, SourceFile>()
  for (const entry of reads) if (entry !== undefined) sources.set(entry.file.logicalPath, entry.read.source)
  const resolvedFiles = resolveGraph(sources, toGraphOptions(options))
  const files: RootFile[] = []
  for (const entry of reads) {
    const resolved = entry === undefined ? undefined : resolvedFiles.get(entry.file.logicalPath)
    if (entry !== undefined && resolved !== undefined) files.push({ ...entry, resolved })
  }
  return { files, variants }
}

/** The asset a file of the root makes, with the variants that decompress to its bytes. */
export function toRootAsset(rootFile: RootFile, contents: RootContents, options: ResolvedOptions): Asset {
  const { file, read, resolved } = rootFile
  const size = resolved.body?.length ?? read.size
  const candidates = contents.variants.get(file.logicalPath) ?? []
  return createAsset({
    logicalPath: file.logicalPath,
    root: file.root.root,
    absolutePath: file.absolutePath,
    size,
    mtimeMs: read.mtimeMs,
    hash: resolved.hash,
    token: resolved.token,
    body: resolved.body,
    encodings: checkVariants(candidates, { hash: resolved.hash, size }, file.root, options.onWarning),
    fingerprinted: options.isFingerprinted(file.logicalPath),
    references: resolved.references,
    contentType: contentTypeFor(file.logicalPath, read.utf8),
    identity: read.identity,
  })
}

// --- internal ---

/**
 * Reads every file, in logical-path order of the result. Files that cannot hold references are read
 * first; a stylesheet or script read after them is resolved at once when all it references is final
 * (most are), so only the few that reference other stylesheets or scripts keep their text for the graph.
 */
function readAll(
  originals: readonly RootedFile[],
  options: ResolvedOptions,
  readOptions: ReadRootOptions,
): Array<{ file: RootedFile; read: ReadFile } | undefined> {
  const scratch = createScratch()
  const graphOptions = toGraphOptions(options)
  // Files that may hold references are read last, in their own logical-path order.
  const mayReference = new Set<string>()
  const first: number[] = []
  const last: number[] = []
  for (const [position, file] of originals.entries()) {
    if (hasReferences(file.logicalPath) && !options.isFingerprinted(file.logicalPath)) {
      mayReference.add(file.logicalPath)
      last.push(position)
    } else {
      first.push(position)
    }
  }
  const order = first.concat(last)
  const tokens = new Map<string, string>()
  const tokenOf = (logicalPath: string) => tokens.get(logicalPath)
  const pending = (logicalPath: string) => mayReference.has(logicalPath)
  const reads: Array<{ file: RootedFile; read: ReadFile } | undefined> = new Array(originals.length)
  for (const [done, position] of order.entries()) {
    const file = originals[position] as RootedFile
    const read = readSourceSync(
      file.logicalPath,
      file.absolutePath,
      scratch,
      options.isFingerprinted,
      file.root,
    )
    if (read !== undefined) {
      const resolved = resolveAhead(read.source, tokenOf, pending, graphOptions)
      if (resolved !== undefined) tokens.set(file.logicalPath, resolved.token)
      // Resolved now: its text is no longer needed, and the graph takes the result as it is.
      const source =
        resolved === undefined
          ? read.source
          : { logicalPath: file.logicalPath, hash: read.source.hash, text: undefined, resolved }
      reads[position] = { file, read: { ...read, source } }
    }
    readOptions.onRead?.(done, originals.length, file, read?.size ?? 0)
  }
  return reads
}
