import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createStatic } from '../../src/index.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'

/** A handle() server that accepts headers up to 4 MiB, so oversized fields reach vstatic. */
async function bigHeaderServer(): Promise<string> {
  const assets = await createStatic({ root: PUBLIC_ROOT })
  const server = http.createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => assets.handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Sends bytes as they are (duplicated headers, odd methods) and reads the status line. */
function raw(url: string, text: string): Promise<string> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed client would have its connection closed before a slower answer.
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text))
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.on('end', () => resolve(received))
    socket.on('error', reject)
  })
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)

describe('header abuse: the right status, bounded work, and the process stays up', () => {
  it.each([
    [
      'hundreds of disjoint ranges',
      `bytes=${Array.from({ length: 400 }, (_, i) => `${i * 4}-${i * 4 + 1}`).join(',')}`,
      200,
    ],
    [
      'hundreds of overlapping ranges',
      `bytes=${Array.from({ length: 90 }, (_, i) => `${i}-${i + 10}`).join(',')}`,
      206,
    ],
    ['a reversed range', 'bytes=50-10', 200],
    ['huge numbers', 'bytes=0-99999999999999999999999999999999', 206],
    ['a huge start', 'bytes=99999999999999999999999-', 416],
    ['negative garbage', 'bytes=-1-2', 200],
    ['another unit', 'pages=1-2', 200],
    ['a megabyte of commas', `bytes=${','.repeat(1_000_000)}0-1`, 200],
  ])('%s', async (_name, range, status) => {
    const url = await bigHeaderServer()
    expect((await request(url, '/static/img/large.bin', { headers: { range } })).status).toBe(status)
    expect((await request(url, '/static/robots.txt')).status).toBe(200)
  })

  it('a megabyte-long If-None-Match list is scanned once (304 when the tag is last, 200 otherwise)', async () => {
    const url = await bigHeaderServer()
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const etag = assets.get('robots.txt')?.etag ?? ''
    const filler = '"x", W/"y", '.repeat(90_000)
    expect(filler.length).toBeGreaterThan(1_000_000)
    expect(
      (await request(url, '/static/robots.txt', { headers: { 'if-none-match': filler + etag } })).status,
    ).toBe(304)
    expect((await request(url, '/static/robots.txt', { headers: { 'if-none-match': filler } })).status).toBe(
      200,
    )
    expect((await request(url, '/static/robots.txt', { headers: { 'if-match': filler } })).status).toBe(412)
  })

  it.each([
    ['If-Modified-Since', 'if-modified-since', 200],
    ['If-Unmodified-Since', 'if-unmodified-since', 200],
    ['If-Range', 'if-range', 200],
  ])('malformed dates in %s are ignored', async (_name, header, status) => {
    const url = await bigHeaderServer()
    for (const value of [
      'yesterday',
      'Sun, 32 Nov 2026 25:61:61 GMT',
      '0',
      '-1',
      'x'.repeat(100_000),
      '\u00ff\u00fe',
    ]) {
      const headers: Record<string, string> = { [header]: value }
      if (header === 'if-range') headers.range = 'bytes=0-1'
      expect((await request(url, '/static/robots.txt', { headers })).status, value.slice(0, 20)).toBe(status)
    }
  })

  it('duplicated headers are combined as a list, as RFC 9110 §5.3 says', async () => {
    const url = await bigHeaderServer()
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const etag = assets.get('robots.txt')?.etag ?? ''
    const duplicateTags = `GET /static/robots.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "nope"\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`
    expect(statusOf(await raw(url, duplicateTags))).toBe(304)
    const duplicateRanges =
      'GET /static/robots.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=5-6\r\nConnection: close\r\n\r\n'
    expect(statusOf(await raw(url, duplicateRanges))).toBe(200)
    const duplicateDates = `GET /static/robots.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: nonsense\r\nIf-Modified-Since: ${assets.get('robots.txt')?.lastModified}\r\nConnection: close\r\n\r\n`
    expect([200, 304]).toContain(statusOf(await raw(url, duplicateDates)))
  })

  it.each(['FOO', 'PROPFIND', 'TRACE', 'CONNECT-ME', 'DELETE'])(
    'unknown or unsupported method %s → 405 or 400, never a crash',
    async (method) => {
      const url = await bigHeaderServer()
      const response = await raw(
        url,
        `${method} /static/robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      )
      expect([400, 405]).toContain(statusOf(response))
      expect((await request(url, '/static/robots.txt')).status).toBe(200)
    },
  )

  it('a request line near and past the header limit gets 404 or 431, and the server keeps serving', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const server = http.createServer((req, res) => assets.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const near = `/static/${'a'.repeat(16_000)}`
    const past = `/static/${'a/'.repeat(20_000)}`
    expect((await request(url, near)).status).toBe(404)
    expect(statusOf(await raw(url, `GET ${past} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))).toBe(431)
    expect((await request(url, '/static/robots.txt')).status).toBe(200)
  })
})
