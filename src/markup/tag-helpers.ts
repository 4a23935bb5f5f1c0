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
import { createAssetUrl, missingAsset } from './url.js'
import { findAsset } from './url-input.js'

/** What a tag names: its URL and the SRI value of the bytes that URL serves, if known now. */
export interface TagTarget {
  readonly href: string
  /** Undefined while the file, or a file it references, is being re-read: the tag then goes without. */
  readonly integrity: string | undefined
}

/**
 * `integrity()` and the tags: SRI values read (once per asset) from bytes checked against the
 * asset's hash. A tag's URL and integrity come from one lookup and one freshness decision: while a
 * changed file (or, for a stylesheet, a file it references) is being re-read, the tag carries the
 * plain URL and no integrity, `integrity()` throws, and `entry()` and `importMap()` leave the value
 * out, rather than name bytes the disk no longer holds.
 */
export function createTagHelpers(options: ResolvedOptions, index: AssetIndex) {
  const integrities = new WeakMap<Asset, string>()
  const assetUrl = createAssetUrl(options)

  function requireAsset(path: string): { asset: Asset; suffix: string } {
    const found = findAsset((logicalPath) => index.get(logicalPath), path)
    if (found.asset === undefined) throw missingAsset(path, found.logicalPath, options, index)
    return { asset: found.asset, suffix: found.suffix }
  }

  /** The SRI value of what the asset serves, read (once per asset) from bytes checked against its hash. */
  function integrityOf(asset: Asset): string | undefined {
    if (!index.isFresh(asset)) return undefined
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
    const value = integrityOf(requireAsset(path).asset)
    if (value === undefined) {
      throw new Error(
        `${path} changed on disk since it was indexed; its integrity is known again once it has been re-read (within about a second)`,
      )
    }
    return value
  }

  /** The URL and integrity of a tag for `path`; throws a MissingAssetError for a path the index lacks. */
  function target(path: string): TagTarget {
    const { asset, suffix } = requireAsset(path)
    const value = integrityOf(asset)
    // Asked after the integrity: bytes found changed while it was read have started a re-read, and
    // the URL is then the plain one, like the tag's lack of integrity.
    return { href: assetUrl(asset, index.isFresh(asset), suffix), integrity: value }
  }

  function tag(kind: TagKind, path: string, attributes: TagAttributes | undefined): string {
    const { href, integrity: value } = target(path)
    return renderTag(kind, href, value, options.crossorigin, attributes)
  }

  return { integrity, target, tag }
}
