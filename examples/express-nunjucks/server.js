// Express + Nunjucks: `node examples/express-nunjucks/server.js`, then open http://127.0.0.1:3000/

import { fileURLToPath } from 'node:url'
import express from 'express'
import nunjucks from 'nunjucks'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/express'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))

export async function createApp() {
  const assets = await createStatic({ root, dev: process.env.NODE_ENV === 'development' })
  const app = express()
  const env = nunjucks.configure(fileURLToPath(new URL('./views', import.meta.url)), {
    autoescape: true,
    express: app,
  })
  // res.locals (set by serveStatic) reaches every rendered view; a global also reaches macros
  // imported without context.
  env.addGlobal('staticUrl', assets.url)
  app.set('view engine', 'njk')
  app.use(serveStatic(assets))
  app.get('/', (_req, res) => res.render('index', { title: 'Express + Nunjucks' }))
  app.get('/broken', (_req, res) => res.render('broken'))
  app.use((error, _req, res, _next) => res.status(500).type('text/plain').send(String(error.message)))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`Express + Nunjucks on http://127.0.0.1:${server.address().port}/`)
  })
}
