/**
 * Subresource Integrity values over the exact bytes an asset serves: what `integrity()`, the tags
 * and the manifest all carry.
 * @module
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import type { IntegrityAlgorithm } from '../types.js'

/** Read size when the bytes come from the file. */
const CHUNK_BYTES = 256 * 1024

/**
 * The SRI value (`sha384-<base64>`) of what a file serves (identity encoding): its rewritten `body`
 * when it has one, else the file, read in chunks.
 */
export function computeIntegrity(
  served: { readonly body: Buffer | undefined; readonly absolutePath: string },
  algorithm: IntegrityAlgorithm,
): string {
  const hash = createHash(algorithm)
  if (served.body !== undefined) {
    hash.update(served.body)
  } else {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
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
