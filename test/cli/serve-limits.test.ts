import { readdirSync } from 'node:fs'
import { Agent, get } from 'node:http'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { useTempRoot } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'
import { slowDownload, startServe } from '../helpers/serve-process.js'

const SITE = { 'a.txt': 'a', 'big.bin': Buffer.alloc(16 * 1024 * 1024, 5) }
/** Short timeouts, so that the tests see them expire. */
const SHORT = ['--headers-timeout', '2', '--request-timeout', '4']

/** How a raw connection ended: the first line the server sent ('' for none), and when it closed. */
interface Ending {
  readonly firstLine: string
  readonly endedAt: number
}

/**
 * Opens a connection that sends `head` and then one byte every 200 ms forever, like a slowloris
 * client; resolves `ended` when the server closes it.
 */
function trickle(port: number, head: string): { connected: Promise<void>; ended: Promise<Ending> } {
  const socket = net.connect(port, '127.0.0.1')
  onTestFinished(() => {
    socket.destroy()
  })
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
  socket.on('error', () => {})
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  void connected.then(() => {
    socket.write(head)
    const timer = setInterval(() => socket.writable && socket.write('x'), 200)
    socket.once('close', () => clearInterval(timer))
  })
  const ended = new Promise<Ending>((resolve) =>
    socket.once('close', () => resolve({ firstLine: received.split('\r\n')[0] ?? '', endedAt: Date.now() })),
  )
  return { connected, ended }
}

const SLOW_HEADERS = 'GET /static/a.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: '

/** GETs `path` through `agent`; resolves with the status and the Retry-After header. */
function getWith(agent: Agent, url: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }))
    }).on('error', reject)
  })
}

/** GETs `url` and leaves the body unread; resolves with the status and Retry-After, or the error code. */
function stall(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve) => {
    get(url, { agent }, (res) => {
      res.pause()
      resolve(`${res.statusCode} ${res.headers['retry-after'] ?? ''}`.trim())
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })
}

/**
 * GETs a.txt on new connections, every 100 ms, until one is answered 200 or `ms` have passed; resolves
 * with the last status (0: refused). A connection closed a moment ago may still count for the cap.
 */
async function untilServed(url: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms
  for (;;) {
    const { status } = await request(url, '/static/a.txt').catch(() => ({ status: 0 }))
    if (status === 200 || Date.now() > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function keepAliveAgent(maxSockets = 1): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets })
  onTestFinished(() => agent.destroy())
  return agent
}

describe('vstatic serve and slow clients', () => {
  it('connections trickling their headers hold no one up, and get 408 after --headers-timeout', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--quiet', ...SHORT])
    const tricklers = Array.from({ length: 100 }, () => trickle(server.port, SLOW_HEADERS))
    await Promise.all(tricklers.map((connection) => connection.connected))
    const openedAt = Date.now()
    expect((await request(server.url, '/static/a.txt')).status).toBe(200)
    const servedAt = Date.now()
    const endings = await Promise.all(tricklers.map((connection) => connection.ended))
    // The client was served while all 100 still held their connections.
    expect(servedAt).toBeLessThan(Math.min(...endings.map((ending) => ending.endedAt)))
    expect(new Set(endings.map((ending) => ending.firstLine))).toEqual(
      new Set(['HTTP/1.1 408 Request Timeout']),
    )
    for (const { endedAt } of endings) {
      expect(endedAt - openedAt).toBeGreaterThanOrEqual(1500)
      // Node checks the timeouts once a second here (every 30 s by default).
      expect(endedAt - openedAt).toBeLessThan(6000)
    }
  }, 20_000)

  it('over --max-connections, new connections are refused at once while those held are served', async () => {
    const root = useTempRoot(SITE)
    // The held connection must outlive the test; the tricklers time out after 3 s.
    const limits = ['--max-connections', '20', '--keep-alive-timeout', '60', '--headers-timeout', '3']
    const server = await startServe([root, '--port', '0', '--quiet', ...limits])
    const held = keepAliveAgent()
    expect((await getWith(held, `${server.url}/static/a.txt`)).status).toBe(200)
    // 1 held connection + 19 tricklers fill the cap; the other 21 are closed as soon as accepted.
    const tricklers = Array.from({ length: 40 }, () => trickle(server.port, SLOW_HEADERS))
    await Promise.all(tricklers.map((connection) => connection.connected))
    await server.waitFor(/^vstatic: refused 1 connection over --max-connections 20$/m)
    await expect(request(server.url, '/static/a.txt')).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect((await getWith(held, `${server.url}/static/a.txt`)).status).toBe(200)
    const heldServedAt = Date.now()
    const endings = await Promise.all(tricklers.map((connection) => connection.ended))
    const refused = endings.filter((ending) => ending.firstLine === '').map((ending) => ending.endedAt)
    const timedOut = endings
      .filter((ending) => ending.firstLine === 'HTTP/1.1 408 Request Timeout')
      .map((ending) => ending.endedAt)
    expect({ refused: refused.length, timedOut: timedOut.length }).toEqual({ refused: 21, timedOut: 19 })
    // Refused at once, not at the timeout; and the held connection was served while the cap was full.
    expect(Math.max(...refused)).toBeLessThan(Math.min(...timedOut))
    expect(heldServedAt).toBeLessThan(Math.min(...timedOut))
    // Once the tricklers have timed out, new connections are served again.
    expect(await untilServed(server.url, 2000)).toBe(200)
  }, 20_000)

  it('with --workers 2 the cap is per worker, and the primary holds no connection over it', async () => {
    const args = [useTempRoot(SITE), '--port', '0', '--quiet', '--workers', '2', '--max-connections', '10']
    const server = await startServe([...args, ...SHORT])
    const primary = server.child.pid ?? 0
    const idleDescriptors = readdirSync(`/proc/${primary}/fd`).length
    const tricklers = Array.from({ length: 40 }, () => trickle(server.port, SLOW_HEADERS))
    await Promise.all(tricklers.map((connection) => connection.connected))
    await server.waitFor(/^\[\d+\] vstatic: refused 1 connection over --max-connections 10$/m)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(readdirSync(`/proc/${primary}/fd`).length).toBeLessThanOrEqual(idleDescriptors + 2)
    const endings = await Promise.all(tricklers.map((connection) => connection.ended))
    const timedOut = endings.filter((ending) => ending.firstLine === 'HTTP/1.1 408 Request Timeout').length
    const refused = endings.filter((ending) => ending.firstLine === '').length
    // Each worker keeps 10 of those the primary hands it in turn (a busy worker may get fewer).
    expect(timedOut).toBeLessThanOrEqual(20)
    expect(refused).toBe(40 - timedOut)
    expect(refused).toBeGreaterThanOrEqual(20)
    expect(await untilServed(server.url, 2000)).toBe(200)
  }, 20_000)

  it('under ulimit -n 256, 300 tricklers delay a client by the headers timeout at most', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--quiet', ...SHORT], {
      openFiles: 256,
    })
    const tricklers = Array.from({ length: 300 }, () => trickle(server.port, SLOW_HEADERS))
    await Promise.all(tricklers.map((connection) => connection.connected))
    const floodedAt = Date.now()
    // The default cap is half the descriptors: the server keeps 128 and refuses the rest.
    await server.waitFor(/^vstatic: refused 1 connection over --max-connections 128$/m)
    expect(await untilServed(server.url, 10_000)).toBe(200)
    expect(Date.now() - floodedAt).toBeLessThan(5000)
    await Promise.all(tricklers.map((connection) => connection.ended))
  }, 30_000)

  it('a client that sends its body too slowly is cut after --request-timeout', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--quiet', ...SHORT])
    const slowBody = 'POST /static/a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n'
    const connection = trickle(server.port, slowBody)
    await connection.connected
    const openedAt = Date.now()
    const { endedAt, firstLine } = await connection.ended
    expect(firstLine).toBe('HTTP/1.1 405 Method Not Allowed')
    expect(endedAt - openedAt).toBeGreaterThanOrEqual(3500)
    expect(endedAt - openedAt).toBeLessThan(8000)
  }, 20_000)

  it('--keep-alive-timeout closes an idle connection, and says so in Keep-Alive', async () => {
    const server = await startServe([
      useTempRoot(SITE),
      '--port',
      '0',
      '--quiet',
      '--keep-alive-timeout',
      '1',
    ])
    const socket = net.connect(server.port, '127.0.0.1')
    onTestFinished(() => {
      socket.destroy()
    })
    let response = ''
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()))
    socket.write('GET /static/a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const sentAt = Date.now()
    await new Promise((resolve) => socket.once('close', resolve))
    expect(response).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i)
    // Node keeps the socket one second longer than it announces.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900)
    expect(Date.now() - sentAt).toBeLessThan(4000)
  }, 20_000)

  it('--send-timeout cuts a download that stalls, not one that is slow', async () => {
    const server = await startServe([useTempRoot(SITE), '--port', '0', '--send-timeout', '1'])
    // 16 MiB at 6 MiB/s: about 2.7 s, well past the send timeout, with the client always reading.
    const slow = await slowDownload(`${server.url}/static/big.bin`, 6 * 1024 * 1024)
    expect(slow).toMatchObject({ status: 200, received: SITE['big.bin'].length, complete: true })
    const stalled = get(`${server.url}/static/big.bin`, { agent: false }, (res) => res.pause())
    onTestFinished(() => {
      stalled.destroy()
    })
    stalled.on('error', () => {})
    const [line, bytes, milliseconds] = await server.waitFor(
      /^\S+ \S+ GET \/static\/big\.bin 200 (\d+) ([\d.]+)ms \(aborted\)$/m,
    )
    expect(line).toBeDefined()
    expect(Number(bytes)).toBeLessThan(SITE['big.bin'].length)
    expect(Number(milliseconds)).toBeGreaterThanOrEqual(900)
    expect(Number(milliseconds)).toBeLessThan(8000)
  }, 30_000)
})

describe('vstatic serve out of file descriptors', () => {
  it('resets new connections at accept; those accepted earlier get 503 + Retry-After for a file to open', async () => {
    const root = useTempRoot(SITE)
    // A cap above the limit, so that descriptors, not the cap, run out; idle sockets stay open.
    const args = [root, '--port', '0', '--quiet', '--max-connections', '1000', '--keep-alive-timeout', '30']
    const server = await startServe(args, { openFiles: 64 })
    const early = keepAliveAgent()
    expect((await getWith(early, `${server.url}/static/a.txt`)).status).toBe(200)
    // Stalled downloads, one after the other, each holding a socket and an open file, until a new
    // connection is reset: descriptors have run out.
    const stalledAgent = keepAliveAgent(Number.POSITIVE_INFINITY)
    const outcomes: string[] = []
    while (outcomes.length < 64 && outcomes.at(-1) !== 'ECONNRESET') {
      outcomes.push(await stall(stalledAgent, `${server.url}/static/big.bin`))
    }
    expect(outcomes.at(-1)).toBe('ECONNRESET')
    expect(outcomes[0]).toBe('200')
    expect(outcomes.slice(0, -1).every((outcome) => outcome === '200' || outcome === '503 1')).toBe(true)
    // A connection accepted earlier: 503 + Retry-After for a file to open, 200 for one held in memory.
    expect(await getWith(early, `${server.url}/static/big.bin`)).toEqual({ status: 503, retryAfter: '1' })
    expect((await getWith(early, `${server.url}/static/a.txt`)).status).toBe(200)
    // A new connection: accepted and closed at once by libuv, which the client sees as a reset.
    await expect(request(server.url, '/static/a.txt')).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(server.child.exitCode).toBeNull()
    stalledAgent.destroy()
    expect(await untilServed(server.url, 5000)).toBe(200)
  }, 30_000)
})
