import { hashFile } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import type { Asset } from '../types.js'
import { createAsset } from './asset.js'
import { rereadWithReferences, toGraphOptions } from './read.js'

/** Re-reads a production entry that changed on disk; its precompressed variants are dropped as stale. */
export async function refreshEntry(
  lookup: (logicalPath: string) => Asset | undefined,
  byPath: Map<string, Asset>,
  logicalPath: string,
  options: ResolvedOptions,
): Promise<Asset | undefined> {
  const current = byPath.get(logicalPath)
  if (current === undefined) return undefined
  let next: Asset | undefined
  if (current.body !== undefined) {
    const reread = rereadWithReferences(
      logicalPath,
      current.absolutePath,
      (target) => lookup(target)?.token,
      toGraphOptions(options),
    )
    if (reread !== undefined) {
      next = createAsset({
        ...current,
        size: reread.size,
        mtimeMs: reread.mtimeMs,
        hash: reread.result.hash,
        token: reread.result.token,
        body: reread.result.body,
        encodings: [],
        integrity: undefined,
        contentType: current.contentType,
      })
    }
  } else {
    const hashed = await hashFile(current.absolutePath).catch(() => undefined)
    if (hashed !== undefined) {
      next = createAsset({
        ...current,
        size: hashed.stats.size,
        mtimeMs: hashed.stats.mtimeMs,
        hash: hashed.hash,
        token: undefined,
        encodings: [],
        integrity: undefined,
        contentType: current.contentType,
      })
    }
  }
  if (next === undefined) byPath.delete(logicalPath)
  else byPath.set(logicalPath, next)
  return next
}
