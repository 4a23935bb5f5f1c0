/**
 * The version-hash algorithm and the token and ETag derived from it (no I/O; the reads that feed
 * it are in root/hash-file.ts).
 * @module
 */
import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'

/** Hash algorithm of the content hash. */
export const HASH_ALGORITHM = 'sha256'
/** Characters of the hex digest kept in a version token (64 bits). */
export const TOKEN_LENGTH = 16
/** Characters of the hex digest kept in an ETag (128 bits). */
const ETAG_LENGTH = 32

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
