// The clients and probes of the soak (bench/soak.mjs): a request of the mixed load, a slow download,
// a connection that trickles its headers, and the resident memory and descriptors of a process tree.
import { readdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'

/** A request that makes no progress for this long fails ('timeout'), so that a soak always ends. */
const STALL_MS = 30_000

/**
 * One GET of the mixed load. Resolves with its status, or with the error code; with `abort`, the
 * client closes the connection after the first chunk of the body (`aborted`). A request on a reused
 * keep-alive connection that the server closed before answering (it timed out idle while the request
 * was on its way) is retried once on a new connection, as browsers do (RFC 9112, section 9.3.1):
 * `retried` says so.
 */
export function get(url, agent, headers, abort, retried = false) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers, timeout: STALL_MS }, (res) => {
      if (abort) {
        res.once('data', () => {
          req.destroy()
          resolve({ status: res.statusCode, aborted: true, retried })
        })
      } else res.resume()
      res.on('end', () => resolve({ status: res.statusCode, retried }))
      res.on('error', () => resolve({ status: 'error', retried }))
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('no progress'), { code: 'timeout' })))
    req.on('error', (error) => {
      // Once the response has begun, an error is the client's own abort, or is reported by `res`.
      if (req.res) return
      if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) {
        // On a new connection: another idle one from the pool may be closing too.
        return resolve(get(url, false, headers, abort, true))
      }
      const how = req.reusedSocket ? ' on a reused connection' : retried ? ' on the retry' : ''
      resolve({ status: `${error.code ?? 'error'}${how}`, retried })
    })
  })
}

/** GETs `url` reading at most `bytesPerSecond`, like a client on a slow link; resolves when it ends. */
export function slowDownload(url, bytesPerSecond) {
  return new Promise((resolve) => {
    const started = Date.now()
    const req = http.get(url, { agent: false, timeout: STALL_MS }, (res) => {
      let received = 0
      res.on('data', (chunk) => {
        received += chunk.length
        const ahead = (received / bytesPerSecond) * 1000 - (Date.now() - started)
        if (ahead > 0) {
          res.pause()
          setTimeout(() => res.resume(), ahead)
        }
      })
      const done = () => {
        const whole = res.complete && received === Number(res.headers['content-length'])
        resolve({ status: res.statusCode, whole, received, seconds: (Date.now() - started) / 1000 })
      }
      res.once('end', done)
      res.once('aborted', done)
      res.once('error', done)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('no progress'), { code: 'timeout' })))
    req.on('error', (error) => resolve({ status: error.code ?? 'error', whole: false, received: 0 }))
  })
}

/**
 * A connection that sends a request line and then one header byte every 200 ms, never finishing its
 * headers. Once it closes, resolves with the first line the server answered, or with how it ended
 * without one: 'no answer' if the server has not closed it after `giveUpMs`.
 */
export function trickle(port, giveUpMs) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    let ending = 'closed without an answer'
    let timer
    const giveUp = setTimeout(() => {
      ending = 'no answer'
      socket.destroy()
    }, giveUpMs)
    socket.on('connect', () => {
      socket.write('GET /static/small.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
      timer = setInterval(() => socket.writable && socket.write('x'), 200)
    })
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.on('error', (error) => (ending = `${error.code} after ${socket.bytesWritten} bytes sent`))
    socket.on('close', () => {
      clearInterval(timer)
      clearTimeout(giveUp)
      resolve(received === '' ? ending : received.split('\r\n')[0])
    })
  })
}

/**
 * A client that pipelines requests it never reads: on one connection it writes `batch` GETs of `path`
 * at once, then `batch` more every 200 ms, and reads nothing. When the server closes the connection
 * (a write then fails), it opens another, until `deadline`. Resolves with the connections it opened,
 * the requests it wrote, and how many connections the server closed.
 */
export function pipelineFlood(port, path, batch, deadline) {
  const requests = `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(batch)
  const tally = { connections: 0, requests: 0, closedByServer: 0 }
  return new Promise((resolve) => {
    const open = () => {
      if (Date.now() >= deadline) return resolve(tally)
      tally.connections++
      const socket = net.connect(port, '127.0.0.1')
      socket.pause()
      const send = () => {
        if (!socket.writable) return
        socket.write(requests)
        tally.requests += batch
      }
      const timer = setInterval(send, 200)
      const stop = setTimeout(() => socket.destroy(), Math.max(0, deadline - Date.now()))
      socket.on('connect', send)
      socket.on('error', () => undefined)
      socket.on('close', () => {
        clearInterval(timer)
        clearTimeout(stop)
        if (Date.now() < deadline) tally.closedByServer++
        open()
      })
    }
    open()
  })
}

/** The process `pid` and all its descendants, from /proc. */
function processTree(pid) {
  const parents = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The parent pid is the second field after the command name, which is in parentheses.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // The process exited while being read.
    }
  }
  const tree = [pid]
  for (let index = 0; index < tree.length; index++) {
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child)
  }
  return tree
}

/** Resident memory (MiB) and open descriptors of `pid` and its descendants, summed. */
export function sampleTree(pid) {
  let rssKiB = 0
  let fds = 0
  const pids = processTree(pid)
  for (const member of pids) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8')
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      fds += readdirSync(`/proc/${member}/fd`).length
    } catch {
      // The process exited while being read.
    }
  }
  return { rssMiB: rssKiB / 1024, fds, processes: pids.length }
}
