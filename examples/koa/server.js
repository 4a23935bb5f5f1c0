// Koa with a template literal: `node examples/koa/server.js`, then open http://127.0.0.1:3000/

import { fileURLToPath } from 'node:url'
import Koa from 'koa'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/koa'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))

function page({ staticUrl, staticScript, staticStylesheet }) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Koa</title>
  <link rel="icon" href="/favicon.ico">
  ${staticStylesheet('css/app.css')}
  ${staticScript('js/app.js', { defer: true })}
</head>
<body>
  <h1><img src="${staticUrl('img/logo.svg')}" alt="" width="32" height="32"> Koa</h1>
  <p id="note">app.js has not run</p>
  <img src="${staticUrl('img/pixel.png')}" alt="a green pixel" width="16" height="16">
</body>
</html>`
}

export async function createApp() {
  const assets = await createStatic({ root, dev: process.env.NODE_ENV === 'development' })
  const app = new Koa()
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      ctx.status = 500
      ctx.type = 'text/plain'
      ctx.body = `${ctx.path}: ${error.message}`
    }
  })
  app.use(serveStatic(assets)) // serves /static/… and the aliases; ctx.state.staticUrl for pages
  app.use(async (ctx) => {
    if (ctx.path === '/') {
      ctx.type = 'html'
      ctx.body = page(ctx.state)
    } else if (ctx.path === '/broken') {
      ctx.body = `<img src="${ctx.state.staticUrl('img/tpyo.png')}">`
    }
  })
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`Koa on http://127.0.0.1:${server.address().port}/`)
  })
}
