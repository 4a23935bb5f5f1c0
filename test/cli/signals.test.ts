import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useTempRoot } from '../helpers/fixtures.js'
import { clusterArgs, spawnServe } from '../helpers/serve-process.js'

/**
 * NODE_OPTIONS that make `vstatic serve` (the process running main.js, not a worker or the manifest
 * job) stall for 300 ms right after it writes `Listening on …`, as a busy machine may stall it: a
 * signal sent on seeing the line arrives before the process runs on.
 */
function stallAfterListening(): NodeJS.ProcessEnv {
  const file = path.join(useTempRoot({}), 'stall.mjs')
  writeFileSync(
    file,
    [
      "if (process.argv[1]?.endsWith('main.js')) {",
      '  const write = process.stdout.write.bind(process.stdout)',
      '  process.stdout.write = (chunk, ...rest) => {',
      '    const written = write(chunk, ...rest)',
      "    if (String(chunk).startsWith('Listening on')) {",
      '      const until = Date.now() + 300',
      '      while (Date.now() < until) {}',
      '    }',
      '    return written',
      '  }',
      '}',
      '',
    ].join('\n'),
  )
  return { NODE_OPTIONS: `--import=${pathToFileURL(file).href}` }
}

describe('vstatic serve, signalled the moment it says where it listens', () => {
  it('drains on a SIGTERM sent on seeing "Listening on", rather than dying of it', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const server = spawnServe([root, '--port', '0', '--host', '127.0.0.1'], { env: stallAfterListening() })
    await server.waitFor(/Listening on/)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('Received SIGTERM, closing')
  }, 20_000)

  it('reloads on a SIGHUP sent to a cluster on seeing "Listening on", rather than dying of it', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const cluster = spawnServe(clusterArgs(root, 2), {
      env: stallAfterListening(),
    })
    await cluster.waitFor(/Listening on/)
    cluster.child.kill('SIGHUP')
    await cluster.waitFor(/Reloaded: 2 workers/, 20_000)
    cluster.child.kill('SIGTERM')
    expect(await cluster.exited).toBe(0)
  }, 40_000)
})
