/**
 * Subresource Integrity values over the exact bytes an asset serves: what `integrity()`, the tags
 * and the manifest all carry. Bytes read from disk go through the identity-checked open and must
 * hash to what the asset says it serves, so an SRI value never describes other bytes.
 * @module
 */
import { createHash } from 'node:crypto'
import { closeSync, readSync } from 'node:fs'
import { HASH_ALGORITHM, hashContent } from '../hash.js'
import type { IntegrityAlgorithm } from '../types.js'
import { openInRootSync, type RootRule, readExactlySync } from './open-file.js'

/** What is served: rewritten bytes in memory, or a file that must hold `size` bytes hashing to `hash`. */
export interface ServedBytes {
  readonly body: Buffer | undefined
  readonly absolutePath: string
  readonly size: number
  /** SHA-256 (hex) of the bytes served. */
  readonly hash: string
}

/** Read size when the bytes come from the file. */
const CHUNK_BYTES = 256 * 1024

/**
 * The SRI value (`sha384-<base64>`) of what is served (identity encoding): its rewritten `body`
 * when it has one, else the file, read in chunks. Undefined when the file is not an allowed regular
 * file or no longer holds the bytes `hash` names (it changed since it was indexed).
 */
export function computeIntegrity(
  served: ServedBytes,
  algorithm: IntegrityAlgorithm,
  rule: RootRule,
): string | undefined {
  if (served.body !== undefined) return sri(algorithm, createHash(algorithm).update(served.body))
  const opened = safely(() => openInRootSync(served.absolutePath, rule))
  if (opened === undefined) return undefined
  try {
    if (opened.stats.size !== served.size) return undefined
    const integrity = createHash(algorithm)
    const content = createHash(HASH_ALGORITHM)
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, served.size + 1))
    let position = 0
    for (;;) {
      const chunk = readChunk(opened.fd, buffer, position)
      if (chunk === undefined) return undefined
      if (chunk.length === 0) break
      position += chunk.length
      if (position > served.size) return undefined
      integrity.update(chunk)
      content.update(chunk)
    }
    return position === served.size && content.digest('hex') === served.hash
      ? sri(algorithm, integrity)
      : undefined
  } finally {
    closeSync(opened.fd)
  }
}

/** The bytes served, read whole when they are not rewritten; undefined when the file no longer holds them. */
export function readServedBytes(served: ServedBytes, rule: RootRule): Buffer | undefined {
  if (served.body !== undefined) return served.body
  const opened = safely(() => openInRootSync(served.absolutePath, rule))
  if (opened === undefined) return undefined
  try {
    const bytes = opened.stats.size === served.size ? readExactlySync(opened.fd, served.size) : undefined
    return bytes !== undefined && hashContent(bytes) === served.hash ? bytes : undefined
  } finally {
    closeSync(opened.fd)
  }
}

function sri(algorithm: IntegrityAlgorithm, hash: ReturnType<typeof createHash>): string {
  return `${algorithm}-${hash.digest('base64')}`
}

function readChunk(fd: number, buffer: Buffer, position: number): Buffer | undefined {
  const bytesRead = safely(() => readSync(fd, buffer, 0, buffer.length, position))
  return bytesRead === undefined ? undefined : buffer.subarray(0, bytesRead)
}

function safely<T>(run: () => T): T | undefined {
  try {
    return run()
  } catch {
    return undefined
  }
}
