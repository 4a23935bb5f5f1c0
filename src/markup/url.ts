/**
 * `url()`: the versioned URL of a file of the index, and the error or warning for a path it lacks.
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import type { AssetIndex } from '../catalog/asset-index.js'
import { formatSuggestions, type MissingAssetError } from '../errors.js'
import { formatAssetPath, formatVersionedUrl } from '../http/versioned-path.js'
import { type ResolvedOptions, resolveHost } from '../options/options.js'
import { isIgnoredFile } from '../root/scan.js'
import type { Asset, UrlOptions } from '../types.js'
import { findAsset, missingAssetError } from './url-input.js'

/** The signature of `url()`. */
export type UrlFunction = (path: string, urlOptions?: UrlOptions) => string

/**
 * Where url() looks for a path that the index lacks (a source path of the bundler's manifest): the
 * built file that stands for it, or a URL to use as it is (the dev server's); undefined when it
 * knows the path no better than the index.
 */
export type SourceLookup = (
  logicalPath: string,
) => { readonly file: string } | { readonly href: string } | undefined

/**
 * The URL of an asset found in the index, with a query or fragment given after its path (`suffix`)
 * and a host: versioned while the index says it is fresh, else the plain path. Versioned URLs with
 * no suffix and the default host are built once per asset object.
 */
export type AssetUrl = (asset: Asset, fresh: boolean, suffix?: string, host?: string) => string

/** The {@link AssetUrl} of `options`, with its own cache of built URLs. */
export function createAssetUrl(options: ResolvedOptions): AssetUrl {
  // Production URLs never change for a given asset object, so each is built once.
  const built = new WeakMap<Asset, string>()
  return (asset, fresh, suffix = '', host = options.host) => {
    // A bundler's fingerprinted name is its version; a file being re-read has no token to trust yet.
    if (!fresh || asset.fingerprinted)
      return host + formatAssetPath(options.prefix, asset.logicalPath, undefined, options.versioning) + suffix
    if (host !== options.host || suffix !== '') return host + versionedPath(asset, suffix)
    let value = built.get(asset)
    if (value === undefined) {
      value = options.host + versionedPath(asset, '')
      built.set(asset, value)
    }
    return value
  }

  /** The versioned URL path, with a query and fragment given after the path kept (`v` first). */
  function versionedPath(asset: Asset, suffix: string): string {
    const urlPath = formatAssetPath(options.prefix, asset.logicalPath, undefined, options.versioning)
    return formatVersionedUrl(urlPath, asset.token, options.versioning, suffix)
  }
}

/**
 * `url()` over `index`. The token comes from checked bytes: the lookup checks the file (and, for a
 * stylesheet, what it references) at most once a second, and while a file found changed is being
 * re-read the URL is the plain path, which the handler answers with the new bytes and `no-cache`.
 */
export function createUrl(options: ResolvedOptions, index: AssetIndex, sources?: SourceLookup): UrlFunction {
  const warned = new Set<string>()
  const assetUrl = createAssetUrl(options)

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
        { kind: 'missing-asset', paths: [logicalPath] },
      )
    }
    return formatAssetPath(options.prefix, logicalPath, undefined, options.versioning)
  }

  /** A path the index lacks: a source path of the bundler's manifest, else missing. */
  function unindexed(
    path: string,
    logicalPath: string | undefined,
    suffix: string,
    host: string | undefined,
    urlOptions: UrlOptions | undefined,
  ): string {
    const source = logicalPath === undefined ? undefined : sources?.(logicalPath)
    if (source !== undefined && 'href' in source) return source.href + suffix
    const built = source === undefined ? undefined : index.get(source.file)
    if (built === undefined) return host + missing(path, logicalPath) + suffix
    return assetUrl(built, urlOptions?.version !== false && index.isFresh(built), suffix, host)
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
    if (asset === undefined) return unindexed(path, logicalPath, suffix, host, urlOptions)
    const fresh = urlOptions?.version !== false && index.isFresh(asset)
    return assetUrl(asset, fresh, suffix, host)
  }
}

/**
 * The error for a path that no root has: it names the root, or every root, and why the path can
 * never name a file or what it was probably meant to be.
 */
export function missingAsset(
  path: string,
  logicalPath: string | undefined,
  options: ResolvedOptions,
  index: AssetIndex,
): MissingAssetError {
  const where = options.roots.map(({ root }) => JSON.stringify(root)).join(' or ')
  return missingAssetError(
    path,
    { root: options.root, where },
    logicalPath,
    () => index.assets().map((asset) => asset.logicalPath),
    (missing) => ignoringPattern(options, missing),
  )
}

/** The first `ignore` pattern that leaves out a file of a root at `logicalPath`, if one does. */
function ignoringPattern(options: ResolvedOptions, logicalPath: string): string | undefined {
  if (options.ignore.length === 0) return undefined
  // Only a file that is there can be left out; the error path alone pays for these stats.
  const holders = options.roots.filter((root) =>
    statSync(path.join(root.realRoot, logicalPath), { throwIfNoEntry: false })?.isFile(),
  )
  return options.ignore.find((pattern) =>
    holders.some((root) => isIgnoredFile(root.realRoot, logicalPath, [pattern], root)),
  )
}
