// Express + EJS: `node examples/express-ejs/server.js`, then open http://127.0.0.1:3000/

import { fileURLToPath } from 'node:url'
import express from 'express'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/express'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))

export async function createApp() {
  const assets = await createStatic({ root, dev: process.env.NODE_ENV === 'development' })
  const app = express()
  app.set('view engine', 'ejs')
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)))
  app.use(serveStatic(assets)) // serves /static/… and the aliases; staticUrl() in every view
  app.get('/', (_req, res) => res.render('index', { title: 'Express + EJS' }))
  app.get('/broken', (_req, res) => res.render('broken'))
  app.use((error, _req, res, _next) => res.status(500).type('text/plain').send(String(error.message)))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`Express + EJS on http://127.0.0.1:${server.address().port}/`)
  })
}
