/**
 * A readable stream over a byte range of an open file that fails, rather than ends, when the file
 * holds fewer bytes than promised: every consumer (a Node response, a web stream, Koa, Fastify)
 * then aborts the response instead of sending a short body under a longer Content-Length.
 * @module
 */
import { read } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'

/** Bytes `start` to `end` (inclusive) of the file open on `handle`, which the stream closes. */
export class FileRangeStream extends Readable {
  readonly #handle: FileHandle
  readonly #end: number
  readonly #chunkBytes: number
  readonly #start: number
  #position: number
  #reading = false

  constructor(handle: FileHandle, start: number, end: number, chunkBytes: number) {
    super({ highWaterMark: chunkBytes })
    this.#handle = handle
    this.#start = start
    this.#position = start
    this.#end = end
    this.#chunkBytes = chunkBytes
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
      this.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead))
    })
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#handle.close().then(
      () => callback(error),
      () => callback(error),
    )
  }
}
