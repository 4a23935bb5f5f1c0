import type { AssetLookup } from '../http/resolve.js'
import type { Asset } from '../types.js'

/** The index every other layer reads. Lookups are synchronous; only a refresh is async. */
export interface AssetIndex extends AssetLookup {
  /**
   * The asset to serve for `asset`, checked against the disk: the same object when its bytes are
   * known to be there, a newer asset when the file changed, undefined when it is gone, or a promise
   * of one of those while the file is read again. Rejects with an EMFILE error when no file
   * descriptor is free for that read.
   */
  verify(asset: Asset): Asset | undefined | Promise<Asset | undefined>
  /**
   * True when `asset` (from `get`) may be named by its token and SRI value: it is the current asset
   * of its path and neither its file nor, for a stylesheet, any file it references (transitively) is
   * being re-read after a change. `get` checks the disk at most once a second and starts those
   * re-reads; this only reads what the checks found.
   */
  isFresh(asset: Asset): boolean
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
