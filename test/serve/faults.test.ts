import { spawn } from 'node:child_process'
import { readdirSync, truncateSync } from 'node:fs'
import { type ClientRequest, get, type IncomingMessage } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createStatic } from '../../src/index.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
const BIG = 16 * 1024 * 1024

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length
}

describe('faults', () => {
  it('ends the connection when a file shrinks mid-stream, and keeps serving', async () => {
    const root = useTempRoot({ 'big.bin': Buffer.alloc(BIG, 5), 'ok.txt': 'ok' })
    const assets = await createStatic({ root, memoryMaxFileSize: 0, memoryBudget: 0 })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const outcome = await new Promise<{ received: number; length: number; complete: boolean }>((resolve) => {
      get(`${url}/static/big.bin`, (res) => {
        let received = 0
        res.once('data', (chunk: Buffer) => {
          received += chunk.length
          res.pause()
          truncateSync(path.join(root, 'big.bin'), 1024 * 1024)
          setTimeout(() => res.resume(), 50)
          res.on('data', (more: Buffer) => (received += more.length))
        })
        const done = () =>
          resolve({ received, length: Number(res.headers['content-length']), complete: res.complete })
        res.on('end', done)
        res.on('aborted', done)
        res.on('error', done)
      }).on('error', () => undefined)
    })
    expect(outcome.length).toBe(BIG)
    expect(outcome.complete).toBe(false)
    expect(outcome.received).toBeLessThan(BIG)
    expect((await request(url, '/static/ok.txt')).body.toString()).toBe('ok')
  })

  it('releases the descriptor of each of a thousand aborted downloads', async () => {
    const root = useTempRoot({ 'big.bin': Buffer.alloc(4 * 1024 * 1024, 7) })
    const assets = await createStatic({ root, memoryMaxFileSize: 0, memoryBudget: 0 })
    const { url } = await listen((req, res) => assets.handle(req, res))
    const abortOnce = () =>
      new Promise<void>((resolve) => {
        const req = get(`${url}/static/big.bin`, { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        })
        req.on('error', () => resolve())
      })
    await abortOnce()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const before = openDescriptors()
    for (let round = 0; round < 50; round++) await Promise.all(Array.from({ length: 20 }, abortOnce))
    for (let wait = 0; wait < 100 && openDescriptors() > before; wait++)
      await new Promise((r) => setTimeout(r, 20))
    expect(openDescriptors()).toBeLessThanOrEqual(before)
    expect((await request(url, '/static/big.bin', { headers: { range: 'bytes=0-3' } })).status).toBe(206)
  }, 60_000)

  it('answers 503 with Retry-After when descriptors run out, and recovers when load drops', async () => {
    const root = useTempRoot({ 'big.bin': Buffer.alloc(8 * 1024 * 1024, 1), 'small.txt': 'small' })
    const script = `
      const { createStatic } = await import(${JSON.stringify(DIST)})
      const http = await import('node:http')
      const assets = await createStatic({ root: ${JSON.stringify(root)}, memoryMaxFileSize: 0, memoryBudget: 0 })
      const server = http.createServer((req, res) => assets.handle(req, res))
      server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port))
    `
    const child = spawn(
      'sh',
      ['-c', `ulimit -n 60 && exec "${process.execPath}" --input-type=module -e "$0"`, script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let errors = ''
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    onTestFinished(() => {
      child.kill('SIGKILL')
    })
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /PORT (\d+)/.exec(chunk.toString())
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', () => reject(new Error(`server exited: ${errors}`)))
    })
    const url = `http://127.0.0.1:${port}`
    // Stalled downloads: each holds a socket and an open file in the server until we let go.
    const held: Array<{ req: ClientRequest; res?: IncomingMessage }> = []
    const statuses = await Promise.all(
      Array.from(
        { length: 70 },
        () =>
          new Promise<number | string>((resolve) => {
            const entry: { req: ClientRequest; res?: IncomingMessage } = {
              req: get(`${url}/static/big.bin`, { agent: false }, (res) => {
                entry.res = res
                res.pause()
                if (res.statusCode === 503) expect(res.headers['retry-after']).toBe('1')
                resolve(res.statusCode ?? 0)
              }),
            }
            entry.req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
            held.push(entry)
          }),
      ),
    )
    expect(statuses).toContain(503)
    expect(statuses.every((status) => status === 200 || status === 503 || typeof status === 'string')).toBe(
      true,
    )
    expect(child.exitCode).toBeNull()
    for (const { req } of held) req.destroy()
    // Recovery: once the stalled downloads are gone, files open again.
    let recovered = 0
    for (let attempt = 0; attempt < 50 && recovered === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const response = await request(url, '/static/small.txt').catch(() => undefined)
      if (response?.status === 200) recovered = 1
    }
    expect(recovered).toBe(1)
    expect((await request(url, '/static/big.bin', { headers: { range: 'bytes=0-9' } })).status).toBe(206)
    expect(child.exitCode).toBeNull()
  }, 30_000)
})
