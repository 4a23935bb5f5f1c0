import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'
import { describeAdapter, type Requester } from '../helpers/adapter-contract.js'
import { selfSignedCertificate } from '../helpers/tls.js'

describeAdapter('node:http2 (compatibility API, TLS)', async (assets) => {
  const credentials = selfSignedCertificate()
  const server = http2.createSecureServer(credentials, (req, res) =>
    assets.handle(req as never, res as never, () => {
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
      const headers: Record<string, string> = {}
      stream.on('response', (received) => {
        status = Number(received[':status'])
        for (const [name, value] of Object.entries(received)) {
          if (!name.startsWith(':') && value !== undefined)
            headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
        }
      })
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks) }))
      stream.on('error', reject)
      stream.end()
    })
  return { url, request }
})
