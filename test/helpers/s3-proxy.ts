/**
 * A small HTTP proxy between a publisher and s3rver, on 127.0.0.1 and an ephemeral port, that can
 * (1) inject faults at random points, from a seed: connections dropped before the request reaches the
 * store or after the store applied it (the response is lost), and 500 / 503 answers; and (2) enforce
 * S3's conditional writes, which s3rver ignores: a PUT with `If-None-Match: *` gets 412 when the key
 * exists, one with `If-Match` gets 412 unless the key's ETag matches, decided by a HEAD to the store
 * just before the write is forwarded.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxyOptions {
  /** Probability (0–1) that a request meets a fault. @default 0 */
  faultRate?: number
  /** Seed of the fault sequence, so a failing run can be replayed. @default 1 */
  seed?: number
  /** Enforce If-None-Match: * and If-Match on PUT. @default false */
  conditional?: boolean
  /** Which faults to draw from. @default all four */
  faultKinds?: readonly Fault[]
  /** Called before a request is checked and forwarded; may act on the store first. */
  beforeForward?: (method: string, key: string) => Promise<void> | void
}

export type Fault = 'drop-before' | 'drop-after' | 'status-500' | 'status-503'

export interface S3Proxy {
  readonly endpoint: string
  /** Faults injected so far, by kind. */
  readonly faults: Record<Fault, number>
  /** Writes refused with 412 by the conditional check. */
  readonly refused: string[]
  /** Changes the fault rate for the requests that follow. */
  setFaultRate(rate: number): void
  close(): Promise<void>
}

const FAULTS: readonly Fault[] = ['drop-before', 'drop-after', 'status-500', 'status-503']

export async function startS3Proxy(upstream: string, options: ProxyOptions = {}): Promise<S3Proxy> {
  const target = new URL(upstream)
  let rate = options.faultRate ?? 0
  const random = mulberry32(options.seed ?? 1)
  const faults: Record<Fault, number> = {
    'drop-before': 0,
    'drop-after': 0,
    'status-500': 0,
    'status-503': 0,
  }
  const refused: string[] = []

  const forward = (
    method: string,
    url: string,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        { host: target.hostname, port: target.port, method, path: url, headers, agent: false },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          )
          response.on('error', reject)
        },
      )
      request.on('error', reject)
      request.end(body)
    })

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer)
    } catch {
      // The client gave up on the request (a publish aborted mid-upload): nothing to forward.
      req.socket.destroy()
      return
    }
    const body = Buffer.concat(chunks)
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    const key = decodeURIComponent(new URL(url, 'http://proxy').pathname.split('/').slice(2).join('/'))
    try {
      const kinds = options.faultKinds ?? FAULTS
      const fault = rate > 0 && random() < rate ? kinds[Math.floor(random() * kinds.length)] : undefined
      if (fault === 'drop-before') {
        faults[fault]++
        req.socket.destroy()
        return
      }
      if (fault === 'status-500' || fault === 'status-503') {
        faults[fault]++
        const status = fault === 'status-500' ? 500 : 503
        const code = status === 500 ? 'InternalError' : 'SlowDown'
        res.writeHead(status, { 'content-type': 'application/xml' })
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
        )
        return
      }
      await options.beforeForward?.(method, key)
      if (options.conditional === true && method === 'PUT') {
        const ifNoneMatch = req.headers['if-none-match']
        const ifMatch = req.headers['if-match']
        if (ifNoneMatch !== undefined || ifMatch !== undefined) {
          const head = await forward(
            'HEAD',
            url.split('?')[0] ?? url,
            { host: req.headers.host ?? '' },
            Buffer.alloc(0),
          )
          const exists = head.status === 200
          const fails =
            (ifNoneMatch === '*' && exists) ||
            (ifMatch !== undefined && (!exists || head.headers.etag !== ifMatch))
          if (fails) {
            refused.push(key)
            res.writeHead(412, { 'content-type': 'application/xml' })
            res.end(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
            )
            return
          }
        }
      }
      const answer = await forward(method, url, req.headers, body)
      if (fault === 'drop-after') {
        // The store applied the request; the client never hears of it.
        faults[fault]++
        req.socket.destroy()
        return
      }
      res.writeHead(answer.status, answer.headers)
      res.end(answer.body)
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    refused,
    setFaultRate(next) {
      rate = next
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A small seeded generator of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}
