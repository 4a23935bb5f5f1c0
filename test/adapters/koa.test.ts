import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { serveStatic } from '../../src/adapters/koa.js'
import { createStatic } from '../../src/index.js'
import { describeAdapter } from '../helpers/adapter-contract.js'
import { PUBLIC_ROOT, VITE_ROOT } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

function withApp404(app: Koa) {
  app.use(async (ctx) => {
    ctx.status = 404
    ctx.type = 'text/plain'
    ctx.body = 'app 404'
  })
  return app
}

describeAdapter('koa', async (assets, options) =>
  listen(withApp404(new Koa().use(serveStatic(assets, options))).callback()),
)

describe('koa specifics', () => {
  it('sets ctx.state.staticUrl and leaves a downstream 404 untouched', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = new Koa().use(serveStatic(assets))
    app.use(async (ctx) => {
      if (ctx.path === '/') ctx.body = ctx.state.staticUrl('css/app.css')
    })
    const { url } = await listen(app.callback())
    expect((await request(url, '/')).body.toString()).toBe(assets.url('css/app.css'))
    const missing = await request(url, '/static/nope.css')
    expect(missing.status).toBe(404)
    expect(missing.body.toString()).toBe('Not Found')
  })
})

describe('koa template helpers', () => {
  it('staticPreload adds to the page’s Link header and renders nothing', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = new Koa().use(serveStatic(assets))
    app.use(async (ctx) => {
      ctx.body = `${ctx.state.staticPreload(['css/app.css'])}<p>${ctx.state.staticPreload(['js/app.js'])}</p>`
    })
    const { url } = await listen(app.callback())
    const response = await request(url, '/')
    expect(response.body.toString()).toBe('<p></p>')
    expect(response.headers.link).toBe(assets.linkHeader(['css/app.css', 'js/app.js']))
  })

  it('sets ctx.state.staticEntry and ctx.state.staticImportMap', async () => {
    const assets = await createStatic({ root: VITE_ROOT, vite: true })
    const app = new Koa().use(serveStatic(assets))
    app.use(async (ctx) => {
      ctx.body = `${ctx.state.staticEntry('src/main.ts')}${ctx.state.staticImportMap()}`
    })
    const { url } = await listen(app.callback())
    expect((await request(url, '/')).body.toString()).toBe(
      `${assets.entry('src/main.ts')}${assets.importMap()}`,
    )
  })
})

describe('koa 2', () => {
  describeAdapter('koa 2', async (assets, options) => {
    // @ts-expect-error: koa 2 is installed under an alias for this test only
    const { default: Koa2 } = await import('koa2')
    const app = new Koa2()
    app.use(serveStatic(assets, options))
    app.use(async (ctx: Koa.Context) => {
      ctx.status = 404
      ctx.type = 'text/plain'
      ctx.body = 'app 404'
    })
    return listen(app.callback())
  })
})
