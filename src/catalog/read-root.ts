/**
 * readRoot(): the one pipeline from a directory to what is served — scan, read each file through
 * an identity-checked open, resolve references dependencies first, and pair precompressed variants.
 * The scanned index, the build and `vstatic verify` all start here.
 * @module
 */
import { createScratch } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import { type ResolvedFile, resolveGraph, type SourceFile } from '../rewrite/asset-graph.js'
import type { Asset } from '../types.js'
import { contentTypeFor, createAsset } from './asset.js'
import { type ReadFile, readSourceSync, toGraphOptions } from './read.js'
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
  /** Called after each file is read, with its place in the list and its size. */
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
  const scratch = createScratch()
  const reads = new Map<string, { file: RootedFile; read: ReadFile }>()
  for (const [position, file] of originals.entries()) {
    const read = readSourceSync(
      file.logicalPath,
      file.absolutePath,
      scratch,
      options.isFingerprinted,
      file.root,
    )
    if (read !== undefined) reads.set(file.logicalPath, { file, read })
    readOptions.onRead?.(position, originals.length, file, read?.size ?? 0)
  }
  const sources = new Map<string, SourceFile>()
  for (const [logicalPath, { read }] of reads) sources.set(logicalPath, read.source)
  const resolvedFiles = resolveGraph(sources, toGraphOptions(options))
  const files: RootFile[] = []
  for (const [logicalPath, { file, read }] of reads) {
    const resolved = resolvedFiles.get(logicalPath)
    if (resolved !== undefined) files.push({ file, read, resolved })
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
