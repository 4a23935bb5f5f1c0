// Time from spawn to the first served response of `vstatic serve` on the 10,000-file site tree,
// alternating this checkout's CLI with another's, in fresh processes:
//
//   node bench/serve-startup.mjs --baseline ../prev --runs 8 -- --workers 1
//
// Everything after `--` is passed to `vstatic serve <site tree> --port 0 --host 127.0.0.1 --quiet`.
// Prints each run's milliseconds, sorted, and the medians.
import { spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureFixture, SITE_ROOT, sitePublic } from './fixture.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const { values: flags, positionals } = parseArgs({
  options: {
    baseline: { type: 'string' },
    runs: { type: 'string', default: '8' },
  },
  allowPositionals: true,
})
ensureFixture({ huge: false })
const root = sitePublic(SITE_ROOT)
const clis = [
  ['this checkout', path.join(HERE, '..', 'dist', 'cli', 'main.js')],
  ...(flags.baseline ? [['baseline', path.resolve(flags.baseline, 'dist', 'cli', 'main.js')]] : []),
]

/** Milliseconds from spawn to the end of the first response. */
async function startupMs(cli) {
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [cli, 'serve', root, '--port', '0', '--host', '127.0.0.1', '--quiet', ...positionals],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    const url = await new Promise((resolve, reject) => {
      let output = ''
      child.stdout.on('data', (chunk) => {
        output += chunk
        const match = /Listening on (http:\/\/\S+)/.exec(output)
        if (match) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`vstatic serve exited (${code}) before listening`)))
    })
    await new Promise((resolve, reject) =>
      http.get(url, (response) => response.resume().on('end', resolve)).on('error', reject),
    )
    return performance.now() - started
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

const times = new Map(clis.map(([name]) => [name, []]))
for (let run = 0; run < Number(flags.runs); run++)
  for (const [name, cli] of clis) times.get(name).push(await startupMs(cli))
for (const [name, list] of times) {
  const sorted = list.sort((a, b) => a - b).map(Math.round)
  console.log(`${name}: median ${sorted[Math.floor(sorted.length / 2)]} ms (${sorted.join(', ')})`)
}
