/**
 * The version-hash algorithm, the token and ETag derived from it, and the reads that feed it.
 * @module
 */
import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { open } from 'node:fs/promises'

/** Hash algorithm of the content hash. */
export const HASH_ALGORITHM = 'sha256'
/** Characters of the hex digest kept in a version token (64 bits). */
export const TOKEN_LENGTH = 16
/** Characters of the hex digest kept in an ETag (128 bits). */
const ETAG_LENGTH = 32
/** Read size for hashing; also the size of the reused scratch buffer. */
const CHUNK_BYTES = 256 * 1024

/** One-shot hashing (Node 20.12+): no Hash object per file. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash

/** SHA-256 of `bytes`, lowercase hex. */
export function hashContent(bytes: Uint8Array): string {
  return oneShot !== undefined
    ? oneShot(HASH_ALGORITHM, bytes, 'hex')
    : createHash(HASH_ALGORITHM).update(bytes).digest('hex')
}

/** The URL version token of a content hash: lowercase hex, so it survives case-insensitive file systems. */
export function toToken(hash: string): string {
  return hash.slice(0, TOKEN_LENGTH)
}

/** The strong ETag of a content hash: every process and machine sends the same tag for the same bytes. */
export function toEtag(hash: string): string {
  return `"${hash.slice(0, ETAG_LENGTH)}"`
}

/** A file's content hash and the metadata read from the same open descriptor. */
export interface HashedFile {
  readonly hash: string
  readonly stats: Stats
}

/** A scratch buffer to reuse across many {@link hashFileSync} calls. */
export function createScratch(): Buffer {
  return Buffer.allocUnsafe(CHUNK_BYTES)
}

/**
 * Hashes a file with synchronous reads into `scratch` (large files in chunks, never buffered whole).
 * Returns undefined when the path is not a regular file.
 */
export function hashFileSync(absolutePath: string, scratch: Buffer): HashedFile | undefined {
  const fd = openSync(absolutePath, 'r')
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) return undefined
    // Most files fit the scratch buffer: read the size fstat reported and hash it in one shot.
    if (stats.size <= scratch.length) {
      let filled = 0
      while (filled < stats.size) {
        const bytesRead = readSync(fd, scratch, filled, stats.size - filled, null)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      return { hash: hashContent(scratch.subarray(0, filled)), stats }
    }
    const hash = createHash(HASH_ALGORITHM)
    for (;;) {
      const bytesRead = readSync(fd, scratch, 0, scratch.length, null)
      if (bytesRead === 0) break
      hash.update(scratch.subarray(0, bytesRead))
    }
    return { hash: hash.digest('hex'), stats }
  } finally {
    closeSync(fd)
  }
}

/** The asynchronous form of {@link hashFileSync}, for refreshes inside a running server. */
export async function hashFile(absolutePath: string): Promise<HashedFile | undefined> {
  const handle = await open(absolutePath, 'r')
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) return undefined
    const hash = createHash(HASH_ALGORITHM)
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(stats.size, 1)))
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      hash.update(chunk.subarray(0, bytesRead))
    }
    return { hash: hash.digest('hex'), stats }
  } finally {
    await handle.close()
  }
}
