/**
 * The options every adapter's `serveStatic()` takes besides the assets.
 * @module
 */
import type { HintList } from '../index.js'

/** Options of `serveStatic()` in `vstatic/express`, `vstatic/koa` and `vstatic/hono` (and of the Fastify plugin). */
export interface ServeStaticOptions {
  /**
   * What the app's pages load (`['css/app.css', 'js/app.js']` or `{ entry: 'src/main.ts' }`): each
   * navigation passed on to the app first gets a 103 Early Hints response preloading them, under the
   * rules of `assets.earlyHints()`. Where the runtime cannot send a 1xx (Hono without
   * @hono/node-server), the final response of a navigation carries them as a `Link` header instead.
   */
  readonly earlyHints?: HintList
}
