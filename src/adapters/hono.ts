/**
 * Hono middleware: serves the prefix and the root aliases as web Responses (file bodies as
 * streams), so it runs under @hono/node-server; `c.var.staticUrl` carries the URL helper.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { HintableResponse, StaticAssets } from '../index.js'
import { isNavigation } from '../markup/early-hints.js'
import { awaitBindingsTurn } from '../serve/turn.js'
import { abandonedResponse, toWebRequestInfo, toWebResponse } from '../serve/web.js'
import type { ServeStaticOptions } from './options.js'
import { preloadHelper, type TemplateHelpers, templateHelpers } from './template-helpers.js'

export type { ServeStaticOptions } from './options.js'

/** Variables the middleware sets on the context (`c.get('staticUrl')`, `c.var.staticUrl`). */
export type StaticVariables = TemplateHelpers

/**
 * @example
 * const app = new Hono<{ Variables: StaticVariables }>()
 * app.use(serveStatic(assets, { earlyHints: ['css/app.css'] })) // earlyHints: a 103 for each page navigation
 * app.get('/', (c) => c.html(`<link rel="stylesheet" href="${c.var.staticUrl('css/app.css')}">`))
 */
export function serveStatic(
  assets: StaticAssets,
  options: ServeStaticOptions = {},
): MiddlewareHandler<{ Variables: StaticVariables }> {
  const helpers = Object.entries(templateHelpers(assets)) as Array<
    [keyof StaticVariables, StaticVariables[keyof StaticVariables]]
  >
  const hints = options.earlyHints
  return async function vstatic(c, next) {
    for (const [name, helper] of helpers) c.set(name, helper)
    c.set(
      'staticPreload',
      preloadHelper(assets, (value) => c.header('Link', value, { append: true })),
    )
    // Under @hono/node-server, on a pipelined connection: open nothing before this response's turn.
    const turn = awaitBindingsTurn(c.env)
    if (turn !== true && !(await turn)) return abandonedResponse()
    const prepared = await assets.prepare(toWebRequestInfo(c.req.raw))
    if (prepared !== undefined) return toWebResponse(prepared)
    if (hints === undefined) return next()
    const outgoing = nodeResponse(c.env)
    if (outgoing !== undefined) {
      assets.earlyHints(outgoing, hints)
      return next()
    }
    // No 1xx from a fetch handler: the page's final response carries the preloads instead.
    const value = assets.linkHeader(hints)
    await next()
    if (value !== '' && wantsHints(c)) c.header('Link', value, { append: true })
  }
}

/** @hono/node-server's ServerResponse (`c.env.outgoing`), which can send a 103; undefined elsewhere. */
function nodeResponse(env: unknown): HintableResponse | undefined {
  const outgoing = (env as { outgoing?: unknown } | undefined)?.outgoing
  if (outgoing === null || typeof outgoing !== 'object') return undefined
  return typeof (outgoing as Partial<HintableResponse>).writeEarlyHints === 'function'
    ? (outgoing as HintableResponse)
    : undefined
}

/** A GET navigation: what early hints would have been sent for. */
function wantsHints(c: Context): boolean {
  return c.req.method === 'GET' && isNavigation((name) => c.req.header(name))
}
