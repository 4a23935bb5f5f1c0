// Fastify + @fastify/view (Eta): `node examples/fastify-eta/server.js`, then open http://127.0.0.1:3000/

import { fileURLToPath } from 'node:url'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import Fastify from 'fastify'
import { createStatic } from 'vstatic'
import { serveStatic } from 'vstatic/fastify'

const root = fileURLToPath(new URL('../../fixtures/public', import.meta.url))

export async function createApp() {
  const assets = await createStatic({ root, dev: process.env.NODE_ENV === 'development' })
  const app = Fastify()
  await app.register(serveStatic, { assets }) // routes for /static/… and the aliases; reply.locals.staticUrl
  await app.register(fastifyView, {
    engine: { eta: new Eta({ debug: true }) }, // debug: errors name the template and line
    root: fileURLToPath(new URL('./views', import.meta.url)),
  })
  app.get('/', (_request, reply) => reply.view('index.eta', { title: 'Fastify + Eta' }))
  app.get('/broken', (_request, reply) => reply.view('broken.eta'))
  app.setErrorHandler((error, _request, reply) => reply.code(500).type('text/plain').send(error.message))
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp()
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
  console.log(`Fastify + Eta on ${address}/`)
}
