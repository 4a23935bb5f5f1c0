/**
 * Hono middleware: serves the prefix and the root aliases as web Responses (file bodies as
 * streams), so it runs under @hono/node-server; `c.var.staticUrl` carries the URL helper.
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import type { StaticAssets } from '../index.js'
import { toWebRequestInfo, toWebResponse } from '../serve/web.js'

/** Variables the middleware sets on the context (`c.get('staticUrl')`, `c.var.staticUrl`). */
export interface StaticVariables {
  staticUrl: StaticAssets['url']
  staticScript: StaticAssets['script']
  staticStylesheet: StaticAssets['stylesheet']
  staticIntegrity: StaticAssets['integrity']
}

/**
 * @example
 * const app = new Hono<{ Variables: StaticVariables }>()
 * app.use(serveStatic(assets))
 * app.get('/', (c) => c.html(`<link rel="stylesheet" href="${c.var.staticUrl('css/app.css')}">`))
 */
export function serveStatic(assets: StaticAssets): MiddlewareHandler<{ Variables: StaticVariables }> {
  return async function vstatic(c, next) {
    c.set('staticUrl', assets.url)
    c.set('staticScript', assets.script)
    c.set('staticStylesheet', assets.stylesheet)
    c.set('staticIntegrity', assets.integrity)
    const prepared = await assets.prepare(toWebRequestInfo(c.req.raw))
    if (prepared === undefined) return next()
    return toWebResponse(prepared)
  }
}
