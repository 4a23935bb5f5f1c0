import { Agent, get } from 'node:http'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { useTempRoot } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'
import { type Download, type ServeProcess, slowDownload, startServe } from '../helpers/serve-process.js'

const SIZE = 64 * 1024 * 1024
/** 8 MiB/s: the download lasts 8 s, well past the fixed 5 s after which a stop used to cut it. */
const RATE = 8 * 1024 * 1024
const SITE = { 'big.bin': Buffer.alloc(SIZE, 7), 'a.txt': 'a' }

/** Starts a slow download of big.bin and sends `signal` once its first MiB has arrived. */
async function downloadAcross(
  server: ServeProcess,
  signal: NodeJS.Signals,
  rate = RATE,
): Promise<{ download: Download; signalledAt: number }> {
  let signalledAt = 0
  const download = await slowDownload(`${server.url}/static/big.bin`, rate, (received) => {
    if (signalledAt === 0 && received >= 1024 * 1024) {
      signalledAt = Date.now()
      server.child.kill(signal)
    }
  })
  return { download, signalledAt }
}

/** Resolves once the process `pid` no longer exists; rejects after `timeoutMs`. */
async function gone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} is still running`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const WHOLE = { status: 200, received: SIZE, length: SIZE, complete: true }

describe('stopping and reloading never cut a download before --drain-timeout', () => {
  it('a reload (SIGHUP, --workers 2) lets a slow download finish, then retires the old worker', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--workers', '2'])
    // The old worker is asked to stop once the new ones listen: time the drain from there.
    const drainStarted = server.waitFor(/Reloaded: 2 workers/, 30_000).then(() => Date.now())
    // 5 MiB/s: 12.8 s, so that the download outlasts the reload and 6 s of drain.
    const { download } = await downloadAcross(server, 'SIGHUP', 5 * 1024 * 1024)
    expect(download).toMatchObject(WHOLE)
    expect(download.endedAt - (await drainStarted)).toBeGreaterThan(6000)
    // The old worker logs the whole response (not "(aborted)"), then exits.
    const [, pid] = await server.waitFor(/^\[(\d+)\] \S+ \S+ GET \/static\/big\.bin 200 \d+ [\d.]+ms$/m)
    await gone(Number(pid))
    expect((await request(server.url, '/static/a.txt')).status).toBe(200)
  }, 40_000)

  it('SIGTERM (one process) lets a slow download finish, then exits 0', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0'])
    const { download, signalledAt } = await downloadAcross(server, 'SIGTERM')
    expect(download).toMatchObject(WHOLE)
    expect(download.endedAt - signalledAt).toBeGreaterThan(6000)
    expect(await server.exited).toBe(0)
    expect(server.output()).not.toContain('drain timeout reached')
  }, 40_000)

  it('SIGTERM cuts a download still running at --drain-timeout, and the process exits 0', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--drain-timeout', '1'])
    const { download, signalledAt } = await downloadAcross(server, 'SIGTERM')
    expect(await server.exited).toBe(0)
    const exitedAfter = Date.now() - signalledAt
    expect(download.complete).toBe(false)
    expect(download.received).toBeLessThan(SIZE)
    expect(download.endedAt - signalledAt).toBeGreaterThanOrEqual(900)
    expect(download.endedAt - signalledAt).toBeLessThan(5000)
    expect(exitedAfter).toBeLessThan(6000)
    expect(server.output()).toMatch(/^vstatic: drain timeout reached: cutting 1 connection$/m)
  }, 30_000)

  it('a reload cuts a download still running at --drain-timeout; the old worker exits, the new one serves', async () => {
    const server = await startServe([
      useTempRoot(SITE),
      '--port',
      '0',
      '--workers',
      '1',
      '--drain-timeout',
      '1',
    ])
    const { download, signalledAt } = await downloadAcross(server, 'SIGHUP')
    expect(download.complete).toBe(false)
    // The reload first builds the new index and starts the new worker; the drain starts after that.
    expect(download.endedAt - signalledAt).toBeGreaterThanOrEqual(900)
    expect(download.endedAt - signalledAt).toBeLessThan(7000)
    const [, pid] = await server.waitFor(/^\[(\d+)\] vstatic: drain timeout reached: cutting 1 connection$/m)
    await gone(Number(pid))
    expect((await request(server.url, '/static/a.txt')).status).toBe(200)
  }, 30_000)

  // Timing-bound (a 1 s headers timeout against a child process): one retry absorbs a machine too
  // busy to schedule the child in time, without hiding a server that really waits for the drain.
  it('a connection trickling its headers does not hold up SIGTERM: it gets 408 after --headers-timeout', {
    retry: 1,
    timeout: 20_000,
  }, async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--headers-timeout', '1'])
    const socket = net.connect(server.port, '127.0.0.1')
    onTestFinished(() => {
      socket.destroy()
    })
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
    // The server closes it while it is still writing: a reset, expected.
    socket.on('error', () => {})
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write('GET /static/a.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    const trickling = setInterval(() => socket.writable && socket.write('x'), 100)
    onTestFinished(() => clearInterval(trickling))
    const signalledAt = Date.now()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    // Not held until the 30 s drain timeout: the headers timeout still applies while draining.
    expect(Date.now() - signalledAt).toBeLessThan(5000)
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
  })

  it.each([
    ['one process', []],
    ['--workers 1', ['--workers', '1']],
  ])(
    '%s: an idle keep-alive connection does not hold up SIGTERM',
    async (_name, extra) => {
      const server = await startServe([useTempRoot(SITE), '--port', '0', ...extra])
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      onTestFinished(() => agent.destroy())
      const status = await new Promise<number>((resolve, reject) => {
        get(`${server.url}/static/a.txt`, { agent }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        }).on('error', reject)
      })
      expect(status).toBe(200)
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1)
      const signalledAt = Date.now()
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      expect(Date.now() - signalledAt).toBeLessThan(3000)
    },
    20_000,
  )
})
