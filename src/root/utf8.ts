/**
 * Whether bytes are UTF-8 text, for whole buffers and for files read in chunks: what decides
 * `charset=utf-8` on a text type.
 * @module
 */
import { isUtf8 } from 'node:buffer'

/** True when `bytes` are UTF-8 text: valid UTF-8, or declared so by a leading byte order mark. */
export function isUtf8Text(bytes: Uint8Array): boolean {
  return startsWithBom(bytes) || isUtf8(bytes)
}

/** A check fed chunk by chunk (a large file hashed in pieces); `end()` gives the answer for all of them. */
export interface Utf8Check {
  update(chunk: Uint8Array): void
  /** The answer {@link isUtf8Text} would give for the chunks joined. */
  end(): boolean
}

/**
 * An incremental {@link isUtf8Text}. Each chunk is validated where it stands; a code point split
 * across two chunks (at most 3 bytes) is carried over and checked on its own.
 */
export function createUtf8Check(): Utf8Check {
  const head = new Uint8Array(BOM.length)
  let headLength = 0
  let valid = true
  const pending = new Uint8Array(4)
  let pendingLength = 0

  return {
    update(chunk) {
      for (let index = 0; headLength < head.length && index < chunk.length; index++) {
        head[headLength++] = chunk[index] as number
      }
      if (!valid) return
      let start = 0
      if (pendingLength > 0) {
        const length = sequenceLength(pending[0] as number)
        const taken = Math.min(length - pendingLength, chunk.length)
        pending.set(chunk.subarray(0, taken), pendingLength)
        pendingLength += taken
        start = taken
        if (pendingLength < length) return
        pendingLength = 0
        if (!isUtf8(pending.subarray(0, length))) {
          valid = false
          return
        }
      }
      const end = completeEnd(chunk, start)
      if (!isUtf8(chunk.subarray(start, end))) {
        valid = false
        return
      }
      pending.set(chunk.subarray(end), 0)
      pendingLength = chunk.length - end
    },
    end() {
      return startsWithBom(head.subarray(0, headLength)) || (valid && pendingLength === 0)
    },
  }
}

// --- internal ---

const BOM = [0xef, 0xbb, 0xbf] as const

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]
}

/** Bytes in the sequence a lead byte starts: 1 to 4, or 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead >= 0xc2 && lead <= 0xdf) return 2
  if (lead >= 0xe0 && lead <= 0xef) return 3
  if (lead >= 0xf0 && lead <= 0xf4) return 4
  return 0
}

/** Where the last complete code point of `chunk` ends: before a sequence the next chunk must finish. */
function completeEnd(chunk: Uint8Array, start: number): number {
  // A sequence is at most 4 bytes: look back over at most 3 continuation bytes for its lead.
  let lead = chunk.length - 1
  while (lead >= start && lead > chunk.length - 4 && ((chunk[lead] as number) & 0xc0) === 0x80) lead--
  if (lead < start) return chunk.length
  const length = sequenceLength(chunk[lead] as number)
  return length > 1 && lead + length > chunk.length ? lead : chunk.length
}
