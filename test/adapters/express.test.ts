import express from 'express'
import { describe, expect, it } from 'vitest'
import { serveStatic } from '../../src/adapters/express.js'
import { createStatic } from '../../src/index.js'
import { describeAdapter } from '../helpers/adapter-contract.js'
import { PUBLIC_ROOT, VITE_ROOT } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'

function app404(app: express.Express) {
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('app 404')
  })
  return app
}

describeAdapter('express', async (assets, options) =>
  listen(app404(express().use(serveStatic(assets, options)))),
)

describe('express specifics', () => {
  it('puts staticUrl and the tag helpers on res.locals for views', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = express().use(serveStatic(assets))
    app.get('/', (_req, res) => {
      res
        .type('text/html')
        .send(`${res.locals.staticUrl('css/app.css')} ${res.locals.staticScript('js/app.js')}`)
    })
    const { url } = await listen(app)
    expect((await request(url, '/')).body.toString()).toBe(
      `${assets.url('css/app.css')} ${assets.script('js/app.js')}`,
    )
  })

  it('puts staticEntry and staticImportMap on res.locals too', async () => {
    const assets = await createStatic({ root: VITE_ROOT, vite: true })
    const app = express().use(serveStatic(assets))
    app.get('/', (_req, res) => {
      res.type('text/html').send(`${res.locals.staticEntry('src/main.ts')}${res.locals.staticImportMap()}`)
    })
    const { url } = await listen(app)
    expect((await request(url, '/')).body.toString()).toBe(
      `${assets.entry('src/main.ts')}${assets.importMap()}`,
    )
  })

  it('staticPreload in a view adds to the page’s Link header and renders nothing', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = express().use(serveStatic(assets))
    app.get('/', (_req, res) => {
      res.send(
        `${res.locals.staticPreload(['css/app.css'])}<p>${res.locals.staticPreload(['js/app.js'])}</p>`,
      )
    })
    const { url } = await listen(app)
    const response = await request(url, '/')
    expect(response.body.toString()).toBe('<p></p>')
    expect(response.headers.link).toBe(assets.linkHeader(['css/app.css', 'js/app.js']))
  })

  it('works mounted under a path (matching on originalUrl)', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, prefix: '/site/static/' })
    const app = app404(express().use('/site', serveStatic(assets)))
    const { url } = await listen(app)
    const response = await request(url, assets.url('css/app.css'))
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('hands a MissingAssetError from a view to the error handler', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const app = express().use(serveStatic(assets))
    app.get('/', (_req, res) => {
      res.send(res.locals.staticUrl('css/typo.css'))
    })
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(`${error.name}: ${error.message}`)
    })
    const { url } = await listen(app)
    const response = await request(url, '/')
    expect(response.status).toBe(500)
    expect(response.body.toString()).toBe(
      `MissingAssetError: static asset "css/typo.css" is not in ${JSON.stringify(PUBLIC_ROOT)}`,
    )
  })
})

describe('express 4', () => {
  describeAdapter('express 4', async (assets, options) => {
    // @ts-expect-error: express 4 is installed under an alias for this test only; its types are express 5's
    const { default: express4 } = await import('express4')
    const app = express4()
    app.use(serveStatic(assets, options))
    app.use((_req: express.Request, res: express.Response) => {
      res.status(404).type('text/plain').send('app 404')
    })
    return listen(app)
  })
})
