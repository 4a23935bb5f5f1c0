/**
 * Fastify plugin: GET and HEAD routes for the prefix and the root aliases (schema-less, so Fastify's
 * fast path stays), 405 routes for other methods, the template helpers (`staticUrl`, `staticEntry`…)
 * as decorations on the instance and the reply (and `reply.locals` for @fastify/view), visible outside the plugin's context.
 * @module
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { StaticAssets } from '../index.js'
import { awaitTurn } from '../serve/turn.js'
import type { ServeStaticOptions } from './options.js'
import { preloadHelper, type SharedHelpers, templateHelpers } from './template-helpers.js'

/** Options of the plugin. */
export interface FastifyStaticOptions extends ServeStaticOptions {
  readonly assets: StaticAssets
  /** Close the assets when Fastify closes. @default true */
  readonly closeAssets?: boolean
}

declare module 'fastify' {
  interface FastifyInstance extends SharedHelpers {}
  interface FastifyReply extends SharedHelpers {}
}

/** Marks the plugin's own routes, so that the requests of every other route can get early hints. */
const OWN_ROUTE = { vstatic: true }

async function plugin(fastify: FastifyInstance, options: FastifyStaticOptions): Promise<void> {
  const { assets, earlyHints } = options
  const helpers = templateHelpers(assets)
  // Every helper on the instance and the reply, under the names templates use.
  const entries: Array<[string, unknown]> = Object.entries(helpers)
  for (const [name, helper] of entries) {
    fastify.decorate(name, helper)
    fastify.decorateReply(name, { getter: () => helper })
  }
  // Template engines (@fastify/view) read reply.locals: put the helpers there on every request.
  if (!fastify.hasReplyDecorator('locals')) fastify.decorateReply('locals', null)
  fastify.addHook('onRequest', async (request, reply) => {
    const withLocals = reply as FastifyReply & { locals: Record<string, unknown> | null }
    const staticPreload = preloadHelper(assets, (value) => {
      if (reply.raw.headersSent) return
      const before = reply.getHeader('link')
      reply.header('link', before === undefined ? value : `${String(before)}, ${value}`)
    })
    withLocals.locals = Object.assign(withLocals.locals ?? {}, helpers, { staticPreload })
    // Methods Fastify has no route for (PROPFIND, MKCOL…) never reach a handler: answer them here,
    // so they get the same 405 (or pass-through) as on every other adapter.
    if (!fastify.supportedMethods.includes(request.method)) return handler(request, reply)
    const config = request.routeOptions.config as { vstatic?: boolean } | undefined
    if (earlyHints !== undefined && config?.vstatic !== true) assets.earlyHints(reply.raw, earlyHints)
  })
  if (options.closeAssets !== false) fastify.addHook('onClose', async () => assets.close())

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    // On a pipelined connection, open nothing before this response's turn; none comes if it closed.
    const turn = awaitTurn(request.raw, reply.raw)
    if (turn !== true && !(await turn)) return reply.hijack()
    const prepared = await assets.prepare({
      method: request.method,
      url: request.raw.url ?? request.url,
      header: (name) => {
        const value = request.headers[name]
        return Array.isArray(value) ? value.join(', ') : value
      },
    })
    if (prepared === undefined) return reply.callNotFound()
    return reply
      .code(prepared.status)
      .headers(prepared.headers)
      .send(prepared.body ?? undefined)
  }

  // The prefix without its slash is a directory URL too (a 301 when `index` is set).
  const bare = assets.prefix.length > 1 ? [assets.prefix.slice(0, -1)] : []
  const paths = [`${assets.prefix}*`, assets.prefix, ...bare, ...assets.aliases]
  const otherMethods = fastify.supportedMethods.filter((method) => method !== 'GET' && method !== 'HEAD')
  for (const url of new Set(paths)) {
    fastify.route({ method: ['GET', 'HEAD'], url, handler, config: OWN_ROUTE })
    fastify.route({ method: otherMethods as HTTPMethods[], url, handler, config: OWN_ROUTE })
  }
}

// What fastify-plugin does: no encapsulation, so the decorators are visible to the whole app.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'vstatic',
  [Symbol.for('plugin-meta')]: { name: 'vstatic', fastify: '5.x' },
})

/**
 * @example
 * await app.register(serveStatic, { assets }) // { assets, earlyHints: ['css/app.css'] }: a 103 for each page navigation
 * app.get('/', (request, reply) => reply.view('index.eta')) // templates call staticUrl('css/app.css')
 */
export const serveStatic: FastifyPluginAsync<FastifyStaticOptions> = plugin
