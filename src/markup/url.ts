/**
 * `url()`: the versioned URL of a file of the index, and the error or warning for a path it lacks.
 * @module
 */
import type { AssetIndex } from '../catalog/asset-index.js'
import { formatSuggestions, type MissingAssetError } from '../errors.js'
import { formatAssetPath, formatVersionedUrl } from '../http/versioned-path.js'
import { type ResolvedOptions, resolveHost } from '../options/options.js'
import type { Asset, UrlOptions } from '../types.js'
import { findAsset, missingAssetError } from './url-input.js'

/** The signature of `url()`. */
export type UrlFunction = (path: string, urlOptions?: UrlOptions) => string

/** `url()` over `index`: production URLs are built once per asset object. */
export function createUrl(options: ResolvedOptions, index: AssetIndex): UrlFunction {
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
export function missingAsset(
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
