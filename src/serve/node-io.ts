/**
 * Node I/O: a Node request → the core's request, a prepared response → a Node (or http2
 * compatibility) response. Shared by `handle()` and the Node-based adapters.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline, type Readable } from 'node:stream'
import type { StaticResponse } from '../http/plan.js'
import type { RequestInfo } from '../types.js'

/** A response ready to write: the plan with its body opened. */
export interface PreparedResponse {
  readonly status: number
  /** Header names are lowercase. */
  readonly headers: Record<string, string>
  /**
   * Bytes (small files, rewritten content, error text), a readable stream over an open file (large
   * files; it fails rather than ends early if the file shrinks while sent), or null (HEAD, 304).
   */
  readonly body: Buffer | Readable | null
  /** Bytes the body delivers. */
  readonly length: number
}

/** The request as the core sees it, read from a Node request (Express's `originalUrl` when mounted). */
export function toRequestInfo(req: IncomingMessage): RequestInfo {
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
  // A stream that fails (the file shrank, a read error) ends the connection: a body that disagrees
  // with Content-Length must never reach the client as if it were whole.
  pipeline(body, res, (error) => {
    if (error && !res.destroyed) res.destroy()
  })
}
