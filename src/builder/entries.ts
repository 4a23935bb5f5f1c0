/**
 * The manifest entries of a build: for each file of the root, its copies in the output directory,
 * its precompressed variants, its SRI and the entry that records them.
 * @module
 */
import path from 'node:path'
import { toToken } from '../hash.js'
import { formatVersionedPath } from '../http/versioned-path.js'
import type { ManifestEntry } from '../manifest/format.js'
import type { ResolvedRoot } from '../options/paths.js'
import { contentTypeFor } from '../root/asset.js'
import { computeIntegrity, type ServedBytes } from '../root/integrity.js'
import type { RootContents, RootFile } from '../root/read-root.js'
import type { RootedFile } from '../root/roots.js'
import type { VariantFile } from '../root/scan.js'
import type { IntegrityAlgorithm } from '../types.js'
import { type Served, writeServed } from './out-dir.js'
import { compressVariants, recordExistingVariants, type VariantContext } from './precompress.js'

/** What recording one file needs. */
export interface EntryContext extends VariantContext {
  /** Compress variants now rather than record those found beside the files. */
  readonly compress: boolean
  /** True when the previous manifest was built into this same output directory. */
  readonly sameOutDir: boolean
}

/** Step 2: the manifest entry of every file, in logical-path order, writing its copies on the way. */
export function recordEntries(contents: RootContents, context: EntryContext): Record<string, ManifestEntry> {
  const assets: Record<string, ManifestEntry> = {}
  const totalFiles = contents.files.length
  const totalBytes = bytesRead(contents)
  let bytes = 0
  for (const [position, rootFile] of contents.files.entries()) {
    const logicalPath = rootFile.file.logicalPath
    assets[logicalPath] = recordEntry(rootFile, contents.variants.get(logicalPath) ?? [], context)
    // Bytes of the root, as the read phase and the summary count them.
    bytes += rootFile.read.size
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
  // The previous build recorded the same bytes under this path: what it wrote and computed still holds.
  const previous = context.previous?.assets[logicalPath]
  const unchanged = previous?.hash === resolved.hash && previous.size === served.size ? previous : undefined
  if (outDir !== undefined) {
    const plain = unchanged !== undefined && context.sameOutDir ? 'same-size-and-mtime' : 'never'
    report.counts.written += writeServed(served, path.join(outDir, logicalPath), plain)
    if (file !== undefined) report.counts.written += writeServed(served, path.join(outDir, file), 'same-size')
  }
  const job = { logicalPath, root, hash: resolved.hash, served, contentType, file }
  const encodings = context.compress
    ? compressVariants(job, context)
    : recordExistingVariants(job, candidates, context)
  return {
    size: served.size,
    hash: resolved.hash,
    token: resolved.token,
    integrity: integrityOf(
      logicalPath,
      { ...served, hash: resolved.hash },
      unchanged,
      options.integrity,
      root,
    ),
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

/**
 * The SRI value of a file being built: the previous build's for the same bytes (SRI is a function of
 * them, and their hash names them), else computed from the file under its root's rules, which must
 * still hold the bytes that were hashed.
 */
function integrityOf(
  logicalPath: string,
  served: ServedBytes,
  unchanged: ManifestEntry | undefined,
  algorithm: IntegrityAlgorithm,
  root: ResolvedRoot,
): string {
  if (unchanged?.integrity.startsWith(`${algorithm}-`)) return unchanged.integrity
  const value = computeIntegrity(served, algorithm, root)
  if (value === undefined)
    throw new Error(`${logicalPath} changed while the build read it; run the build again`)
  return value
}
