import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { CLI } from '../helpers/cli.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { childrenOf, clusterArgs, isRunning, spawnServe } from '../helpers/serve-process.js'

describe('vstatic serve --workers, while workers start', () => {
  it('reports the workers’ error, exits 1 and removes the manifest it built', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    // The primary builds the manifest; each worker's createStatic then rejects the index option.
    const child = spawn(
      process.execPath,
      [CLI, 'serve', root, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--index', '../x'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toContain('vstatic: option "indexFile" must be a file name')
    expect(stderr).toMatch(/^vstatic: worker \d+ exited before it listened$/m)
    expect(existsSync(path.join(tmpdir(), `vstatic-${child.pid}-1.json`))).toBe(false)
  }, 20_000)

  it('forks the workers while the manifest is prepared, and ends them when it cannot be', async () => {
    const built = useTempRoot({ 'b.txt': 'b' })
    const manifest = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: built, out: manifest })
    // The job that checks the manifest fails it: it was built from another root.
    const root = useTempRoot({ 'a.txt': 'a' })
    const cluster = spawnServe(clusterArgs(root, 2, '--manifest', manifest))
    let exited = false
    void cluster.exited.then(() => (exited = true))
    const seen = new Set<number>()
    while (!exited) {
      for (const worker of childrenOf(cluster.child.pid ?? 0, 'worker.js')) seen.add(worker)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(await cluster.exited).toBe(2)
    await cluster.waitFor(/does not match root/)
    // Both workers ran before the job answered, and none outlives the primary.
    expect(seen.size).toBe(2)
    await expect.poll(() => [...seen].filter(isRunning), { timeout: 5000 }).toEqual([])
  }, 20_000)

  it('starts workers that load slower than the manifest is prepared', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const manifest = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root, out: manifest })
    // The job checks the manifest long before the workers' own code runs.
    const cluster = spawnServe(clusterArgs(root, 2, '--manifest', manifest), { env: slowStart(1500).env })
    const url = (await cluster.waitFor(/Listening on (http:\/\/\S+)/, 15_000))[1] ?? ''
    const response = await fetch(`${url}/static/a.txt`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('a')
  }, 30_000)

  it('stops at once on a SIGTERM during a reload, ending its build and the workers waiting for it', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const slow = slowStart(1500)
    const cluster = spawnServe(clusterArgs(root, 2), {
      env: slow.env,
    })
    await cluster.waitFor(/Listening on/, 15_000)
    const primary = cluster.child.pid ?? 0
    // From now on a build takes a minute, and the reload's workers are still before their own code.
    writeFileSync(slow.slowJobs, '')
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/Received SIGHUP, reloading/)
    await expect.poll(() => childrenOf(primary, 'worker.js').length, { timeout: 5000 }).toBe(4)
    const seen = [...childrenOf(primary, 'worker.js'), ...childrenOf(primary, 'manifest-job.js')]
    expect(seen).toHaveLength(5)
    const started = Date.now()
    cluster.child.kill('SIGTERM')
    expect(await cluster.exited).toBe(0)
    // Not after the build's minute, nor after a drain timeout spent on a stop message never heard.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(cluster.output()).not.toContain('reload failed')
    await expect.poll(() => seen.filter(isRunning), { timeout: 5000 }).toEqual([])
  }, 40_000)
})

/**
 * NODE_OPTIONS that hold each worker of `serve --workers` (only workers have VSTATIC_WORKER) for
 * `workerMs` before its own code runs, as a slow disk or a busy machine can; and, once the file
 * `slowJobs` exists, hold each manifest job for a minute.
 */
function slowStart(workerMs: number): { env: NodeJS.ProcessEnv; slowJobs: string } {
  const dir = useTempRoot({})
  const slowJobs = path.join(dir, 'slow-jobs')
  const file = path.join(dir, 'slow-start.mjs')
  writeFileSync(
    file,
    [
      "import { existsSync } from 'node:fs'",
      'const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))',
      `if (process.env.VSTATIC_WORKER) await wait(${workerMs})`,
      `if (process.argv[1]?.endsWith('manifest-job.js') && existsSync(${JSON.stringify(slowJobs)})) await wait(60_000)`,
      '',
    ].join('\n'),
  )
  return { env: { NODE_OPTIONS: `--import=${pathToFileURL(file).href}` }, slowJobs }
}
