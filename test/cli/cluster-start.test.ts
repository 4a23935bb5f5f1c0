import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { CLI } from '../helpers/cli.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { childrenOf, isRunning, spawnServe } from '../helpers/serve-process.js'

describe('vstatic serve --workers, when the workers cannot start', () => {
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
    const cluster = spawnServe([
      root,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--workers',
      '2',
      '--manifest',
      manifest,
    ])
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
})
