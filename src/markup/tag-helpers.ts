/**
 * `integrity()`, `script()` and `stylesheet()`: SRI values and tags for the files of the index.
 * @module
 */
import type { AssetIndex } from '../catalog/asset-index.js'
import type { ResolvedOptions } from '../options/options.js'
import { computeIntegrity } from '../root/integrity.js'
import { rootNamed } from '../root/roots.js'
import type { Asset, TagAttributes } from '../types.js'
import { renderTag, type TagKind } from './tags.js'
import { missingAsset, type UrlFunction } from './url.js'
import { findAsset } from './url-input.js'

/**
 * `integrity()` and the tags: SRI values read (once per asset) from bytes checked against the
 * asset's hash. While a changed file is being re-read, `integrity()` throws and the tags (and
 * `entry()`, `importMap()`) leave the value out rather than carry a wrong one.
 */
export function createTagHelpers(options: ResolvedOptions, index: AssetIndex, url: UrlFunction) {
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
