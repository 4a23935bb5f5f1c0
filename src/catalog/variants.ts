/**
 * Precompressed variants (`.br`, `.gz`) of an asset: checked against the bytes served when found on
 * disk, or taken from a manifest.
 * @module
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { hashContent, toEtag } from '../hash.js'
import type { EncodedVariant } from '../types.js'
import type { ManifestVariant } from './manifest.js'
import type { ScannedFile } from './scan.js'

/** Keeps the variants whose decompressed bytes are exactly the bytes served; warns about stale ones. */
export function checkVariants(
  candidates: ReadonlyArray<{ encoding: 'br' | 'gzip'; file: ScannedFile }>,
  servedHash: string,
  onWarning: (message: string) => void,
): EncodedVariant[] {
  const kept: EncodedVariant[] = []
  for (const { encoding, file } of candidates) {
    try {
      const compressed = readFileSync(file.absolutePath)
      const plain = encoding === 'br' ? brotliDecompressSync(compressed) : gunzipSync(compressed)
      if (hashContent(plain) !== servedHash) {
        onWarning(
          `${file.logicalPath} does not decompress to the file it sits beside (stale?); not served as ${encoding}`,
        )
        continue
      }
      const hash = hashContent(compressed)
      kept.push({
        encoding,
        absolutePath: file.absolutePath,
        size: compressed.length,
        hash,
        etag: toEtag(hash),
      })
    } catch {
      onWarning(`${file.logicalPath} is not valid ${encoding} data; not served as ${encoding}`)
    }
  }
  return kept.sort((a, b) => (a.encoding === 'br' ? -1 : 0) - (b.encoding === 'br' ? -1 : 0))
}

/** The variants a manifest records for one asset, as the index serves them. */
export function toVariants(
  recorded: Readonly<Partial<Record<'br' | 'gzip', ManifestVariant>>> | undefined,
  root: string,
): EncodedVariant[] {
  const variants: EncodedVariant[] = []
  for (const encoding of ['br', 'gzip'] as const) {
    const variant = recorded?.[encoding]
    if (variant === undefined) continue
    variants.push({
      encoding,
      absolutePath: path.join(root, variant.file),
      size: variant.size,
      hash: variant.hash,
      etag: toEtag(variant.hash),
    })
  }
  return variants
}
