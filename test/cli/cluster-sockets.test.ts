import { readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { type RawResponse, request } from '../helpers/http.js'
import { childrenOf, clusterArgs, spawnServe } from '../helpers/serve-process.js'

/** Where `reusePort` exists: Node 22.12+ and 23.1+; vstatic uses it on Linux. */
const [MAJOR = 0, MINOR = 0] = process.versions.node.split('.').map(Number)
const REUSE_PORT =
  process.platform === 'linux' &&
  (MAJOR > 23 || (MAJOR === 23 && MINOR >= 1) || (MAJOR === 22 && MINOR >= 12))

/** The inodes of the sockets listening on `port` (of every process of this machine), from /proc/net/tcp. */
function listeningSockets(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')
    .map((fields) => fields[9] ?? '')
}

/** A GET that fails, rather than waits, when no answer comes within `ms`. */
function requestWithin(url: string, target: string, ms: number): Promise<RawResponse | 'no answer'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'no answer'>((resolve) => {
    timer = setTimeout(() => resolve('no answer'), ms)
  })
  const answer = request(url, target).catch(() => 'no answer' as const)
  return Promise.race([answer, late]).finally(() => clearTimeout(timer))
}

describe('vstatic serve --workers: how connections reach the workers', () => {
  it.runIf(process.platform === 'linux')(
    `${REUSE_PORT ? 'each worker accepts on its own socket (reusePort), kept across a reload' : 'the primary accepts on one socket and hands connections out'}`,
    async () => {
      const root = useTempRoot({ 'a.txt': 'a' })
      const cluster = spawnServe(clusterArgs(root, 2))
      const url = (await cluster.waitFor(/Listening on (http:\/\/\S+)/))[1] ?? ''
      await cluster.waitFor(
        REUSE_PORT ? /^Each worker accepts its own connections \(reusePort\)$/m : /round robin/,
      )
      const sockets = listeningSockets(Number(new URL(url).port))
      expect(sockets).toHaveLength(REUSE_PORT ? 2 : 1)
      const served = await Promise.all(Array.from({ length: 20 }, () => request(url, '/static/a.txt')))
      expect(new Set(served.map((response) => response.status))).toEqual(new Set([200]))

      cluster.child.kill('SIGHUP')
      await cluster.waitFor(/Reloaded: 2 workers/)
      // The new workers took over the sockets (and the connections waiting on them) of the old ones.
      expect(listeningSockets(Number(new URL(url).port)).sort()).toEqual(sockets.sort())
      expect((await request(url, '/static/a.txt')).status).toBe(200)
    },
    30_000,
  )

  it('leaves no connection waiting on a dead worker whose replacement cannot start', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const manifest = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out: manifest })
    const cluster = spawnServe(clusterArgs(root, 2, '--manifest', manifest))
    const url = (await cluster.waitFor(/Listening on (http:\/\/\S+)/))[1] ?? ''
    const workers = childrenOf(cluster.child.pid ?? 0, 'worker.js')
    expect(workers).toHaveLength(2)
    // Every replacement now fails at startup, so the dead worker's slot stays empty.
    renameSync(manifest, `${manifest}.moved`)
    process.kill(workers[0] ?? 0, 'SIGKILL')
    await cluster.waitFor(/exited \(SIGKILL\); starting a replacement/)
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => requestWithin(url, '/static/a.txt', 3000)),
    )
    expect(answers.map((answer) => (answer === 'no answer' ? answer : answer.status))).toEqual(
      Array(20).fill(200),
    )
  }, 30_000)

  it('stops for good on a SIGTERM that comes while a reload is starting workers', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const cluster = spawnServe(clusterArgs(root, 2))
    const url = (await cluster.waitFor(/Listening on (http:\/\/\S+)/))[1] ?? ''
    const port = Number(new URL(url).port)
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/Received SIGHUP, reloading/)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const exited = new Promise((resolve) => cluster.child.once('exit', resolve))
    cluster.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    // Neither generation listens on after the primary is gone.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(listeningSockets(port)).toEqual([])
  }, 30_000)

  it('refuses a port another cluster listens on, instead of sharing it (reusePort would allow that)', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const first = spawnServe(clusterArgs(root, 2))
    const port = new URL((await first.waitFor(/Listening on (http:\/\/\S+)/))[1] ?? '').port
    const second = spawnServe([root, '--port', port, '--host', '127.0.0.1', '--workers', '2'])
    const code = await new Promise((resolve) => second.child.once('close', resolve))
    expect(code).toBe(1)
    await second.waitFor(
      new RegExp(`^vstatic: port ${port} on 127.0.0.1 is already in use by another program`, 'm'),
    )
  }, 20_000)

  it('reports a manifest that does not match the root as before, from the job that checks it (exit 2)', async () => {
    const built = useTempRoot({ 'b.txt': 'b' })
    const manifest = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: built, out: manifest })
    const root = useTempRoot({ 'a.txt': 'a' })
    const cluster = spawnServe([root, '--port', '0', '--workers', '2', '--manifest', manifest])
    const code = await new Promise((resolve) => cluster.child.once('close', resolve))
    expect(code).toBe(2)
    await cluster.waitFor(
      new RegExp(
        `^vstatic: option "manifest" "${manifest}" does not match root "${root}": 1 of 1 files`,
        'm',
      ),
    )
  }, 20_000)
})
