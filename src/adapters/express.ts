/**
 * Express (5 and 4) and Connect middleware: serves the prefix and the root aliases, puts `staticUrl`
 * and the SRI tag helpers on `res.locals` for views, and passes everything else to `next()`.
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { StaticAssets } from '../index.js'
import { type TemplateHelpers, templateHelpers } from './template-helpers.js'

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
 */
export function serveStatic(assets: StaticAssets): RequestHandler {
  const locals: StaticLocals = templateHelpers(assets)
  return function vstatic(req: Request, res: Response, next: NextFunction): void {
    Object.assign(res.locals, locals)
    assets.handle(req, res, next)
  }
}
