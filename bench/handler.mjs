// vstatic's own work per request, without sockets: `node bench/handler.mjs [checkout ...]` calls
// handle() on a stub response 200,000 times per scenario and prints the CPU time per request (the
// fastest and the median of 9 runs), for this checkout's dist/ and for each other checkout given
// (an older commit with dist/ built). Then it streams the 4 MiB file (above memoryMaxFileSize)
// through prepare() into a sink that drops the bytes, 40 times per run: the read, the check of the
// bytes sent and the stream's own work, per body. Node's HTTP machinery and the kernel are left out, so the
// figures are what vstatic adds to a bare node:http server, measured in a way a busy machine
// disturbs little.
import path from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ensureFixture, SMALL_ROOT } from './fixture.mjs'

const CALLS = 200_000
const RUNS = 9
const HERE = fileURLToPath(new URL('..', import.meta.url))
const checkouts = [HERE, ...process.argv.slice(2).map((dir) => path.resolve(dir))]
const response = { writeHead: () => response, end() {}, headersSent: false, destroyed: false }

ensureFixture({ huge: false, sites: false })
for (const checkout of checkouts) {
  const { createStatic } = await import(pathToFileURL(path.join(checkout, 'dist', 'index.js')).href)
  const assets = await createStatic({ root: SMALL_ROOT })
  const scenarios = [
    ['1 KiB GET', '/static/small.txt', {}],
    ['304 revalidation', '/static/small.txt', { 'if-none-match': assets.get('small.txt').etag }],
    ['stale-token 50 KiB GET', '/static/app.js?v=0123456789abcdef', {}],
    ['404', '/static/missing.txt', {}],
  ]
  console.log(checkout)
  for (const [name, url, headers] of scenarios) {
    const request = { method: 'GET', url, headers }
    // The first request reads the body into the cache; every timed one is answered from memory.
    await assets.prepare({ method: 'GET', url, header: () => undefined })
    const times = []
    for (let run = 0; run < RUNS; run++) {
      const started = process.cpuUsage()
      for (let call = 0; call < CALLS; call++) assets.handle(request, response)
      const used = process.cpuUsage(started)
      times.push(((used.user + used.system) * 1000) / CALLS)
    }
    times.sort((a, b) => a - b)
    console.log(
      `  ${name.padEnd(24)} ${times[0].toFixed(0).padStart(6)} ns  (median ${times[4].toFixed(0)} ns)`,
    )
  }
  const streamed = await streamedBodyMicroseconds(assets)
  console.log(
    `  ${'streamed 4 MiB body'.padEnd(24)} ${streamed[0].toFixed(0).padStart(6)} µs  (median ${streamed[4].toFixed(0)} µs)`,
  )
}

/** CPU time (µs) per streamed body of streamed.bin, 9 runs of 40 bodies, sorted. */
async function streamedBodyMicroseconds(assets) {
  const request = { method: 'GET', url: '/static/streamed.bin', header: () => undefined }
  const send = async () => {
    const prepared = await assets.prepare(request)
    await pipeline(prepared.body, new Writable({ write: (_chunk, _encoding, done) => done() }))
  }
  for (let warm = 0; warm < 5; warm++) await send()
  const times = []
  for (let run = 0; run < RUNS; run++) {
    const started = process.cpuUsage()
    for (let body = 0; body < 40; body++) await send()
    const used = process.cpuUsage(started)
    times.push((used.user + used.system) / 40)
  }
  return times.sort((a, b) => a - b)
}
