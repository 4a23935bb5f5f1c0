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

describeAdapter('hono (@hono/node-server)', async (assets, options) => {
  const app = new Hono<{ Variables: StaticVariables }>()
  app.use(serveStatic(assets, options))
  app.notFound((c) => c.text('app 404', 404))
  return listenFetch(app.fetch)
})

// fetch() passes nothing on to an app, so there is no page to hint: the hint rows do not apply.
describeAdapter(
  'assets.fetch (web-standard Request → Response)',
  async (assets) => {
    // As `serve({ fetch: assets.fetch })` calls it: with @hono/node-server's bindings as the second argument.
    const fetch: (request: Request, env: unknown) => Promise<Response> = assets.fetch
    return listenFetch(async (req, env) => {
      const response = await fetch(req, env)
      return response.status === 404 ? new Response('app 404', { status: 404 }) : response
    })
  },
  { hints: 'none' },
)

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

  it('puts the preloads in a Link header of a navigation where no 1xx can be sent (app.request(), no Node response)', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, earlyHints: { http1: true } })
    const hinted = new Hono()
    hinted.use(serveStatic(assets, { earlyHints: ['css/app.css', 'js/app.js'] }))
    hinted.get('/', (c) => c.html('<p>page</p>'))
    const navigate = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
    const page = await hinted.request('/', { headers: navigate })
    expect(page.headers.get('link')).toBe(assets.linkHeader(['css/app.css', 'js/app.js']))
    expect(await page.text()).toBe('<p>page</p>')
    const fetched = await hinted.request('/', { headers: { 'sec-fetch-mode': 'cors' } })
    expect(fetched.headers.get('link')).toBeNull()
    expect((await hinted.request('/', { method: 'HEAD', headers: navigate })).headers.get('link')).toBeNull()
    expect(
      (await hinted.request(assets.url('css/app.css'), { headers: navigate })).headers.get('link'),
    ).toBeNull()
  })

  it('c.var.staticPreload adds to the page’s Link header and renders nothing', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = new Hono<{ Variables: StaticVariables }>()
    app.use(serveStatic(assets))
    app.get('/', (c) =>
      c.html(`${c.var.staticPreload(['css/app.css'])}<p>${c.var.staticPreload(['js/app.js'])}</p>`),
    )
    const { url } = await listenFetch(app.fetch)
    const response = await request(url, '/')
    expect(response.body.toString()).toBe('<p></p>')
    expect(response.headers.link).toBe(assets.linkHeader(['css/app.css', 'js/app.js']))
  })

  it('answers app.request() without a socket too', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const response = await honoApp(assets).request(assets.url('js/app.js'))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  })
})
