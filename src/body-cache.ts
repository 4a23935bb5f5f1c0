/**
 * A bounded in-memory cache of small file bodies, keyed by asset. It never holds more than its byte budget.
 * @module
 */
import type { Asset } from './types.js'

/** Small bodies kept in memory after their first request. */
export interface BodyCache {
  get(asset: Asset): Buffer | undefined
  /** Keeps `bytes` for `asset` if it fits the budget; a newer asset for the same path replaces the older. */
  add(asset: Asset, bytes: Buffer): void
  /** Bytes held now. */
  readonly size: number
  clear(): void
}

/** A cache of at most `budgetBytes`. Once full it keeps what it has (no churn under load). */
export function createBodyCache(budgetBytes: number): BodyCache {
  const byPath = new Map<string, { asset: Asset; bytes: Buffer }>()
  let held = 0
  return {
    get(asset) {
      const entry = byPath.get(asset.logicalPath)
      return entry !== undefined && entry.asset === asset ? entry.bytes : undefined
    },
    add(asset, bytes) {
      const previous = byPath.get(asset.logicalPath)
      const freed = previous?.bytes.length ?? 0
      if (held - freed + bytes.length > budgetBytes) return
      held += bytes.length - freed
      byPath.set(asset.logicalPath, { asset, bytes })
    },
    get size() {
      return held
    },
    clear() {
      byPath.clear()
      held = 0
    },
  }
}
