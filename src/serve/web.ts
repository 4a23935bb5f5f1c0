/**
 * Web-standard I/O: a Fetch API Request → the core's request, a prepared response → a Response.
 * Shared by `assets.fetch()` and the Hono adapter.
 * @module
 */
import { Readable } from 'node:stream'
import type { RequestInfo } from '../types.js'
import type { PreparedResponse } from './node-io.js'

/** The core's view of a Fetch API Request. */
export function toWebRequestInfo(request: Request): RequestInfo {
  const url = new URL(request.url)
  return {
    method: request.method,
    url: url.pathname + url.search,
    header: (name) => request.headers.get(name) ?? undefined,
  }
}

/** For a connection that closed before the response's turn: @hono/node-server writes nothing for it. */
export function abandonedResponse(): Response {
  return new Response(null, { headers: { 'x-hono-already-sent': 'true' } })
}

/** A Response with the prepared status, headers and body (file bodies as web streams). */
export function toWebResponse(prepared: PreparedResponse): Response {
  const { body } = prepared
  let webBody: Uint8Array | ReadableStream<Uint8Array> | null = null
  if (body !== null && prepared.status !== 304) {
    webBody = Buffer.isBuffer(body)
      ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
      : (Readable.toWeb(body) as ReadableStream<Uint8Array>)
  }
  return new Response(webBody as ConstructorParameters<typeof Response>[0], {
    status: prepared.status,
    headers: prepared.headers,
  })
}
