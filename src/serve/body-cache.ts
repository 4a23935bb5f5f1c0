/**
 * A bounded in-memory cache of small file bodies, keyed by asset and encoding. It never holds more
 * than its byte budget.
 * @module
 */
import type { Asset } from '../types.js'

/** Small bodies kept in memory after their first request. */
export interface BodyCache {
  get(asset: Asset, encoding: string): Buffer | undefined
  /** Keeps `bytes` if they fit the budget; a newer asset for the same path replaces the older. */
  add(asset: Asset, encoding: string, bytes: Buffer): void
  /** True when `bytes` more would still fit the budget. */
  fits(bytes: number): boolean
  /** Bytes held now. */
  readonly size: number
  clear(): void
}

/** A cache of at most `budgetBytes`. Once full it keeps what it has (no churn under load). */
export function createBodyCache(budgetBytes: number): BodyCache {
  const byKey = new Map<string, { asset: Asset; bytes: Buffer }>()
  let held = 0
  return {
    get(asset, encoding) {
      const entry = byKey.get(`${asset.logicalPath}\0${encoding}`)
      return entry !== undefined && entry.asset === asset ? entry.bytes : undefined
    },
    add(asset, encoding, bytes) {
      const key = `${asset.logicalPath}\0${encoding}`
      const previous = byKey.get(key)
      const freed = previous?.bytes.length ?? 0
      if (held - freed + bytes.length > budgetBytes) return
      held += bytes.length - freed
      byKey.set(key, { asset, bytes })
    },
    fits: (bytes) => held + bytes <= budgetBytes,
    get size() {
      return held
    },
    clear() {
      byKey.clear()
      held = 0
    },
  }
}
