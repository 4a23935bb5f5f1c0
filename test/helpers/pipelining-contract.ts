import { readdirSync } from 'node:fs'
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { MAX_WAITING } from '../../src/serve/turn.js'
import type { Mount } from './adapter-contract.js'
import { useTempRoot } from './fixtures.js'
import { request } from './http.js'

/** Descriptors this process holds: the servers under test run in it, so theirs are counted. */
const openDescriptors = () => readdirSync('/proc/self/fd').length

/** Above the in-memory limits (streamed from an open descriptor), and more than loopback buffers hold. */
const BIG = Buffer.alloc(3 * 1024 * 1024, 'P')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Samples the descriptors every 20 ms for `ms`; resolves with the highest count. */
async function peakDescriptors(ms: number): Promise<number> {
  let peak = openDescriptors()
  for (let waited = 0; waited < ms; waited += 20) {
    await sleep(20)
    peak = Math.max(peak, openDescriptors())
  }
  return peak
}

/** Polls (up to 2 s) until the descriptors are down to `count`; resolves with the last count. */
async function settleTo(count: number): Promise<number> {
  let now = openDescriptors()
  for (let tries = 0; tries < 100 && now > count; tries++) {
    await sleep(20)
    now = openDescriptors()
  }
  return now
}

/** A client that writes `count` pipelined GETs of `target` and reads nothing until `drain()`. */
function pipelineUnread(baseUrl: string, target: string, count: number) {
  const { hostname, port } = new URL(baseUrl)
  const socket = net.connect(Number(port), hostname)
  socket.on('error', () => undefined)
  socket.pause()
  socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(count))
  /** Reads (and counts) everything sent, until the server closes the connection or `ms` passed. */
  const drain = (ms: number) =>
    new Promise<{ closed: boolean; bytes: number }>((resolve) => {
      let bytes = 0
      const timer = setTimeout(() => resolve({ closed: false, bytes }), ms)
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length))
      socket.once('close', () => {
        clearTimeout(timer)
        resolve({ closed: true, bytes })
      })
      socket.resume()
    })
  return { socket, drain }
}

/** Reads `count` pipelined responses of `target` on one connection; resolves with their status lines and bytes. */
function pipelineRead(baseUrl: string, target: string, count: number, bytes: number) {
  const { hostname, port } = new URL(baseUrl)
  const socket = net.connect(Number(port), hostname)
  const chunks: Buffer[] = []
  let received = 0
  return new Promise<string[]>((resolve, reject) => {
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received < bytes) return
      socket.destroy()
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .match(/HTTP\/1\.1 \d{3}/g) ?? [],
      )
    })
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(count))
  })
}

/**
 * One connection that pipelines requests for a streamed file and never reads must not take a
 * descriptor or a read-ahead buffer per request: a body is opened only when its response owns the
 * connection, so the connection holds at most one file, and everything is released as soon as it dies.
 */
export function describePipelining(name: string, mount: Mount): void {
  describe(`${name}: bounded work per connection`, () => {
    /** The mounted app and the descriptors open at rest; undefined when it is not served over HTTP/1.1. */
    async function setup() {
      const root = useTempRoot({ 'big.bin': BIG, 'ok.txt': 'ok' })
      const assets = await createStatic({ root, onWarning: () => {} })
      const { url } = await mount(assets)
      if (!url.startsWith('http:')) return undefined
      // The app's lazy set-up and the first file check happen before the baseline is taken.
      expect((await request(url, '/static/ok.txt')).status).toBe(200)
      expect((await request(url, '/static/big.bin')).body.equals(BIG)).toBe(true)
      await sleep(100)
      return { url, baseline: openDescriptors() }
    }

    it('opens one file at a time for requests waiting on a connection, and frees it when the client leaves', async (context) => {
      const served = await setup()
      if (served === undefined) return context.skip()
      const { url, baseline } = served
      const attacker = pipelineUnread(url, '/static/big.bin', 16)
      // The client's socket, the server's and one open file; not one file per request.
      expect(await peakDescriptors(500)).toBeLessThanOrEqual(baseline + 4)
      const other = await request(url, '/static/big.bin')
      expect(other.status).toBe(200)
      expect(other.body.equals(BIG)).toBe(true)
      // The connection's file and its waiting requests are released with it, at once.
      attacker.socket.destroy()
      expect(await settleTo(baseline)).toBeLessThanOrEqual(baseline)
    })

    it('still answers every request a client pipelines and reads', async (context) => {
      const served = await setup()
      if (served === undefined) return context.skip()
      const { url } = served
      const statuses = await pipelineRead(url, '/static/big.bin', 3, 3 * BIG.length)
      expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'])
    })

    it(`closes a connection with more than ${MAX_WAITING} requests waiting, and keeps serving`, async (context) => {
      const served = await setup()
      if (served === undefined) return context.skip()
      const { url, baseline } = served
      const attacker = pipelineUnread(url, '/static/big.bin', 500)
      expect(await peakDescriptors(500)).toBeLessThanOrEqual(baseline + 4)
      expect((await request(url, '/static/ok.txt')).status).toBe(200)
      const drained = await attacker.drain(5000)
      expect(drained.closed).toBe(true)
      // Cut during the first response or soon after it: far from the 500 responses asked for.
      expect(drained.bytes).toBeLessThan(4 * BIG.length)
      expect(await settleTo(baseline)).toBeLessThanOrEqual(baseline)
    })
  })
}
