// Startup from a prebuilt manifest, as a deploy sees it: a fresh process imports vstatic, calls
// createStatic({ root, manifest }), listens on 127.0.0.1 and answers one versioned GET over a real
// socket. Prints one JSON line of milliseconds since the process started:
//   node bench/manifest-startup.mjs <root> <manifest> [path/to/dist/index.js]
// Run it as a whole process from outside (e.g. `/usr/bin/time -v`) to include Node's own startup.
// On a busy machine, wall times swell with other processes; startCpuMs is disturbed much less.
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [root, manifest, dist = new URL('../dist/index.js', import.meta.url).href] = process.argv.slice(2)
if (root === undefined || manifest === undefined) {
  console.error('usage: node bench/manifest-startup.mjs <root> <manifest> [dist/index.js]')
  process.exit(2)
}
const distUrl = dist.startsWith('file:') ? dist : pathToFileURL(path.resolve(dist)).href
const { createStatic } = await import(distUrl)
const importedMs = performance.now()
const cpuBefore = process.cpuUsage()
const assets = await createStatic({ root, manifest })
const createdMs = performance.now()
const server = http.createServer((req, res) => assets.handle(req, res))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address()
// A raw socket as the client: fetch() would load undici and node:http's client its agent, both
// timed here though a real client runs elsewhere.
const { status, bytes } = await new Promise((resolve, reject) => {
  const chunks = []
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write(`GET ${assets.url('small.txt')} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  })
  socket.on('data', (chunk) => chunks.push(chunk))
  socket.on('end', () => {
    const response = Buffer.concat(chunks)
    const headEnd = response.indexOf('\r\n\r\n')
    resolve({ status: Number(response.subarray(9, 12).toString()), bytes: response.length - headEnd - 4 })
  })
  socket.on('error', reject)
})
const servedMs = performance.now()
const cpu = process.cpuUsage(cpuBefore)
server.close()
if (status !== 200 || bytes === 0) throw new Error(`first request: ${status}`)
console.log(
  JSON.stringify({
    importMs: Number(importedMs.toFixed(1)),
    createStaticMs: Number((createdMs - importedMs).toFixed(1)),
    firstRequestMs: Number((servedMs - createdMs).toFixed(1)),
    // CPU of this process from createStatic() to the end of the first response: the load
    // generator (the client) is included, as it runs in the same thread.
    startCpuMs: Number(((cpu.user + cpu.system) / 1000).toFixed(1)),
    totalMs: Number(servedMs.toFixed(1)),
  }),
)
