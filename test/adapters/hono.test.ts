import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { describe, expect, it, onTestFinished } from 'vitest'
import { type StaticVariables, serveStatic } from '../../src/adapters/hono.js'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { describeAdapter } from '../helpers/adapter-contract.js'
import { PUBLIC_ROOT, VITE_ROOT } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'

async function listenFetch(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
): Promise<{ url: string }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
  })
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function honoApp(assets: StaticAssets) {
  const app = new Hono<{ Variables: StaticVariables }>()
  app.use(serveStatic(assets))
  app.get('/', (c) => c.text(c.var.staticUrl('css/app.css')))
  app.notFound((c) => c.text('app 404', 404))
  return app
}

describeAdapter('hono (@hono/node-server)', async (assets) => {
  const app = new Hono<{ Variables: StaticVariables }>()
  app.use(serveStatic(assets))
  app.notFound((c) => c.text('app 404', 404))
  return listenFetch(app.fetch)
})

describeAdapter('assets.fetch (web-standard Request → Response)', async (assets) => {
  // As `serve({ fetch: assets.fetch })` calls it: with @hono/node-server's bindings as the second argument.
  const fetch: (request: Request, env: unknown) => Promise<Response> = assets.fetch
  return listenFetch(async (req, env) => {
    const response = await fetch(req, env)
    return response.status === 404 ? new Response('app 404', { status: 404 }) : response
  })
})

describe('hono specifics', () => {
  it('carries staticUrl on c.var', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const { url } = await listenFetch(honoApp(assets).fetch)
    expect((await request(url, '/')).body.toString()).toBe(assets.url('css/app.css'))
  })

  it('carries staticEntry and staticImportMap on c.var', async () => {
    const assets = await createStatic({ root: VITE_ROOT, vite: true })
    const app = new Hono<{ Variables: StaticVariables }>()
    app.use(serveStatic(assets))
    app.get('/', (c) => c.html(`${c.var.staticEntry('src/main.ts')}${c.var.staticImportMap()}`))
    const response = await app.request('/')
    expect(await response.text()).toBe(`${assets.entry('src/main.ts')}${assets.importMap()}`)
  })

  it('answers app.request() without a socket too', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const response = await honoApp(assets).request(assets.url('js/app.js'))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  })
})
