// Express rendering Vite entries: `node examples/vite-express/server.js`, then open http://127.0.0.1:3000/
// In development, run Vite's dev server (`npx vite` in this folder) and start this one with
// NODE_ENV=development: the same template then loads the entry from the dev server. build/ need
// not exist then (no `vite build` yet): its files are served once a build writes them. If the dev
// server is not running, vstatic says so once each time it stops answering (an onWarning of kind
// 'dev-server-down', by default console.warn, naming its URL), rather than leaving a page of
// failing requests unexplained.

import { fileURLToPath } from 'node:url'
import express from 'express'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/express'

export async function createApp({ dev = process.env.NODE_ENV === 'development' } = {}) {
  const assets = await createStatic({
    // Vite's build.outDir; `.vite/manifest.json` in it is read, never served. In dev mode with a dev
    // server it may be missing.
    root: new URL('./build', import.meta.url),
    vite: { devServer: process.env.VITE_DEV_SERVER ?? 'http://localhost:5173/static/' },
    dev,
  })
  const app = express()
  app.set('view engine', 'ejs')
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)))
  app.use(serveStatic(assets)) // serves /static/… and the aliases; staticEntry() in every view
  app.get('/', (_req, res) => res.render('index', { title: 'Express + Vite', entry: 'src/main.js' }))
  app.get('/admin', (_req, res) => res.render('index', { title: 'Admin', entry: 'src/admin.js' }))
  app.get('/broken', (_req, res) => res.render('broken'))
  app.use((error, _req, res, _next) => res.status(500).type('text/plain').send(String(error.message)))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`Express + Vite on http://127.0.0.1:${server.address().port}/`)
  })
}
