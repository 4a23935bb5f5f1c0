import type { AssetLookup } from '../http/resolve.js'
import type { Asset } from '../types.js'

/** The index every other layer reads. Lookups are synchronous; only a refresh is async. */
export interface AssetIndex extends AssetLookup {
  /** Re-reads one file after it was seen to change on disk; returns the new asset, or undefined if gone. */
  refresh(logicalPath: string): Promise<Asset | undefined>
  /** Every asset known now, in logical-path order. */
  assets(): Asset[]
  /** How many files the index holds, without making their assets. */
  count(): number
}

/** Adds every directory above `logicalPath` (and the root, `''`) to `directories`. */
export function addDirectories(directories: Set<string>, logicalPath: string): void {
  directories.add('')
  let slash = logicalPath.lastIndexOf('/')
  while (slash > 0) {
    const directory = logicalPath.slice(0, slash)
    if (directories.has(directory)) return
    directories.add(directory)
    slash = directory.lastIndexOf('/')
  }
}

/** Orders assets by logical path. */
export function byLogicalPath(a: Asset, b: Asset): number {
  return a.logicalPath < b.logicalPath ? -1 : a.logicalPath > b.logicalPath ? 1 : 0
}
