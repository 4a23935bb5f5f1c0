/**
 * A readable stream over a byte range of an open file that fails, rather than ends, unless the bytes
 * it read are the ones the index promised: a file that holds fewer bytes than promised fails at once,
 * and the last chunk is held back until the bytes are checked (the hash of a whole file, or fstat of
 * the handle for a range). Every consumer (a Node response, a web stream, Koa, Fastify) then aborts
 * the response instead of ending it, so no client or cache ever holds a complete response whose bytes
 * differ from its ETag.
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
  /** Called when the bytes read are not the promised ones (the file changed or shrank), before the stream fails. */
  readonly onChanged?: () => void
}

/** Bytes `start` to `end` (inclusive) of the file open on `handle`, which the stream closes. */
export class FileRangeStream extends Readable {
  readonly #handle: FileHandle
  readonly #end: number
  readonly #chunkBytes: number
  readonly #start: number
  readonly #check: SentBytesCheck
  readonly #hash: Hash | undefined
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
        this.#changed(`the file ended ${remaining} bytes early: it shrank while being sent`)
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
          this.#changed('the file changed while being sent')
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

  /** Fails the stream: the bytes on disk are not the ones the index promised. */
  #changed(message: string): void {
    this.#check.onChanged?.()
    this.destroy(new Error(message))
  }

  /**
   * A whole file: its bytes hash to the indexed hash (this also holds when a write and the index's
   * read fell within one tick of the file system's clock). A range: the handle still shows the
   * indexed size, inode and times; a write changes ctime before it changes a byte.
   */
  async #unchanged(): Promise<boolean> {
    if (this.#hash !== undefined) return this.#hash.digest('hex') === this.#check.hash
    return isSameFile(this.#check.identity, await this.#handle.stat())
  }
}
