/**
 * A readable stream over a byte range of an open file that fails, rather than ends, unless the bytes
 * it read are the ones the index promised: a file that holds fewer bytes than promised fails at once,
 * and the last chunk is held back until the bytes are checked. Every consumer (a Node response, a web
 * stream, Koa, Fastify) then aborts the response instead of ending it, so no client or cache ever
 * holds a complete response whose bytes differ from its ETag.
 *
 * The check: fstat of the handle shows the indexed size, inode and times (every write changes ctime
 * before it changes a byte). That misses one case: a write within the same tick of the file system's
 * clock as the write before it, when the index read the file in between (same times, other bytes).
 * So a whole body is also hashed as it is read, until one has proved the file: its bytes hashed to
 * the indexed hash, fstat after the read still showed the indexed file, and its ctime was older than
 * SETTLED_MS when the read began. Any later write then sets a ctime at least that much newer, in
 * another tick, so fstat alone sees it, and the hash is not needed again for that file.
 * @module
 */
import { createHash, type Hash } from 'node:crypto'
import { read } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { HASH_ALGORITHM } from '../hash.js'
import { isSameFile } from '../root/open-file.js'
import type { FileIdentity } from '../types.js'

/** What the bytes sent must match before the last of them goes out. */
export interface SentBytesCheck {
  /** The file as the index recorded it: compared with fstat of the handle before the last chunk. */
  readonly identity: FileIdentity
  /** The content hash of the whole file, when the stream sends all of it: the bytes read must hash to it. */
  readonly hash: string | undefined
  /**
   * Called when the handle shows the indexed file but its bytes do not hash to the indexed hash: the
   * index read it within one clock tick of a write, and no stat will ever tell. (A file whose times
   * or size changed is noticed by the next open.)
   */
  readonly onStale?: (() => void) | undefined
  /** Called when a hashed body proved the file's bytes, and its times are settled (see the module). */
  readonly onProved?: (() => void) | undefined
}

/**
 * How old a file's ctime must be for fstat alone to see any later write: coarser than every file
 * system clock (a few ms on Linux before 6.13, 1 s on ext3 and HFS+, 2 s on FAT).
 */
const SETTLED_MS = 3000

/** Bytes `start` to `end` (inclusive) of the file open on `handle`, which the stream closes. */
export class FileRangeStream extends Readable {
  readonly #handle: FileHandle
  readonly #end: number
  readonly #chunkBytes: number
  readonly #start: number
  readonly #check: SentBytesCheck
  readonly #hash: Hash | undefined
  /** When the stream was made, the file just opened: the reads begin after it. */
  readonly #openedAt = Date.now()
  #position: number
  #reading = false

  constructor(handle: FileHandle, start: number, end: number, chunkBytes: number, check: SentBytesCheck) {
    super({ highWaterMark: chunkBytes })
    this.#handle = handle
    this.#start = start
    this.#position = start
    this.#end = end
    this.#chunkBytes = chunkBytes
    this.#check = check
    this.#hash = check.hash === undefined ? undefined : createHash(HASH_ALGORITHM)
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.#position - this.#start
  }

  override _read(): void {
    if (this.#reading) return
    const remaining = this.#end - this.#position + 1
    if (remaining <= 0) {
      this.push(null)
      return
    }
    this.#reading = true
    const chunk = Buffer.allocUnsafe(Math.min(this.#chunkBytes, remaining))
    read(this.#handle.fd, chunk, 0, chunk.length, this.#position, (error, bytesRead) => {
      this.#reading = false
      if (this.destroyed) return
      if (error) {
        this.destroy(error)
        return
      }
      if (bytesRead === 0) {
        this.destroy(new Error(`the file ended ${remaining} bytes early: it shrank while being sent`))
        return
      }
      this.#position += bytesRead
      const bytes = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead)
      this.#hash?.update(bytes)
      if (this.#position > this.#end) this.#pushLast(bytes)
      else this.push(bytes)
    })
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#handle.close().then(
      () => callback(error),
      () => callback(error),
    )
  }

  /** Pushes the last chunk and the end only if the bytes read are still the promised ones. */
  #pushLast(bytes: Buffer): void {
    this.#reading = true
    this.#unchanged().then(
      (unchanged) => {
        this.#reading = false
        if (this.destroyed) return
        if (!unchanged) {
          this.destroy(new Error('the file changed while being sent'))
          return
        }
        this.push(bytes)
        this.push(null)
      },
      (error: Error) => {
        this.#reading = false
        this.destroy(error)
      },
    )
  }

  /** The handle still shows the indexed file and, when hashed, the bytes read hash to the indexed hash. */
  async #unchanged(): Promise<boolean> {
    const { identity, hash } = this.#check
    const hashed = this.#hash?.digest('hex')
    if (!isSameFile(identity, await this.#handle.stat())) return false
    if (hashed !== undefined && hashed !== hash) {
      this.#check.onStale?.()
      return false
    }
    if (hashed !== undefined && identity.ctimeMs < this.#openedAt - SETTLED_MS) this.#check.onProved?.()
    return true
  }
}
