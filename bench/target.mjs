// One benchmark target in its own process: `node bench/target.mjs <name> <root>`.
// Every target serves <root> under /static/ on 127.0.0.1 and prints "PORT <n>" once listening.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'

const [name, root] = process.argv.slice(2)
const PREFIX = '/static'

function stripPrefix(handler) {
  return (req, res) => {
    if (!req.url.startsWith(`${PREFIX}/`)) {
      res.statusCode = 404
      res.end()
      return
    }
    req.url = req.url.slice(PREFIX.length)
    handler(req, res, () => {
      res.statusCode = 404
      res.end('Not Found')
    })
  }
}

async function listenNode(handler) {
  const server = http.createServer(handler)
  // BENCH_REUSE_PORT=<port>: listen with SO_REUSEPORT (Node 22.12+), beside other processes on it.
  const shared = Number(process.env.BENCH_REUSE_PORT ?? 0)
  const options = shared
    ? { port: shared, host: '127.0.0.1', reusePort: true }
    : { port: 0, host: '127.0.0.1' }
  await new Promise((resolve) => server.listen(options, resolve))
  return server.address().port
}

const targets = {
  async vstatic() {
    // VSTATIC_DIST points at another build of vstatic (an older commit's dist/) to compare with.
    const { createStatic } = await import(process.env.VSTATIC_DIST ?? '../dist/index.js')
    const manifest = process.env.VSTATIC_MANIFEST
    const assets = await createStatic({ root, ...(manifest ? { manifest } : {}) })
    return listenNode((req, res) => assets.handle(req, res))
  },
  async 'vstatic-fastify'() {
    const { createStatic } = await import('../dist/index.js')
    const { serveStatic } = await import('../dist/adapters/fastify.js')
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    await app.register(serveStatic, { assets: await createStatic({ root }) })
    await app.listen({ host: '127.0.0.1', port: 0 })
    return app.server.address().port
  },
  async 'vstatic-express'() {
    const { createStatic } = await import('../dist/index.js')
    const { serveStatic } = await import('../dist/adapters/express.js')
    const { default: express } = await import('express')
    const app = express().use(serveStatic(await createStatic({ root })))
    return listenNode(app)
  },
  async sirv() {
    const { default: sirv } = await import('sirv')
    return listenNode(stripPrefix(sirv(root, { dev: false, etag: true })))
  },
  async 'serve-static'() {
    const { default: serveStatic } = await import('serve-static')
    return listenNode(stripPrefix(serveStatic(root)))
  },
  async '@fastify/static'() {
    const { default: Fastify } = await import('fastify')
    const { default: fastifyStatic } = await import('@fastify/static')
    const app = Fastify()
    await app.register(fastifyStatic, { root, prefix: `${PREFIX}/` })
    await app.listen({ host: '127.0.0.1', port: 0 })
    return app.server.address().port
  },
  'node:http bare'() {
    return bareServer(false)
  },
  // The same ceiling sending the very headers vstatic sends (values aside): what is left between it
  // and vstatic is vstatic's own work, not node:http's handling of more headers.
  'node:http bare, vstatic headers'() {
    return bareServer(true)
  },
}

async function bareServer(vstaticHeaders) {
  // The ceiling: each file's bytes and headers from memory, a 304 for a matching If-None-Match,
  // and a 404 with fixed headers for anything else. No index, no validation, no versioning.
  const files = new Map()
  for (const [name, type] of [
    ['small.txt', 'text/plain; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['large.bin', 'application/octet-stream'],
    ['streamed.bin', 'application/octet-stream'],
  ]) {
    const body = readFileSync(path.join(root, name))
    const etag = `"bare-${name}"`
    const lastModified = new Date(0).toUTCString()
    const headers = vstaticHeaders
      ? {
          etag,
          'last-modified': lastModified,
          'cache-control': 'no-cache',
          'accept-ranges': 'bytes',
          'x-content-type-options': 'nosniff',
          'content-type': type,
          'content-length': String(body.length),
        }
      : {
          'content-type': type,
          'content-length': String(body.length),
          etag,
          'last-modified': lastModified,
          'cache-control': 'no-cache',
        }
    const notModified = vstaticHeaders
      ? { etag, 'last-modified': lastModified, 'cache-control': 'no-cache' }
      : { etag, 'cache-control': 'no-cache' }
    files.set(`${PREFIX}/${name}`, { body, etag, headers, notModified })
  }
  const notFound = vstaticHeaders
    ? {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': '10',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      }
    : { 'content-type': 'text/plain; charset=utf-8', 'content-length': '10' }
  return listenNode((req, res) => {
    const query = req.url.indexOf('?')
    const file = files.get(query === -1 ? req.url : req.url.slice(0, query))
    if (file === undefined) {
      res.writeHead(404, notFound)
      res.end('Not Found\n')
    } else if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, file.notModified)
      res.end()
    } else {
      res.writeHead(200, file.headers)
      res.end(file.body)
    }
  })
}

const start = targets[name]
if (start === undefined) {
  console.error(`unknown target ${name}; one of ${Object.keys(targets).join(', ')}`)
  process.exit(2)
}
const port = await start()
console.log(`PORT ${port}`)
