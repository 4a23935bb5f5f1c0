/**
 * The precompressed variants a build records: compressed now (`--compress`, reusing the previous
 * build's when the bytes are the same), or found beside the file and checked.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { hashContent } from '../hash.js'
import { ENCODINGS, encodingExtension } from '../http/encoding.js'
import { relativeLogicalPath } from '../logical-path.js'
import { type Manifest, type ManifestVariant, writeFileAtomic } from '../manifest/format.js'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedRoot } from '../options/paths.js'
import { isCompressible } from '../root/asset.js'
import type { VariantFile } from '../root/scan.js'
import { checkVariants } from '../root/variants.js'
import type { Encoding } from '../types.js'
import { compress, isWorthKeeping, MIN_COMPRESS_BYTES } from './compress.js'
import { copyUnlessSameSize, type Served, servedBytes, writeWithMtime } from './out-dir.js'
import type { BuildReport } from './progress.js'

/** Variants by coding, as the manifest records them. */
export type RecordedVariants = Partial<Record<Encoding, ManifestVariant>>

/** The file whose variants are recorded. */
export interface VariantJob {
  readonly logicalPath: string
  /** The root that holds the file: its variants are found, and without an output directory written, there. */
  readonly root: ResolvedRoot
  /** SHA-256 of the bytes served. */
  readonly hash: string
  readonly served: Served
  readonly contentType: string
  /** Its fingerprinted name in the output directory, when it has one there. */
  readonly file: string | undefined
}

/** Where variants are read and written. */
export interface VariantContext {
  readonly options: ResolvedOptions
  readonly outDir: string | undefined
  readonly previous: Manifest | undefined
  readonly report: BuildReport
}

/** Largest file compressed (it is compressed in memory). */
const MAX_COMPRESS_BYTES = 64 * 1024 * 1024

/**
 * With `--compress`: a variant of each coding that is clearly smaller, written beside the file (in
 * the output directory, or in the root without one). Undefined when there is none.
 */
export function compressVariants(job: VariantJob, context: VariantContext): RecordedVariants | undefined {
  const { size } = job.served
  if (!isCompressible(job.contentType) || size < MIN_COMPRESS_BYTES || size > MAX_COMPRESS_BYTES)
    return undefined
  const recorded: RecordedVariants = {}
  let bytes: Buffer | undefined
  for (const encoding of ENCODINGS) {
    const reused = reuseVariant(job, encoding, context)
    if (reused !== undefined) {
      recorded[encoding] = reused
      continue
    }
    bytes ??= servedBytes(job.served)
    const written = writeVariant(job, encoding, compress(bytes, encoding), context)
    if (written !== undefined) recorded[encoding] = written
  }
  return Object.keys(recorded).length === 0 ? undefined : recorded
}

/** Without `--compress`: the variants that already sit next to the file and decompress to its bytes. */
export function recordExistingVariants(
  job: VariantJob,
  candidates: readonly VariantFile[],
  context: VariantContext,
): RecordedVariants | undefined {
  const { outDir, report } = context
  const kept = checkVariants(candidates, { hash: job.hash, size: job.served.size }, job.root, report.warn)
  if (kept.length === 0) return undefined
  const recorded: RecordedVariants = {}
  for (const variant of kept) {
    const relative = relativeLogicalPath(job.root.realRoot, variant.absolutePath)
    let target = relative
    if (outDir !== undefined) {
      const bytes = readFileSync(variant.absolutePath)
      writeFileAtomic(path.join(outDir, relative), bytes)
      report.counts.written++
      if (job.file !== undefined) {
        target = job.file + encodingExtension(variant.encoding)
        writeFileAtomic(path.join(outDir, target), bytes)
        report.counts.written++
      }
    }
    recorded[variant.encoding] = { file: target, size: variant.size, hash: variant.hash }
  }
  return recorded
}

// --- internal ---

/** The variant's file: beside the fingerprinted copy when there is one, else beside the file. */
function variantFile(job: VariantJob, encoding: Encoding): string {
  return (job.file ?? job.logicalPath) + encodingExtension(encoding)
}

/**
 * The previous build's variant, when it was made from the same bytes and is still on disk: no need
 * to compress again. In an output directory it is copied to the plain name too.
 */
function reuseVariant(
  job: VariantJob,
  encoding: Encoding,
  context: VariantContext,
): ManifestVariant | undefined {
  const previous = context.previous?.assets[job.logicalPath]
  const variant = previous?.hash === job.hash ? previous.encodings?.[encoding] : undefined
  const file = variantFile(job, encoding)
  if (variant === undefined || variant.file !== file) return undefined
  const base = context.outDir ?? job.root.root
  if (statSync(path.join(base, file), { throwIfNoEntry: false })?.size !== variant.size) return undefined
  if (context.outDir !== undefined && job.file !== undefined) {
    const plain = path.join(base, job.logicalPath + encodingExtension(encoding))
    context.report.counts.written += copyUnlessSameSize(path.join(base, file), plain, job.served.mtimeMs)
  }
  context.report.counts.reused++
  return variant
}

/** Writes a freshly compressed variant if it is worth keeping (and its plain-name copy in an output directory). */
function writeVariant(
  job: VariantJob,
  encoding: Encoding,
  compressed: Buffer,
  context: VariantContext,
): ManifestVariant | undefined {
  if (!isWorthKeeping(compressed.length, job.served.size)) return undefined
  const { outDir, report } = context
  const file = variantFile(job, encoding)
  writeWithMtime(path.join(outDir ?? job.root.root, file), compressed, job.served.mtimeMs)
  if (outDir !== undefined) {
    report.counts.written++
    if (job.file !== undefined) {
      const plain = path.join(outDir, job.logicalPath + encodingExtension(encoding))
      writeWithMtime(plain, compressed, job.served.mtimeMs)
      report.counts.written++
    }
  }
  report.counts.compressed[encoding]++
  return { file, size: compressed.length, hash: hashContent(compressed) }
}
