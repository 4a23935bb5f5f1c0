/**
 * openBody(): a planned file body → bytes from memory or a read stream over an open descriptor,
 * with the checks that keep the bytes true to the headers. Shared by the Node-based adapters.
 * @module
 */
import { createReadStream, type ReadStream } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream'
import { hashContent } from '../hash.js'
import type { FileBody, StaticResponse } from '../http/plan.js'
import type { BodyCache } from './body-cache.js'

/** The outcome of opening a planned body. */
export type OpenedBody =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'stream'; readonly stream: ReadStream; readonly length: number }
  /** The file is gone (ENOENT, ENOTDIR, ENAMETOOLONG): answer as if it were never there. */
  | { readonly kind: 'gone' }
  /** The file on disk no longer matches the indexed asset: refresh the index and plan again. */
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
  /** Compare a streamed file's mtime with the indexed one (not for manifests, which record no mtimes). */
  readonly checkMtime: boolean
  readonly streamChunkBytes: number
}

/** Files up to this size are read whole even when the cache is full: one read beats a stream. */
const SMALL_FILE_BYTES = 64 * 1024
const GONE_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR'])
const BUSY_CODES = new Set(['EMFILE', 'ENFILE'])

/** The bytes of `body` when they are already in memory (rewritten content, or a cached small file). */
export function bodyInMemory(body: FileBody, source: BodySource): Buffer | undefined {
  const { asset, variant } = body
  const bytes =
    variant === undefined && asset.body !== undefined
      ? asset.body
      : source.cache.get(asset, variant?.encoding ?? 'identity')
  if (bytes === undefined) return undefined
  return body.start === 0 && body.end === bytes.length - 1 ? bytes : bytes.subarray(body.start, body.end + 1)
}

/** Opens what `body` names. Never throws: every failure is a typed outcome. */
export async function openBody(body: FileBody, source: BodySource): Promise<OpenedBody> {
  const { asset, variant } = body
  // Rewritten content lives in the asset itself.
  if (variant === undefined && asset.body !== undefined) {
    return { kind: 'bytes', bytes: asset.body.subarray(body.start, body.end + 1) }
  }
  const file = variant ?? asset
  try {
    const encoding = variant?.encoding ?? 'identity'
    const cached = source.cache.get(asset, encoding)
    // Read whole: small files always (cheaper than a stream), larger ones while the cache can keep them.
    if (
      cached !== undefined ||
      file.size <= SMALL_FILE_BYTES ||
      (file.size <= source.memoryMaxFileSize && source.cache.fits(file.size))
    ) {
      let bytes = cached
      if (bytes === undefined) {
        bytes = await readFile(file.absolutePath)
        if (bytes.length !== file.size || (source.verifyHash && hashContent(bytes) !== file.hash)) {
          return { kind: 'changed' }
        }
        source.cache.add(asset, encoding, bytes)
      }
      return { kind: 'bytes', bytes: bytes.subarray(body.start, body.end + 1) }
    }
    const handle = await open(file.absolutePath, 'r')
    try {
      const stats = await handle.stat()
      const mtimeChanged = source.checkMtime && variant === undefined && stats.mtimeMs !== asset.mtimeMs
      if (stats.size !== file.size || mtimeChanged) {
        await handle.close()
        return { kind: 'changed' }
      }
    } catch (error) {
      await handle.close().catch(() => undefined)
      throw error
    }
    const stream = createReadStream('', {
      fd: handle,
      start: body.start,
      end: body.end,
      highWaterMark: source.streamChunkBytes,
      autoClose: true,
    })
    return { kind: 'stream', stream, length: body.end - body.start + 1 }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (GONE_CODES.has(code)) return { kind: 'gone' }
    if (BUSY_CODES.has(code)) return { kind: 'busy' }
    return { kind: 'error', error: error as Error }
  }
}

/** A response ready to write: the plan with its body opened. */
export interface PreparedResponse {
  readonly status: number
  /** Header names are lowercase. */
  readonly headers: Record<string, string>
  /** Bytes (small files, rewritten content, error text), a read stream (large files), or null (HEAD, 304). */
  readonly body: Buffer | ReadStream | null
  /** Bytes the body delivers; a stream that ends short means the file shrank while it was sent. */
  readonly length: number
}

/** The request as the core sees it, read from a Node request (Express's `originalUrl` when mounted). */
export function toRequestInfo(req: IncomingMessage): {
  method: string
  url: string
  header: (name: string) => string | undefined
} {
  const headers = req.headers
  return {
    method: req.method ?? 'GET',
    url: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/',
    header: (name) => {
      const value = headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    },
  }
}

/** A plan whose body needs no opening (errors, redirects, HEAD, 304). */
export function toPrepared(plan: StaticResponse): PreparedResponse {
  const body = typeof plan.body === 'string' ? Buffer.from(plan.body) : null
  return { status: plan.status, headers: plan.headers, body, length: body?.length ?? 0 }
}

/** Writes a prepared response to a Node (or http2 compatibility) response. */
export function writeNodeResponse(res: ServerResponse, prepared: PreparedResponse): void {
  const { body } = prepared
  if (res.destroyed || res.headersSent) {
    // Nothing can be sent: release the file (a stream owns its descriptor) and the connection.
    if (body !== null && !Buffer.isBuffer(body)) body.destroy()
    if (!res.destroyed) res.destroy()
    return
  }
  res.writeHead(prepared.status, prepared.headers)
  if (body === null || Buffer.isBuffer(body)) {
    res.end(body ?? undefined)
    return
  }
  // A file that shrank while streaming would leave the client waiting for bytes promised by
  // Content-Length: end the connection instead of sending a body that disagrees with the headers.
  body.once('end', () => {
    if (body.bytesRead !== prepared.length) res.destroy()
  })
  pipeline(body, res, (error) => {
    if (error && !res.destroyed) res.destroy()
  })
}
