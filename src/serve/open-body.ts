/**
 * openBody(): a planned file body → bytes from memory or a stream over an open descriptor. The file
 * is opened as the index recorded it (same device, inode, size and times, checked on the handle),
 * read within its recorded size, and concurrent first reads of one file share one read.
 * @module
 */

import { hashContent } from '../hash.js'
import { variantKey } from '../http/dictionary.js'
import type { FileBody } from '../http/plan.js'
import { openIndexed, readExactly } from '../root/open-file.js'
import type { Asset, EncodedVariant } from '../types.js'
import type { BodyCache } from './body-cache.js'
import { FileRangeStream } from './file-stream.js'

/** The outcome of opening a planned body. */
export type OpenedBody =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'stream'; readonly stream: FileRangeStream; readonly length: number }
  /** Nothing servable is at the path any more (missing, not a regular file): refresh, then plan again. */
  | { readonly kind: 'gone' }
  /** The file on disk is not the one indexed: refresh the index and plan again. */
  | { readonly kind: 'changed' }
  /** Out of file descriptors (EMFILE, ENFILE): 503 with Retry-After. */
  | { readonly kind: 'busy' }
  | { readonly kind: 'error'; readonly error: Error }

/** How bodies are read. */
export interface BodySource {
  readonly cache: BodyCache
  readonly memoryMaxFileSize: number
  /** Compare bytes read into memory with the indexed hash (production); dev mode hashed them just now. */
  readonly verifyHash: boolean
  readonly streamChunkBytes: number
  /** Reads in flight, so concurrent first requests for one file share one read. */
  readonly reading: Map<string, { readonly file: Asset | EncodedVariant; readonly read: Promise<OpenedBody> }>
  /**
   * Files whose bytes a whole streamed body proved (see SentBytesCheck.onProved): their later bodies
   * are checked with fstat alone.
   */
  readonly proved: WeakSet<Asset | EncodedVariant>
}

/** Files up to this size are read whole even when the cache is full: one read beats a stream. */
const SMALL_FILE_BYTES = 64 * 1024

/** A body source with an empty cache of `budgetBytes`. */
export function createBodySource(
  cache: BodyCache,
  options: { memoryMaxFileSize: number; verifyHash: boolean; streamChunkBytes: number },
): BodySource {
  return { cache, ...options, reading: new Map(), proved: new WeakSet() }
}

/** The bytes of `body` when they are already in memory (rewritten content, or a cached small file). */
export function bodyInMemory(body: FileBody, source: BodySource): Buffer | undefined {
  const { asset, variant } = body
  const bytes =
    variant === undefined && asset.body !== undefined
      ? asset.body
      : source.cache.get(asset, variantKey(variant))
  if (bytes === undefined) return undefined
  return body.start === 0 && body.end === bytes.length - 1 ? bytes : bytes.subarray(body.start, body.end + 1)
}

/**
 * Opens what `body` names. Never throws: every failure is a typed outcome. `onStale` is called when a
 * stream finds, as it sends, the indexed file (same identity) holding other bytes than indexed.
 */
export async function openBody(
  body: FileBody,
  source: BodySource,
  onStale?: () => void,
): Promise<OpenedBody> {
  const inMemory = bodyInMemory(body, source)
  if (inMemory !== undefined) return { kind: 'bytes', bytes: inMemory }
  const { asset, variant } = body
  const file = variant ?? asset
  // Read whole: small files always (cheaper than a stream), larger ones while the cache can keep them.
  if (
    file.size <= SMALL_FILE_BYTES ||
    (file.size <= source.memoryMaxFileSize && source.cache.fits(file.size))
  ) {
    const whole = await readShared(asset, variant, source)
    if (whole.kind !== 'bytes') return whole
    return { kind: 'bytes', bytes: whole.bytes.subarray(body.start, body.end + 1) }
  }
  if (file.identity === undefined) return { kind: 'changed' }
  const opened = await openIndexed(file.absolutePath, file.identity)
  if (opened.kind !== 'file') return opened
  // A whole body is hashed as it is sent until one has proved the file's bytes; the others, and
  // every range, are checked with fstat of the handle.
  const hashed = body.start === 0 && body.end === file.size - 1 && !source.proved.has(file)
  const stream = new FileRangeStream(opened.handle, body.start, body.end, source.streamChunkBytes, {
    identity: file.identity,
    hash: hashed ? file.hash : undefined,
    onStale,
    onProved: hashed ? () => source.proved.add(file) : undefined,
  })
  return { kind: 'stream', stream, length: body.end - body.start + 1 }
}

// --- internal ---

/** One read of a whole file into memory at a time, shared by every request that waits for it. */
function readShared(
  asset: Asset,
  variant: EncodedVariant | undefined,
  source: BodySource,
): Promise<OpenedBody> {
  const encoding = variantKey(variant)
  const file = variant ?? asset
  const key = `${asset.logicalPath}\0${encoding}`
  const inFlight = source.reading.get(key)
  if (inFlight !== undefined && inFlight.file === file) return inFlight.read
  const read = readWhole(file, source).then((opened) => {
    if (source.reading.get(key)?.read === read) source.reading.delete(key)
    if (opened.kind === 'bytes') source.cache.add(asset, encoding, opened.bytes)
    return opened
  })
  source.reading.set(key, { file, read })
  return read
}

async function readWhole(file: Asset | EncodedVariant, source: BodySource): Promise<OpenedBody> {
  if (file.identity === undefined) return { kind: 'changed' }
  const opened = await openIndexed(file.absolutePath, file.identity)
  if (opened.kind !== 'file') return opened
  const { handle } = opened
  try {
    const exact = await readExactly(handle, file.size)
    if (exact === undefined) return { kind: 'changed' }
    if (source.verifyHash && hashContent(exact) !== file.hash) return { kind: 'changed' }
    return { kind: 'bytes', bytes: exact }
  } catch (error) {
    return { kind: 'error', error: error as Error }
  } finally {
    await handle.close().catch(() => undefined)
  }
}
