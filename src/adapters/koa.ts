/**
 * Koa middleware: serves the prefix and the root aliases, sets `ctx.state.staticUrl` (and the SRI
 * tag helpers) for views, and leaves every other request, and Koa's own 404, to the app.
 * @module
 */
import type { Middleware } from 'koa'
import type { StaticAssets } from '../index.js'
import { awaitTurn } from '../serve/turn.js'
import type { ServeStaticOptions } from './options.js'
import { preloadHelper, type TemplateHelpers, templateHelpers } from './template-helpers.js'

export type { ServeStaticOptions } from './options.js'

declare module 'koa' {
  /** `ctx.state.staticUrl` and the other helpers are typed wherever this adapter is imported. */
  interface DefaultState extends TemplateHelpers {}
}

const EMPTY = Buffer.alloc(0)

/**
 * @example
 * const app = new Koa()
 * app.use(serveStatic(assets, { earlyHints: ['css/app.css'] })) // earlyHints: a 103 for each page navigation
 */
export function serveStatic(assets: StaticAssets, options: ServeStaticOptions = {}): Middleware {
  const helpers = templateHelpers(assets)
  const hints = options.earlyHints
  return async function vstatic(ctx, next) {
    const staticPreload = preloadHelper(assets, (value) => {
      if (!ctx.headerSent) ctx.append('Link', value)
    })
    Object.assign(ctx.state, helpers, { staticPreload })
    // On a pipelined connection, open nothing before this response's turn; none comes if it closed.
    const turn = awaitTurn(ctx.req, ctx.res)
    if (turn !== true && !(await turn)) {
      ctx.respond = false
      return
    }
    const prepared = await assets.prepare({
      method: ctx.method,
      url: ctx.originalUrl,
      header: (name) => ctx.get(name) || undefined,
    })
    if (prepared === undefined) {
      if (hints !== undefined) assets.earlyHints(ctx.res, hints)
      return next()
    }
    // Body first: Koa's body setter picks a status and type, which the prepared ones then replace.
    // An empty buffer rather than null, which Koa would turn into a 204 without the planned headers.
    const body = prepared.body
    // A file that fails mid-stream (it shrank) must end the connection; Koa 2 would leave it open.
    if (body !== null && !Buffer.isBuffer(body)) body.once('error', () => ctx.res.destroy())
    ctx.body = body ?? EMPTY
    ctx.status = prepared.status
    ctx.set(prepared.headers)
  }
}
