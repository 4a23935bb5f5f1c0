/**
 * The reads that feed the version hash: a file open on a descriptor or handle, hashed in chunks
 * into a reused scratch buffer, with a check that it still has the size fstat gave.
 * @module
 */
import { createHash } from 'node:crypto'
import { readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { HASH_ALGORITHM, hashContent } from '../hash.js'
import type { Utf8Check } from './utf8.js'

/** Read size for hashing; also the size of the reused scratch buffer. */
const CHUNK_BYTES = 256 * 1024

/** A scratch buffer to reuse across many {@link hashOpenFileSync} calls. */
export function createScratch(): Buffer {
  return Buffer.allocUnsafe(CHUNK_BYTES)
}

/**
 * Hashes the file open on `fd`, which fstat said is `size` bytes, with synchronous reads into
 * `scratch` (large files in chunks, never buffered whole). Returns undefined when the file no longer
 * has exactly `size` bytes: it changed while being read. The same reads feed `utf8`, when given.
 */
export function hashOpenFileSync(
  fd: number,
  size: number,
  scratch: Buffer,
  utf8?: Utf8Check,
): string | undefined {
  // Most files fit the scratch buffer: read them and hash in one shot.
  if (size < scratch.length) {
    const bytes = readWholeSync(fd, size, scratch)
    if (bytes === undefined) return undefined
    utf8?.update(bytes)
    return hashContent(bytes)
  }
  const hash = createHash(HASH_ALGORITHM)
  let total = 0
  for (;;) {
    const bytesRead = readSync(fd, scratch, 0, scratch.length, total)
    if (bytesRead === 0) break
    total += bytesRead
    if (total > size) return undefined
    hash.update(scratch.subarray(0, bytesRead))
    utf8?.update(scratch.subarray(0, bytesRead))
  }
  return total === size ? hash.digest('hex') : undefined
}

/**
 * The whole file open on `fd`, which fstat said is `size` bytes: exactly that many, or undefined when
 * the file is shorter or longer now (it changed while being read). The bytes are a view of `scratch`
 * when they fit in it (valid until its next use), else a buffer of their own.
 */
export function readWholeSync(fd: number, size: number, scratch: Buffer): Buffer | undefined {
  const target = size < scratch.length ? scratch : Buffer.allocUnsafe(size + 1)
  let filled = 0
  while (filled <= size) {
    const bytesRead = readSync(fd, target, filled, size + 1 - filled, filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled === size ? target.subarray(0, size) : undefined
}

/** The asynchronous form of {@link hashOpenFileSync}, for refreshes inside a running server. */
export async function hashOpenFile(
  handle: FileHandle,
  size: number,
  utf8?: Utf8Check,
): Promise<string | undefined> {
  const hash = createHash(HASH_ALGORITHM)
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size + 1))
  let total = 0
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, total)
    if (bytesRead === 0) break
    total += bytesRead
    if (total > size) return undefined
    hash.update(chunk.subarray(0, bytesRead))
    utf8?.update(chunk.subarray(0, bytesRead))
  }
  return total === size ? hash.digest('hex') : undefined
}
