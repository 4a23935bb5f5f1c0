/**
 * Koa middleware: serves the prefix and the root aliases, sets `ctx.state.staticUrl` (and the SRI
 * tag helpers) for views, and leaves every other request, and Koa's own 404, to the app.
 * @module
 */
import type { Middleware } from 'koa'
import type { StaticAssets } from '../index.js'
import { awaitTurn } from '../serve/turn.js'
import { templateHelpers } from './template-helpers.js'

const EMPTY = Buffer.alloc(0)

/**
 * @example
 * const app = new Koa()
 * app.use(serveStatic(assets))
 */
export function serveStatic(assets: StaticAssets): Middleware {
  const helpers = templateHelpers(assets)
  return async function vstatic(ctx, next) {
    Object.assign(ctx.state, helpers)
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
    if (prepared === undefined) return next()
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
