/**
 * Hono middleware: serves the prefix and the root aliases as web Responses (file bodies as
 * streams), so it runs under @hono/node-server; `c.var.staticUrl` carries the URL helper.
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import type { StaticAssets } from '../index.js'
import { awaitBindingsTurn } from '../serve/turn.js'
import { abandonedResponse, toWebRequestInfo, toWebResponse } from '../serve/web.js'
import { type TemplateHelpers, templateHelpers } from './template-helpers.js'

/** Variables the middleware sets on the context (`c.get('staticUrl')`, `c.var.staticUrl`). */
export type StaticVariables = TemplateHelpers

/**
 * @example
 * const app = new Hono<{ Variables: StaticVariables }>()
 * app.use(serveStatic(assets))
 * app.get('/', (c) => c.html(`<link rel="stylesheet" href="${c.var.staticUrl('css/app.css')}">`))
 */
export function serveStatic(assets: StaticAssets): MiddlewareHandler<{ Variables: StaticVariables }> {
  const helpers = Object.entries(templateHelpers(assets)) as Array<
    [keyof StaticVariables, StaticVariables[keyof StaticVariables]]
  >
  return async function vstatic(c, next) {
    for (const [name, helper] of helpers) c.set(name, helper)
    // Under @hono/node-server, on a pipelined connection: open nothing before this response's turn.
    const turn = awaitBindingsTurn(c.env)
    if (turn !== true && !(await turn)) return abandonedResponse()
    const prepared = await assets.prepare(toWebRequestInfo(c.req.raw))
    if (prepared === undefined) return next()
    return toWebResponse(prepared)
  }
}
