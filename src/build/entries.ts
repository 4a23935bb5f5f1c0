/**
 * The manifest entries of a build: for each file of the root, its copies in the output directory,
 * its precompressed variants, its SRI and the entry that records them.
 * @module
 */
import path from 'node:path'
import { contentTypeFor } from '../catalog/asset.js'
import { computeIntegrity, type ServedBytes } from '../catalog/integrity.js'
import type { ManifestEntry } from '../catalog/manifest.js'
import type { RootContents, RootFile } from '../catalog/read-root.js'
import type { RootedFile } from '../catalog/roots.js'
import type { VariantFile } from '../catalog/scan.js'
import { toToken } from '../hash.js'
import { formatVersionedPath } from '../http/versioned-path.js'
import type { ResolvedRoot } from '../option-paths.js'
import type { IntegrityAlgorithm } from '../types.js'
import { type Served, writeServed } from './out-dir.js'
import { compressVariants, recordExistingVariants, type VariantContext } from './variants.js'

/** What recording one file needs. */
export interface EntryContext extends VariantContext {
  /** Compress variants now rather than record those found beside the files. */
  readonly compress: boolean
}

/** Step 2: the manifest entry of every file, in logical-path order, writing its copies on the way. */
export function recordEntries(contents: RootContents, context: EntryContext): Record<string, ManifestEntry> {
  const assets: Record<string, ManifestEntry> = {}
  const totalFiles = contents.files.length
  const totalBytes = bytesRead(contents)
  let bytes = 0
  for (const [position, rootFile] of contents.files.entries()) {
    const logicalPath = rootFile.file.logicalPath
    const entry = recordEntry(rootFile, contents.variants.get(logicalPath) ?? [], context)
    assets[logicalPath] = entry
    bytes += entry.size
    if (context.outDir === undefined) continue
    context.report.progress({ phase: 'write', files: position + 1, totalFiles, bytes, totalBytes })
  }
  return assets
}

/** Bytes read from the root: the total of the read step's progress. */
export function bytesRead(contents: RootContents): number {
  return contents.files.reduce((sum, { read }) => sum + read.size, 0)
}

// --- internal ---

/** One file: its copies in the output directory, its variants, and its manifest entry. */
function recordEntry(
  { file: scanned, read, resolved }: RootFile,
  candidates: readonly VariantFile<RootedFile>[],
  context: EntryContext,
): ManifestEntry {
  const { logicalPath, absolutePath, root } = scanned
  const { outDir, options, report } = context
  // Which root holds the file, when the runtime serves the roots themselves (an outDir merges them).
  const rootIndex = outDir === undefined ? options.roots.indexOf(root) : 0
  const served: Served = {
    absolutePath,
    body: resolved.body,
    size: resolved.body?.length ?? read.size,
    mtimeMs: read.mtimeMs,
  }
  // Decided from the bytes (the rewritten ones are UTF-8 exactly when their source is).
  const contentType = contentTypeFor(logicalPath, read.utf8)
  const fingerprinted = options.isFingerprinted(logicalPath)
  const file =
    outDir === undefined || fingerprinted ? undefined : formatVersionedPath(logicalPath, resolved.token)
  if (resolved.body !== undefined) report.counts.rewritten++
  if (outDir !== undefined) {
    report.counts.written += writeServed(served, path.join(outDir, logicalPath), false)
    if (file !== undefined) report.counts.written += writeServed(served, path.join(outDir, file), true)
  }
  const job = { logicalPath, root, hash: resolved.hash, served, contentType, file }
  const encodings = context.compress
    ? compressVariants(job, context)
    : recordExistingVariants(job, candidates, context)
  return {
    size: served.size,
    hash: resolved.hash,
    token: resolved.token,
    integrity: integrityOrThrow(logicalPath, { ...served, hash: resolved.hash }, options.integrity, root),
    contentType,
    ...(file === undefined ? {} : { file }),
    ...(rootIndex > 0 ? { root: rootIndex } : {}),
    ...(resolved.body === undefined ? {} : { rewritten: true }),
    ...(fingerprinted ? { fingerprinted: true } : {}),
    // A reference cycle shares one version; the loader then does not expect the hash's own token.
    ...(resolved.token === toToken(resolved.hash) ? {} : { cycle: true }),
    ...(resolved.references.length === 0 ? {} : { references: [...resolved.references] }),
    ...(encodings === undefined ? {} : { encodings }),
  }
}

/** The SRI value of a file being built, read under its root's rules; it must still hold the bytes that were hashed. */
function integrityOrThrow(
  logicalPath: string,
  served: ServedBytes,
  algorithm: IntegrityAlgorithm,
  root: ResolvedRoot,
): string {
  const value = computeIntegrity(served, algorithm, root)
  if (value === undefined)
    throw new Error(`${logicalPath} changed while the build read it; run the build again`)
  return value
}
