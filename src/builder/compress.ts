/**
 * Precompressed variants: Brotli and gzip with fixed parameters, so the same bytes always give the
 * same output (no timestamps, no file names in gzip headers).
 * @module
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Encoding } from '../types.js'

/** Smallest file worth compressing, in bytes. */
export const MIN_COMPRESS_BYTES = 1024
/** A variant is kept only when it is at most this fraction of the original. */
const MAX_COMPRESSED_RATIO = 0.95

/** The compressor of each coding of the table in `http/encoding.ts`. */
const COMPRESS: Readonly<Record<Encoding, (bytes: Uint8Array) => Buffer>> = {
  br: (bytes) =>
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  gzip: (bytes) => gzipSync(bytes, { level: 9 }), // Node writes mtime 0 and no name
}

/** Compresses `bytes` with `encoding`, deterministically. */
export function compress(bytes: Uint8Array, encoding: Encoding): Buffer {
  return COMPRESS[encoding](bytes)
}

/** True when a variant of `compressedSize` is clearly smaller than `originalSize`. */
export function isWorthKeeping(compressedSize: number, originalSize: number): boolean {
  return compressedSize <= originalSize * MAX_COMPRESSED_RATIO
}
