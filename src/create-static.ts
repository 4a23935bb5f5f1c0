/**
 * createStatic(): the façade. Builds the asset index once and returns url(), handle() and friends.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AssetIndex } from './catalog/asset-index.js'
import { createLiveIndex } from './catalog/dev-index.js'
import { computeIntegrity } from './catalog/integrity.js'
import type { Manifest } from './catalog/manifest.js'
import { loadManifest } from './catalog/manifest-check.js'
import { createManifestIndex } from './catalog/manifest-index.js'
import { rootNamed } from './catalog/roots.js'
import { createScannedIndex } from './catalog/scanned-index.js'
import { createEntry } from './entry-tags.js'
import { MissingAssetError, StaticConfigError } from './errors.js'
import { createCachePolicies } from './http/cache-control.js'
import type { StaticResponse } from './http/plan.js'
import { formatAssetPath } from './http/versioned-path.js'
import { renderImportMap } from './import-map.js'
import { toLogicalPath } from './logical-path.js'
import { type ResolvedOptions, resolveHost, resolveOptions } from './options.js'
import { createBodyCache } from './serve/body-cache.js'
import type { PreparedResponse } from './serve/node-io.js'
import { createBodySource } from './serve/open-body.js'
import { createPipeline, type NextFunction } from './serve/pipeline.js'
import { renderTag, type TagKind } from './tags.js'
import type {
  Asset,
  ImportMapOptions,
  RequestInfo,
  StaticOptions,
  TagAttributes,
  UrlOptions,
  Versioning,
} from './types.js'

export type { NextFunction } from './serve/pipeline.js'

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
  /** The indexed asset for a logical path, or undefined. */
  get(path: string): Asset | undefined
  /** Every indexed asset, in logical-path order. */
  assets(): Asset[]
  /**
   * Resolves and plans a request without doing any I/O. Returns undefined when the request is not
   * for us (outside the prefix and aliases, or a missing file when `fallthrough` is on).
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
  /** Releases what the assets hold (cached bodies). Safe to call more than once. */
  close(): Promise<void>
}

/** Read size of streamed files. */
const STREAM_CHUNK_BYTES = 256 * 1024

/**
 * Indexes `options.root` and returns the static assets. Options are validated here, so a bad
 * option fails at startup with a {@link StaticConfigError} naming it.
 * @example
 * const assets = await createStatic({ root: 'public' })
 * assets.url('images/logo.png') // → '/static/images/logo.png?v=5d41402abc4b2a76'
 */
export async function createStatic(options: StaticOptions): Promise<StaticAssets> {
  let resolved = resolveOptions(options)
  let manifest: Manifest | undefined
  if (resolved.manifest !== undefined) {
    if (resolved.dev) {
      throw new StaticConfigError(
        'manifest',
        'cannot be used with dev: true (dev mode hashes files as they change)',
      )
    }
    manifest = loadManifest(resolved.manifest, { ...resolved, root: resolved.roots.map(({ root }) => root) })
    resolved = resolveOptions({
      ...options,
      prefix: options.prefix ?? manifest.options.prefix,
      versioning: options.versioning ?? manifest.options.versioning,
      integrity: options.integrity ?? manifest.options.integrity,
      ignore: options.ignore ?? manifest.options.ignore,
    })
    const built = { ...manifest.options, ignore: manifest.options.ignore ?? [] }
    for (const name of ['prefix', 'versioning', 'integrity', 'ignore'] as const) {
      const [given, expected] = [JSON.stringify(resolved[name]), JSON.stringify(built[name])]
      if (given !== expected) {
        throw new StaticConfigError(
          name,
          `is ${given} but ${resolved.manifest} was built with ${expected}; rebuild it or drop the option`,
        )
      }
    }
  }
  // The index kind is chosen once, here: a manifest, dev mode's live view of the disk, or a scan.
  const index: AssetIndex =
    manifest !== undefined
      ? createManifestIndex(resolved, manifest)
      : resolved.dev
        ? createLiveIndex(resolved)
        : createScannedIndex(resolved)
  return assemble(resolved, index, manifest)
}

// --- internal ---

function assemble(options: ResolvedOptions, index: AssetIndex, manifest: Manifest | undefined): StaticAssets {
  const bodies = createBodySource(createBodyCache(options.dev ? 0 : options.memoryBudget), {
    memoryMaxFileSize: options.memoryMaxFileSize,
    verifyHash: !options.dev,
    streamChunkBytes: STREAM_CHUNK_BYTES,
  })
  const pipeline = createPipeline({
    index,
    resolve: { index, prefix: options.prefix, aliases: options.aliases, indexFile: options.index },
    plan: {
      policies: createCachePolicies(options),
      setHeaders: options.setHeaders,
      cors: options.cors,
      reused: new WeakMap(),
    },
    bodies,
    fallthrough: options.fallthrough,
  })
  const url = createUrl(options, index)
  const integrities = new WeakMap<Asset, string>()

  function requireAsset(path: string): Asset {
    const logicalPath = toLogicalPath(path)
    const asset = logicalPath === undefined ? undefined : index.get(logicalPath)
    if (asset === undefined) throw missingAsset(path, options)
    return asset
  }

  /** The SRI value of what the asset serves, read (once per asset) from bytes checked against its hash. */
  function integrityOf(asset: Asset): string | undefined {
    let value = integrities.get(asset)
    if (value === undefined) {
      // Read under the rules of the root that holds the file, like every other open of it.
      const computed = computeIntegrity(asset, options.integrity, rootNamed(options.roots, asset.root))
      // A manifest's recorded value stands only for the bytes it was built from.
      value = computed === undefined ? undefined : (asset.integrity ?? computed)
      if (value === undefined) {
        // The file no longer holds the asset's bytes: re-read it; the value is known again after that.
        index.refresh(asset.logicalPath).catch(() => undefined)
        return undefined
      }
      integrities.set(asset, value)
    }
    return value
  }

  function integrity(path: string): string {
    const value = integrityOf(requireAsset(path))
    if (value === undefined) {
      throw new Error(
        `${path} changed on disk since it was indexed; its integrity is known again once it has been re-read (within about a second)`,
      )
    }
    return value
  }

  function tag(kind: TagKind, path: string, attributes: TagAttributes | undefined): string {
    // While a changed file is being re-read the tag goes without integrity rather than with a wrong one.
    return renderTag(kind, url(path), integrityOf(requireAsset(path)), options.crossorigin, attributes)
  }

  const assets = () => index.assets()
  return Object.freeze({
    root: options.root,
    roots: Object.freeze(options.roots.map(({ root }) => root)),
    prefix: options.prefix,
    aliases: Object.freeze([...options.aliases.keys()]),
    dev: options.dev,
    versioning: options.versioning,
    buildId: manifest?.buildId,
    url,
    integrity,
    script: (path: string, attributes?: TagAttributes) => tag('script', path, attributes),
    stylesheet: (path: string, attributes?: TagAttributes) => tag('stylesheet', path, attributes),
    entry: createEntry({ options, url: (path) => url(path), integrity }),
    importMap: (importMapOptions?: ImportMapOptions) =>
      renderImportMap({ options, assets, url, integrity }, importMapOptions),
    get(path: string) {
      const logicalPath = toLogicalPath(path)
      return logicalPath === undefined ? undefined : index.get(logicalPath)
    },
    assets,
    stats: () => ({
      files: index.count(),
      cachedBodyBytes: bodies.cache.size,
      memoryBudget: options.dev ? 0 : options.memoryBudget,
    }),
    respond: pipeline.respond,
    prepare: pipeline.prepare,
    handle: pipeline.handle,
    fetch: pipeline.fetch,
    async close() {
      bodies.cache.clear()
    },
  })
}

function createUrl(options: ResolvedOptions, index: AssetIndex): StaticAssets['url'] {
  const warned = new Set<string>()
  // Production URLs never change for a given asset object, so each is built once.
  const built = new WeakMap<Asset, string>()

  function missing(path: string, logicalPath: string | undefined): string {
    // A path that can never name a file of the root (`..`, empty) is a bug in the caller: always throw.
    if (options.onMissing === 'throw' || logicalPath === undefined) throw missingAsset(path, options)
    if (!warned.has(path)) {
      warned.add(path)
      const where = options.roots.map(({ root }) => root).join(' or ')
      options.onWarning(`static asset ${JSON.stringify(path)} is not in ${where}; using an unversioned URL`)
    }
    return formatAssetPath(options.prefix, logicalPath, undefined, options.versioning)
  }

  return function url(path: string, urlOptions?: UrlOptions): string {
    if (typeof path !== 'string') throw new TypeError(`url() expects a path string, got ${typeof path}`)
    const logicalPath = toLogicalPath(path)
    const asset = logicalPath === undefined ? undefined : index.get(logicalPath)
    const host =
      urlOptions?.host === undefined
        ? options.host
        : urlOptions.host === false
          ? ''
          : resolveHost('host', urlOptions.host)
    if (asset === undefined) return host + missing(path, logicalPath)
    if (urlOptions?.version === false || asset.fingerprinted)
      return host + formatAssetPath(options.prefix, asset.logicalPath, undefined, options.versioning)
    if (urlOptions?.host !== undefined) return host + versionedPath(asset)
    let value = built.get(asset)
    if (value === undefined) {
      value = options.host + versionedPath(asset)
      built.set(asset, value)
    }
    return value
  }

  function versionedPath(asset: Asset): string {
    return formatAssetPath(options.prefix, asset.logicalPath, asset.token, options.versioning)
  }
}

/** The error for a path that no root has: it names the root, or every root. */
function missingAsset(path: string, options: ResolvedOptions): MissingAssetError {
  const where = options.roots.map(({ root }) => JSON.stringify(root)).join(' or ')
  return new MissingAssetError(path, options.root, where)
}
