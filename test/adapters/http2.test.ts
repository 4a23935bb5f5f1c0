import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'
import { describeAdapter, type Requester } from '../helpers/adapter-contract.js'
import type { Informational } from '../helpers/http.js'
import { selfSignedCertificate } from '../helpers/tls.js'

/** The headers of an HTTP/2 HEADERS frame without its pseudo-headers. */
function plainHeaders(received: http2.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(received)) {
    if (!name.startsWith(':') && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return headers
}

describeAdapter(
  'node:http2 (compatibility API, TLS)',
  async (assets, options) => {
    const credentials = selfSignedCertificate()
    const server = http2.createSecureServer(credentials, (req, res) =>
      assets.handle(req as never, res as never, () => {
        // The app hints the page it renders, as an app over node:http2 would.
        if (options?.earlyHints !== undefined) assets.earlyHints(res, options.earlyHints)
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('app 404')
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    const session = http2.connect(url, { ca: credentials.cert, rejectUnauthorized: false })
    onTestFinished(async () => {
      session.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const request: Requester = (target, options = {}) =>
      new Promise((resolve, reject) => {
        const stream = session.request({
          ':method': options.method ?? 'GET',
          ':path': target,
          ...options.headers,
        })
        const chunks: Buffer[] = []
        let status = 0
        let headers: Record<string, string> = {}
        const informational: Informational[] = []
        stream.on('headers', (received) => {
          informational.push({ status: Number(received[':status']), headers: plainHeaders(received) })
        })
        stream.on('response', (received) => {
          status = Number(received[':status'])
          headers = plainHeaders(received)
        })
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks), informational }))
        stream.on('error', reject)
        stream.end()
      })
    return { url, request }
  },
  { hints: 'informational', http2: true },
)
