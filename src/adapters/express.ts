/**
 * Express (5 and 4) and Connect middleware: serves the prefix and the root aliases, puts `staticUrl`
 * and the SRI tag helpers on `res.locals` for views, and passes everything else to `next()`.
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { HintList, StaticAssets } from '../index.js'
import type { ServeStaticOptions } from './options.js'
import { preloadHelper, type TemplateHelpers, templateHelpers } from './template-helpers.js'

export type { ServeStaticOptions } from './options.js'

/** What views see on `res.locals`. */
export type StaticLocals = TemplateHelpers

declare global {
  namespace Express {
    /** `res.locals.staticUrl` and the other helpers are typed wherever this adapter is imported. */
    interface Locals extends TemplateHelpers {}
  }
}

/**
 * @example
 * const app = express()
 * app.use(serveStatic(assets))
 * // in an EJS view: <link rel="stylesheet" href="<%= staticUrl('css/app.css') %>">
 * app.use(serveStatic(assets, { earlyHints: ['css/app.css'] })) // a 103 for each page navigation
 */
export function serveStatic(assets: StaticAssets, options: ServeStaticOptions = {}): RequestHandler {
  const locals = templateHelpers(assets)
  const hints = options.earlyHints
  return function vstatic(req: Request, res: Response, next: NextFunction): void {
    const staticPreload = preloadHelper(assets, (value) => {
      if (!res.headersSent) res.append('Link', value)
    })
    Object.assign(res.locals, locals, { staticPreload } satisfies Partial<StaticLocals>)
    assets.handle(req, res, hints === undefined ? next : (error) => passOn(assets, hints, res, next, error))
  }
}

/** Hints the page the app is about to render, then passes the request on. */
function passOn(assets: StaticAssets, hints: HintList, res: Response, next: NextFunction, error: unknown) {
  if (error !== undefined) return next(error)
  try {
    assets.earlyHints(res, hints)
  } catch (hintError) {
    return next(hintError) // a file the list names is not in the index: the app's error handler says so
  }
  next()
}
