/**
 * Precompressed variants (`.br`, `.gz`) of an asset: checked against the bytes served when found on
 * disk, or taken from a manifest and checked when first read.
 * @module
 */
import { closeSync } from 'node:fs'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { hashContent, toEtag } from '../hash.js'
import { DELTA_ENCODINGS } from '../http/dictionary.js'
import { byPreference, ENCODINGS } from '../http/encoding.js'
import type { DeltaEncoding, EncodedVariant, Encoding, ManifestVariant, OnWarning } from '../types.js'
import { hashOpenFile } from './hash-file.js'
import {
  identityOf,
  isSameFile,
  openInRoot,
  openInRootSync,
  type RootRule,
  readExactlySync,
} from './open-file.js'
import type { VariantFile } from './scan.js'

/** The decompressor of each coding of the table in `http/encoding.ts`, stopping at `maxOutputLength`. */
const DECOMPRESS: Readonly<Record<Encoding, (compressed: Buffer, maxOutputLength: number) => Buffer>> = {
  br: (compressed, maxOutputLength) => brotliDecompressSync(compressed, { maxOutputLength }),
  gzip: (compressed, maxOutputLength) => gunzipSync(compressed, { maxOutputLength }),
}

/**
 * Keeps the variants whose decompressed bytes are exactly the bytes served (`servedSize` bytes
 * hashing to `servedHash`); warns about stale ones. Decompression stops one byte past the size
 * served, so a decompression bomb costs no more than the file it sits beside.
 */
export function checkVariants(
  candidates: readonly VariantFile[],
  served: { readonly hash: string; readonly size: number },
  rule: RootRule,
  onWarning: OnWarning,
): Array<EncodedVariant & { readonly encoding: Encoding }> {
  const kept: Array<EncodedVariant & { readonly encoding: Encoding }> = []
  for (const { encoding, file } of candidates) {
    const opened = safely(() => openInRootSync(file.absolutePath, rule))
    if (opened === undefined) continue
    try {
      const compressed = readExactlySync(opened.fd, opened.stats.size)
      if (compressed === undefined) continue
      const plain = safely(() => DECOMPRESS[encoding](compressed, Math.max(served.size, 1)))
      if (plain === undefined || plain.length !== served.size || hashContent(plain) !== served.hash) {
        onWarning(
          `${file.logicalPath} does not decompress to the file it sits beside (stale or not ${encoding}); not served as ${encoding}`,
          { kind: 'stale-variant', paths: [file.logicalPath] },
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
        identity: identityOf(opened.stats),
      })
    } finally {
      closeSync(opened.fd)
    }
  }
  return kept.sort(byPreference)
}

/** The variants a manifest records for one asset, not read yet. */
export function toVariants(
  recorded: Readonly<Partial<Record<Encoding, ManifestVariant>>> | undefined,
  root: string,
): EncodedVariant[] {
  const variants: EncodedVariant[] = []
  for (const encoding of ENCODINGS) {
    const variant = recorded?.[encoding]
    if (variant === undefined) continue
    variants.push(recordedVariant(encoding, variant, root))
  }
  return variants
}

/** The deltas a manifest records for one asset (dictionary hash → coding → file), not read yet. */
export function toDeltaVariants(
  recorded: Readonly<Record<string, Readonly<Partial<Record<DeltaEncoding, ManifestVariant>>>>> | undefined,
  root: string,
): EncodedVariant[] {
  const variants: EncodedVariant[] = []
  for (const [dictionary, byCoding] of Object.entries(recorded ?? {})) {
    for (const encoding of DELTA_ENCODINGS) {
      const variant = byCoding[encoding]
      if (variant === undefined) continue
      variants.push(recordedVariant(encoding, variant, root, dictionary))
    }
  }
  return variants
}

/** A variant or delta as the manifest records it: its file under `root`, not read yet. */
function recordedVariant(
  encoding: Encoding | DeltaEncoding,
  variant: ManifestVariant,
  root: string,
  dictionary?: string,
): EncodedVariant {
  return {
    encoding,
    ...(dictionary === undefined ? {} : { dictionary }),
    absolutePath: path.join(root, variant.file),
    size: variant.size,
    hash: variant.hash,
    etag: toEtag(variant.hash),
    identity: undefined,
  }
}

/**
 * The variants still true to disk: those already read whose file is unchanged, and those not read
 * yet (a manifest's) whose bytes hash to what the manifest recorded. The others are dropped.
 */
export async function recheckVariants(
  variants: readonly EncodedVariant[],
  rule: RootRule,
  onDropped: (variant: EncodedVariant) => void,
): Promise<EncodedVariant[]> {
  const kept: EncodedVariant[] = []
  for (const variant of variants) {
    const checked = await recheckVariant(variant, rule)
    if (checked === undefined) onDropped(variant)
    else kept.push(checked)
  }
  return kept
}

async function recheckVariant(variant: EncodedVariant, rule: RootRule): Promise<EncodedVariant | undefined> {
  const opened = await openInRoot(variant.absolutePath, rule)
  if (opened.kind !== 'file') return undefined
  try {
    if (variant.identity !== undefined)
      return isSameFile(variant.identity, opened.stats) ? variant : undefined
    if (opened.stats.size !== variant.size) return undefined
    const hash = await hashOpenFile(opened.handle, variant.size)
    return hash === variant.hash ? { ...variant, identity: identityOf(opened.stats) } : undefined
  } finally {
    await opened.handle.close()
  }
}

function safely<T>(run: () => T): T | undefined {
  try {
    return run()
  } catch {
    return undefined
  }
}
