import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, onTestFinished } from 'vitest'

/** A server listening on 127.0.0.1 on an ephemeral port, closed when the test finishes. */
export interface Listening {
  readonly url: string
  readonly server: http.Server
}

export async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server }
}

/** A 1xx response received before the final one (a 103 Early Hints). */
export interface Informational {
  readonly status: number
  readonly headers: Record<string, string>
}

/** A response read in full over a real socket. */
export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** The 1xx responses before it, in order (set by the requesters that see them). */
  readonly informational?: readonly Informational[]
}

/**
 * Sends one request with node:http (the path goes on the wire exactly as given, unlike fetch,
 * which normalises `..` and escapes).
 */
export function request(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(base)
  const informational: Informational[] = []
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), informational })
        })
        res.on('error', reject)
      },
    )
    req.on('information', (info) => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(info.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      informational.push({ status: info.statusCode, headers })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Headers that differ between two otherwise identical responses. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'expires'])

/**
 * GET and HEAD the same path with the same headers; asserts HEAD has GET's status and headers and
 * no body, and returns the GET response.
 */
export async function getAndHead(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const get = await request(base, path, { headers })
  const head = await request(base, path, { method: 'HEAD', headers })
  expect(head.status).toBe(get.status)
  expect(withoutVolatile(head.headers)).toEqual(withoutVolatile(get.headers))
  expect(head.body.length).toBe(0)
  return get
}

export function withoutVolatile(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !VOLATILE.has(name)))
}
