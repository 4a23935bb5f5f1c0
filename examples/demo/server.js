// The demo site of `npm start`: a node:http server whose page links its CSS, JS and image
// through assets.url(), and serves /favicon.ico and /robots.txt from the same directory.
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { createStatic } from '../../dist/index.js'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))
const port = Number(process.env.PORT ?? 8888)
const host = process.env.HOST ?? '127.0.0.1'
const assets = await createStatic({ root, dev: process.env.VSTATIC_DEV === '1' })

function renderPage() {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>vstatic demo</title>
  <link rel="icon" href="/favicon.ico">
  <link rel="stylesheet" href="${assets.url('css/app.css')}">
  <script src="${assets.url('js/app.js')}" defer></script>
</head>
<body>
  <h1><img src="${assets.url('img/logo.svg')}" alt="" width="32" height="32"> vstatic demo</h1>
  <p id="note">app.js has not run</p>
  <p>Every asset URL on this page carries its content token, so it is cached for a year
     and changes the moment the file does. Also served: <a href="/robots.txt">/robots.txt</a>.</p>
  <img src="${assets.url('img/pixel.png')}" alt="a green pixel" width="16" height="16">
</body>
</html>
`
}

const server = http.createServer((req, res) => {
  assets.handle(req, res, () => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      const page = renderPage()
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      res.end(req.method === 'HEAD' ? undefined : page)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('Not Found\n')
  })
})

server.listen(port, host, () => {
  console.log(`vstatic demo on http://${host}:${server.address().port}/`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close()
    server.closeIdleConnections()
  })
}
