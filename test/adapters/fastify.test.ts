import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import { serveStatic } from '../../src/adapters/fastify.js'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { describeAdapter, type MountOptions } from '../helpers/adapter-contract.js'
import { PUBLIC_ROOT, VITE_ROOT } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'

async function start(app: FastifyInstance): Promise<{ url: string }> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  onTestFinished(() => app.close())
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

async function fastifyApp(assets: StaticAssets, options: MountOptions = {}) {
  const app = Fastify()
  await app.register(serveStatic, { assets, ...options })
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain').send('app 404'))
  return app
}

describeAdapter('fastify', async (assets, options) => start(await fastifyApp(assets, options)))

describe('fastify specifics', () => {
  it('decorates the instance and every reply, outside the plugin context too', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = await fastifyApp(assets)
    await app.register(async (child) => {
      child.get('/child', async (_request, reply) => reply.staticUrl('js/app.js'))
      child.get('/child-tags', async (_request, reply) => reply.staticStylesheet('css/app.css'))
    })
    app.get('/locals', async (_request, reply) => {
      const locals = (reply as unknown as { locals: { staticUrl: StaticAssets['url'] } }).locals
      return locals.staticUrl('img/logo.svg')
    })
    const { url } = await start(app)
    expect(app.staticUrl('css/app.css')).toBe(assets.url('css/app.css'))
    expect(app.staticImportMap()).toBe(assets.importMap())
    expect(app.staticIntegrity('css/app.css')).toBe(assets.integrity('css/app.css'))
    expect(app.staticScript('js/app.js')).toBe(assets.script('js/app.js'))
    expect(app.staticStylesheet('css/app.css')).toBe(assets.stylesheet('css/app.css'))
    expect((await request(url, '/child')).body.toString()).toBe(assets.url('js/app.js'))
    expect((await request(url, '/locals')).body.toString()).toBe(assets.url('img/logo.svg'))
    expect((await request(url, '/child-tags')).body.toString()).toBe(assets.stylesheet('css/app.css'))
  })

  it('puts staticEntry and staticImportMap on reply.locals for @fastify/view', async () => {
    const assets = await createStatic({ root: VITE_ROOT, vite: true })
    const app = await fastifyApp(assets)
    app.get('/', async (_request, reply) => {
      type Helpers = { staticEntry: StaticAssets['entry']; staticImportMap: StaticAssets['importMap'] }
      const { locals } = reply as unknown as { locals: Helpers }
      return `${locals.staticEntry('src/main.ts')}${locals.staticImportMap()}`
    })
    const { url } = await start(app)
    expect((await request(url, '/')).body.toString()).toBe(
      `${assets.entry('src/main.ts')}${assets.importMap()}`,
    )
  })

  it('reply.locals.staticPreload adds to the page’s Link header and renders nothing', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = await fastifyApp(assets)
    app.get('/', async (_request, reply) => {
      const { locals } = reply as unknown as { locals: { staticPreload: (list: string[]) => string } }
      return `${locals.staticPreload(['css/app.css'])}<p>${locals.staticPreload(['js/app.js'])}</p>`
    })
    const { url } = await start(app)
    const response = await request(url, '/')
    expect(response.body.toString()).toBe('<p></p>')
    expect(response.headers.link).toBe(assets.linkHeader(['css/app.css', 'js/app.js']))
  })

  it('closes the assets with the app', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    let closed = 0
    const app = Fastify()
    await app.register(serveStatic, { assets: { ...assets, close: async () => void closed++ } })
    await app.ready()
    await app.close()
    expect(closed).toBe(1)
  })
})
