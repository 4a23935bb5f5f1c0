// Buildless ES modules with an import map, on Hono: `node examples/importmap/server.js`, then open
// http://127.0.0.1:3000/. The page's own files come from ./public; the favicon and robots.txt from
// the shared fixtures, a second root searched after it.

import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/hono'

export async function createApp() {
  const assets = await createStatic({
    root: [new URL('./public', import.meta.url), new URL('../../fixtures/public', import.meta.url)],
    ignore: ['**/*.md'],
    dev: process.env.NODE_ENV === 'development',
  })
  const app = new Hono()
  app.use(serveStatic(assets)) // serves /static/… and the aliases; c.var.staticImportMap for pages
  app.get('/', (c) => {
    // The page names the current versions: it must be revalidated, never cached for long.
    c.header('cache-control', 'no-cache')
    return c.html(html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Import map</title>
  <link rel="icon" href="/favicon.ico">
  ${raw(c.var.staticStylesheet('css/page.css'))}
  ${raw(c.var.staticImportMap({ folders: ['modules'], imports: { confetti: 'vendor/confetti.js' } }))}
  ${raw(c.var.staticScript('modules/main.js', { type: 'module' }))}
</head>
<body>
  <p id="note">main.js has not run</p>
  <button id="count" type="button">0 clicks</button>
</body>
</html>`)
  })
  app.onError((error, c) => c.text(`${c.req.path}: ${error.message}`, 500))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, (info) => {
    console.log(`Import map on http://127.0.0.1:${info.port}/`)
  })
}
