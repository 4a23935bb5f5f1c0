import { execFileSync } from 'node:child_process'
import { renameSync, writeFileSync } from 'node:fs'
import { Agent, get } from 'node:http'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { CLI } from '../helpers/cli.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'
import { childrenOf, type ServeProcess, startServe } from '../helpers/serve-process.js'

const SITE = {
  'app.css': 'body{}',
  'robots.txt': 'User-agent: *\n',
  'big.bin': Buffer.alloc(8 * 1024 * 1024, 3),
}

/** `vstatic serve --workers <workers>` on a free port, stopped when the test finishes. */
function startCluster(root: string, workers: number): Promise<ServeProcess> {
  return startServe([root, '--port', '0', '--workers', String(workers)])
}

async function waitForGets(cluster: ServeProcess, count: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while ([...cluster.output().matchAll(/^\[\d+\] \S+ \S+ GET /gm)].length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} logged requests: ${cluster.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function pids(log: string): Set<string> {
  return new Set([...log.matchAll(/^\[(\d+)\] \S+ \S+ GET /gm)].map((match) => match[1] ?? ''))
}

describe('vstatic serve --workers', () => {
  it('gives identical URLs and ETags from every worker', async () => {
    const root = useTempRoot(SITE)
    const cluster = await startCluster(root, 2)
    const versioned = execFileSync(process.execPath, [CLI, 'url', 'app.css', '--root', root], {
      encoding: 'utf8',
    }).trim()
    const responses = await Promise.all(Array.from({ length: 20 }, () => request(cluster.url, versioned)))
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200]))
    expect(new Set(responses.map((response) => response.headers.etag)).size).toBe(1)
    expect(new Set(responses.map((response) => response.headers['cache-control']))).toEqual(
      new Set(['public, max-age=31536000, immutable']),
    )
    await waitForGets(cluster, 20)
    expect(pids(cluster.output()).size).toBe(2)
  }, 20_000)

  it('replaces a worker that dies', async () => {
    const root = useTempRoot(SITE)
    const cluster = await startCluster(root, 2)
    await Promise.all(Array.from({ length: 4 }, () => request(cluster.url, '/robots.txt')))
    await waitForGets(cluster, 4)
    const [victim] = [...pids(cluster.output())]
    process.kill(Number(victim), 'SIGKILL')
    await cluster.waitFor(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting a replacement`))
    for (let i = 0; i < 4; i++) expect((await request(cluster.url, '/robots.txt')).status).toBe(200)
    await cluster.waitFor(/Worker \d+ is serving/)
    for (let i = 0; i < 6; i++) expect((await request(cluster.url, '/robots.txt')).status).toBe(200)
    await waitForGets(cluster, 14)
    const after = pids(cluster.output().slice(cluster.output().indexOf('starting a replacement')))
    expect(after.has(victim ?? '')).toBe(false)
    expect(after.size).toBe(2)
  }, 20_000)

  it('reloads on SIGHUP with zero failed requests, then serves the new build', async () => {
    const root = useTempRoot(SITE)
    const cluster = await startCluster(root, 2)
    let failures = 0
    let completed = 0
    let running = true
    const statuses = new Set<number>()
    // Half the clients open a connection per request, half reuse keep-alive connections (the harder case:
    // a worker that retires must not close a connection a client is about to reuse).
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 })
    onTestFinished(() => keepAlive.destroy())
    const viaKeepAlive = () =>
      new Promise<number>((resolve, reject) => {
        const req = get(`${cluster.url}/robots.txt`, { agent: keepAlive }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        })
        req.on('error', reject)
      })
    const loop = async (reuse: boolean) => {
      while (running) {
        try {
          const status = reuse ? await viaKeepAlive() : (await request(cluster.url, '/robots.txt')).status
          statuses.add(status)
          if (status !== 200) failures++
          completed++
        } catch {
          failures++
        }
      }
    }
    const loops = Array.from({ length: 8 }, (_, index) => loop(index % 2 === 0))
    await new Promise((resolve) => setTimeout(resolve, 300))
    writeFileSync(path.join(root, 'robots.txt'), 'User-agent: *\nDisallow: /private\n')
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/Reloaded: 2 workers on build [0-9a-f]{16}/)
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/(?:Reloaded: 2 workers[^\n]*\n[\s\S]*){2}/)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    running = false
    await Promise.all(loops)
    expect({ failures, statuses: [...statuses] }).toEqual({ failures: 0, statuses: [200] })
    expect(completed).toBeGreaterThan(50)
    expect((await request(cluster.url, '/robots.txt')).body.toString()).toContain('Disallow: /private')
  }, 30_000)

  it('keeps the current workers when a reload cannot build, and ends the ones forked for it', async () => {
    const root = useTempRoot(SITE)
    const cluster = await startCluster(root, 2)
    const primary = cluster.child.pid ?? 0
    const serving = childrenOf(primary, 'worker.js').sort()
    expect(serving).toHaveLength(2)
    // The reload's build finds no root, after its two new workers were forked.
    renameSync(root, `${root}.moved`)
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(
      /reload failed, the current workers keep serving: option "root" must be an existing directory/,
    )
    renameSync(`${root}.moved`, root)
    await expect.poll(() => childrenOf(primary, 'worker.js').sort(), { timeout: 5000 }).toEqual(serving)
    expect((await request(cluster.url, '/static/robots.txt')).status).toBe(200)
    // A later reload works as before.
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/Reloaded: 2 workers/)
    expect((await request(cluster.url, '/static/robots.txt')).status).toBe(200)
  }, 30_000)

  it('drains in-flight downloads on SIGTERM and exits 0', async () => {
    const root = useTempRoot(SITE)
    const cluster = await startCluster(root, 1)
    const received = await new Promise<number>((resolve, reject) => {
      const req = get(`${cluster.url}/static/big.bin`, (res) => {
        let bytes = 0
        res.once('data', () => cluster.child.kill('SIGTERM'))
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('end', () => resolve(bytes))
        res.on('error', reject)
      })
      req.on('error', reject)
    })
    expect(received).toBe(8 * 1024 * 1024)
    const code = await new Promise((resolve) => cluster.child.once('exit', (exitCode) => resolve(exitCode)))
    expect(code).toBe(0)
  }, 20_000)
})

describe('your own cluster or process manager', () => {
  it('agrees on every URL and ETag across processes that load the same manifest', async () => {
    const root = useTempRoot({ ...SITE, 'site.css': '@import "app.css";' })
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out, compress: false })
    const script = `
      const { createStatic } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)})
      const assets = await createStatic({ root: ${JSON.stringify(root)}, manifest: ${JSON.stringify(out)} })
      console.log(JSON.stringify(assets.assets().map((a) => [assets.url(a.logicalPath), a.etag, assets.integrity(a.logicalPath)])))
    `
    const run = () =>
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    const first = run()
    expect(run()).toBe(first)
    expect(JSON.parse(first)).toHaveLength(4)
  })
})
