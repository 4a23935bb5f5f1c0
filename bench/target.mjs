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
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server.address().port
}

const targets = {
  async vstatic() {
    const { createStatic } = await import('../dist/index.js')
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
  async 'node:http bare'() {
    // The ceiling: the 1 KiB file's bytes and headers from memory, with its own 304.
    const body = readFileSync(path.join(root, 'small.txt'))
    const headers = {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      etag: '"bare-etag"',
      'last-modified': new Date(0).toUTCString(),
      'cache-control': 'no-cache',
    }
    return listenNode((req, res) => {
      if (req.headers['if-none-match'] === '"bare-etag"') {
        res.writeHead(304, { etag: '"bare-etag"', 'cache-control': 'no-cache' })
        res.end()
        return
      }
      res.writeHead(200, headers)
      res.end(body)
    })
  },
}

const start = targets[name]
if (start === undefined) {
  console.error(`unknown target ${name}; one of ${Object.keys(targets).join(', ')}`)
  process.exit(2)
}
const port = await start()
console.log(`PORT ${port}`)
