/**
 * The public shape of what `createStatic()` returns: URLs and tags for templates, and the handlers
 * that serve the files.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { StaticResponse } from './http/plan.js'
import type { HintableResponse } from './markup/early-hints.js'
import type { PreparedResponse } from './serve/node-io.js'
import type { NextFunction } from './serve/pipeline.js'
import type {
  Asset,
  EarlyHintsOptions,
  HintList,
  ImportMapOptions,
  RequestInfo,
  TagAttributes,
  UrlOptions,
  Versioning,
} from './types.js'

/** The static assets of one root: URLs for templates and the handler that serves them. */
export interface StaticAssets {
  /** Absolute path of the root (the first, when there are several). */
  readonly root: string
  /** Absolute paths of every root, in the order a logical path is looked up. */
  readonly roots: readonly string[]
  /** URL prefix, always ending in `/`. */
  readonly prefix: string
  /** Root-level URL paths served from files of the root (`/favicon.ico`, `/robots.txt`, …). */
  readonly aliases: readonly string[]
  /** True in dev mode. */
  readonly dev: boolean
  /** Where tokens go in URLs. */
  readonly versioning: Versioning
  /** The build id of the loaded manifest; undefined when the root was scanned. */
  readonly buildId: string | undefined
  /**
   * The public URL of a file of the root, versioned with its content token.
   * @example assets.url('css/app.css') // → '/static/css/app.css?v=3f2a9c1b7d0e4a51'
   * @throws MissingAssetError when the file is not in the index (unless `onMissing: 'warn'`).
   */
  url(path: string, options?: UrlOptions): string
  /**
   * The Subresource Integrity value of a file (`sha384-…`), over the exact bytes served.
   * @example assets.integrity('js/app.js') // → 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC'
   * @throws MissingAssetError when the file is not in the index.
   */
  integrity(path: string): string
  /**
   * A `<script>` tag with the versioned `src`, `integrity` and `crossorigin`; attribute values escaped.
   * @example assets.script('js/app.js', { defer: true })
   * // → '<script src="/static/js/app.js?v=8ffb75a71a76e3b5" integrity="sha384-…" crossorigin="anonymous" defer></script>'
   */
  script(path: string, attributes?: TagAttributes): string
  /**
   * A `<link rel="stylesheet">` tag with the versioned `href`, `integrity` and `crossorigin`.
   * @example assets.stylesheet('css/app.css')
   * // → '<link rel="stylesheet" href="/static/css/app.css?v=8835ac5e6b6b1b6c" integrity="sha384-…" crossorigin="anonymous">'
   */
  stylesheet(path: string, attributes?: TagAttributes): string
  /**
   * The tags that load an entry of the bundler's manifest (option `vite`), in the order a browser
   * needs them: its stylesheets (imported chunks' first), a `<link rel="modulepreload">` for each
   * statically imported chunk, and the `<script type="module">`, each with `integrity` and
   * `crossorigin`. `attributes` go on the module script (a `nonce` on every tag). Several names
   * share their chunks once. In dev mode with `vite.devServer`: Vite's client and the entry, from the dev server.
   * @example assets.entry('src/main.ts')
   * // → '<link rel="stylesheet" href="/static/assets/main-DiwrgTda.css" integrity="sha384-…" crossorigin="anonymous">\n' +
   * //   '<script type="module" src="/static/assets/main-BuQMaAmp.js" integrity="sha384-…" crossorigin="anonymous"></script>'
   * @throws MissingAssetError naming the manifest when an entry is not in it.
   */
  entry(name: string | readonly string[], attributes?: TagAttributes): string
  /**
   * A `<script type="importmap">` that maps the plain URL of each JavaScript module of the root to
   * its versioned URL and lists the integrity of each, so the imports inside versioned modules load
   * versioned URLs too. Render it before any module script.
   * @example assets.importMap({ imports: { lit: 'vendor/lit.js' } })
   * // → '<script type="importmap">{ "imports": { "/static/js/util.js": "/static/js/util.js?v=…", "lit": … }, "integrity": { … } }</script>'
   * @throws MissingAssetError when a specifier names a file that is not in the index.
   */
  importMap(options?: ImportMapOptions): string
  /**
   * Sends one `103 Early Hints` response whose `Link` header preloads the versioned URLs of `list`
   * (`rel=preload` with `as=style|script|font|image|fetch`, `rel=modulepreload` for a bundler entry's
   * module script and chunks, `crossorigin` as the tags have it), so the browser fetches them while
   * the app still renders. Sent only for a GET navigation (`Sec-Fetch-Mode: navigate`,
   * `Sec-Fetch-Dest: document`, or no fetch metadata and an `Accept` that prefers HTML), once per
   * response, before its headers; over HTTP/2, and over HTTP/1.1 only with `earlyHints: { http1: true }`.
   * Returns true when it was sent; otherwise does nothing. `res` is node:http's `ServerResponse` or
   * node:http2's `Http2ServerResponse`.
   * @example assets.earlyHints(res, { entry: 'src/main.ts' })
   * // → 103 with link: </static/assets/main-DiwrgTda.css>; rel=preload; as=style; crossorigin, …
   * @throws MissingAssetError when a file is not in the index (unless `onMissing: 'warn'`) or an entry not in the bundler manifest.
   */
  earlyHints(res: HintableResponse, list: HintList, options?: EarlyHintsOptions): boolean
  /**
   * The same preloads as a `Link` header value for the final response, for a CDN that turns them
   * into 103s and for HTTP/1.1 without the opt-in. '' for an empty list.
   * @example res.setHeader('link', assets.linkHeader(['css/app.css']))
   * // → '</static/css/app.css?v=8835ac5e6b6b1b6c>; rel=preload; as=style; crossorigin'
   */
  linkHeader(list: HintList): string
  /** The indexed asset for a logical path, or undefined. */
  get(path: string): Asset | undefined
  /** Every indexed asset, in logical-path order. */
  assets(): Asset[]
  /**
   * Resolves and plans a request without doing any I/O. Returns undefined when the request is not
   * for us (outside the prefix and aliases, or a missing file when `fallthrough` is on). A planned
   * `FileBody` may name bytes not yet checked against the token: send bytes through `prepare()`.
   */
  respond(request: RequestInfo): StaticResponse | undefined
  /**
   * Resolves, plans and opens the body: a response ready to write, or undefined when the request is
   * not for us. What every adapter calls. Rejects only for unexpected I/O errors (EACCES, EIO).
   * A stream body holds an open file: pipe it to the client, or `destroy()` it.
   */
  prepare(request: RequestInfo): Promise<PreparedResponse | undefined>
  /**
   * The handler for web-standard runtimes: a Fetch API Request in, a Response out (404 when the
   * request is not for a static file).
   * @example export default { fetch: (request) => assets.fetch(request) }
   */
  fetch(request: Request): Promise<Response>
  /**
   * The handler for node:http, node:http2 (compatibility API) and Connect-style stacks (Express, Connect, polka).
   * @example http.createServer((req, res) => assets.handle(req, res))
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: NextFunction): void
  /** Figures for monitoring: indexed files, and bytes held by the in-memory body cache against its budget. */
  stats(): { readonly files: number; readonly cachedBodyBytes: number; readonly memoryBudget: number }
  /** Releases what the assets hold (cached bodies, a probe of the dev server in flight). Safe to call more than once. */
  close(): Promise<void>
}
