/**
 * createStatic(): the façade. Builds the asset index once and returns url(), handle() and friends.
 * @module
 */
import type { AssetIndex } from './catalog/asset-index.js'
import { createLiveIndex } from './catalog/dev-index.js'
import { createManifestIndex } from './catalog/manifest-index.js'
import { createScannedIndex } from './catalog/scanned-index.js'
import { formatSuggestions, type MissingAssetError, StaticConfigError } from './errors.js'
import { createCachePolicies, notFoundCacheControl } from './http/cache-control.js'
import { formatAssetPath, formatVersionedUrl } from './http/versioned-path.js'
import { toLogicalPath } from './logical-path.js'
import { loadManifest } from './manifest/check.js'
import type { Manifest } from './manifest/format.js'
import { createEntry } from './markup/entry-tags.js'
import { renderImportMap } from './markup/import-map.js'
import { renderTag, type TagKind } from './markup/tags.js'
import { findAsset, missingAssetError } from './markup/url-input.js'
import { type ResolvedOptions, resolveHost, resolveOptions } from './options/options.js'
import { computeIntegrity } from './root/integrity.js'
import { rootNamed } from './root/roots.js'
import { createBodyCache } from './serve/body-cache.js'
import { createBodySource } from './serve/open-body.js'
import { createPipeline } from './serve/pipeline.js'
import type { StaticAssets } from './static-assets.js'
import type { Asset, ImportMapOptions, StaticOptions, TagAttributes, UrlOptions } from './types.js'

export type { NextFunction } from './serve/pipeline.js'
export type { StaticAssets } from './static-assets.js'

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
    notFoundCacheControl: notFoundCacheControl(options.notFoundMaxAge),
  })
  const url = createUrl(options, index)
  const { integrity, integrityOf, tag } = createTagHelpers(options, index, url)
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
    entry: createEntry({ options, url: (path) => url(path), integrity: integrityOf }),
    importMap: (importMapOptions?: ImportMapOptions) =>
      renderImportMap({ options, assets, url, integrity: integrityOf }, importMapOptions),
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

/**
 * `integrity()` and the tags: SRI values read (once per asset) from bytes checked against the
 * asset's hash. While a changed file is being re-read, `integrity()` throws and the tags (and
 * `entry()`, `importMap()`) leave the value out rather than carry a wrong one.
 */
function createTagHelpers(options: ResolvedOptions, index: AssetIndex, url: StaticAssets['url']) {
  const integrities = new WeakMap<Asset, string>()

  function requireAsset(path: string): Asset {
    const found = findAsset((logicalPath) => index.get(logicalPath), path)
    if (found.asset === undefined) throw missingAsset(path, found.logicalPath, options, index)
    return found.asset
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

  /** The SRI value of a file of the index, or undefined while it is being re-read. */
  const integrityOfPath = (path: string) => integrityOf(requireAsset(path))
  return { integrity, integrityOf: integrityOfPath, tag }
}

function createUrl(options: ResolvedOptions, index: AssetIndex): StaticAssets['url'] {
  const warned = new Set<string>()
  // Production URLs never change for a given asset object, so each is built once.
  const built = new WeakMap<Asset, string>()

  function missing(path: string, logicalPath: string | undefined): string {
    // A path that can never name a file of the root (`..`, empty) is a bug in the caller: always throw.
    const error = () => missingAsset(path, logicalPath, options, index)
    if (options.onMissing === 'throw' || logicalPath === undefined) throw error()
    if (!warned.has(path)) {
      warned.add(path)
      const where = options.roots.map(({ root }) => root).join(' or ')
      const suggestions = formatSuggestions(error().suggestions)
      options.onWarning(
        `static asset ${JSON.stringify(path)} is not in ${where}; using an unversioned URL${suggestions}`,
      )
    }
    return formatAssetPath(options.prefix, logicalPath, undefined, options.versioning)
  }

  return function url(path: string, urlOptions?: UrlOptions): string {
    if (typeof path !== 'string') throw new TypeError(`url() expects a path string, got ${typeof path}`)
    // A query or fragment after the path (`sprite.svg#icon`) is kept; see findAsset.
    const { asset, logicalPath, suffix } = findAsset((candidate) => index.get(candidate), path)
    const host =
      urlOptions?.host === undefined
        ? options.host
        : urlOptions.host === false
          ? ''
          : resolveHost('host', urlOptions.host)
    if (asset === undefined) return host + missing(path, logicalPath) + suffix
    if (urlOptions?.version === false || asset.fingerprinted)
      return host + formatAssetPath(options.prefix, asset.logicalPath, undefined, options.versioning) + suffix
    if (urlOptions?.host !== undefined || suffix !== '') return host + versionedPath(asset, suffix)
    let value = built.get(asset)
    if (value === undefined) {
      value = options.host + versionedPath(asset)
      built.set(asset, value)
    }
    return value
  }

  /** The versioned URL path, with a query and fragment given after the path kept (`v` first). */
  function versionedPath(asset: Asset, suffix = ''): string {
    const urlPath = formatAssetPath(options.prefix, asset.logicalPath, undefined, options.versioning)
    return formatVersionedUrl(urlPath, asset.token, options.versioning, suffix)
  }
}

/**
 * The error for a path that no root has: it names the root, or every root, and why the path can
 * never name a file or what it was probably meant to be.
 */
function missingAsset(
  path: string,
  logicalPath: string | undefined,
  options: ResolvedOptions,
  index: AssetIndex,
): MissingAssetError {
  const where = options.roots.map(({ root }) => JSON.stringify(root)).join(' or ')
  return missingAssetError(path, { root: options.root, where }, logicalPath, () =>
    index.assets().map((asset) => asset.logicalPath),
  )
}
