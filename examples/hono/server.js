// Hono with html`` templates on @hono/node-server: `node examples/hono/server.js`, then open http://127.0.0.1:3000/

import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/hono'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))

export async function createApp() {
  const assets = await createStatic({ root, dev: process.env.NODE_ENV === 'development' })
  const app = new Hono()
  app.use(serveStatic(assets)) // serves /static/… and the aliases; c.var.staticUrl for pages
  app.get('/', (c) =>
    c.html(html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Hono</title>
  <link rel="icon" href="/favicon.ico">
  ${raw(c.var.staticStylesheet('css/app.css'))}
  ${raw(c.var.staticScript('js/app.js', { defer: true }))}
</head>
<body>
  <h1><img src="${c.var.staticUrl('img/logo.svg')}" alt="" width="32" height="32"> Hono</h1>
  <p id="note">app.js has not run</p>
  <img src="${c.var.staticUrl('img/pixel.png')}" alt="a green pixel" width="16" height="16">
</body>
</html>`),
  )
  app.get('/broken', (c) => c.html(html`<img src="${c.var.staticUrl('img/tpyo.png')}">`))
  app.onError((error, c) => c.text(`${c.req.path}: ${error.message}`, 500))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, (info) => {
    console.log(`Hono on http://127.0.0.1:${info.port}/`)
  })
}
