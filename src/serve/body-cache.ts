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
  // By logical path (a string whose hash is computed once), then by encoding: a lookup builds no key.
  const byPath = new Map<string, PathEntry>()
  let held = 0
  return {
    get(asset, encoding) {
      const entry = byPath.get(asset.logicalPath)
      return entry !== undefined && entry.asset === asset ? entry.bodies.get(encoding) : undefined
    },
    add(asset, encoding, bytes) {
      const entry = byPath.get(asset.logicalPath)
      const replaced = entry !== undefined && entry.asset !== asset
      // A newer asset for the same path replaces every body of the older one.
      const freed =
        entry === undefined ? 0 : replaced ? entry.bytes : (entry.bodies.get(encoding)?.length ?? 0)
      if (held - freed + bytes.length > budgetBytes) return
      held += bytes.length - freed
      if (entry === undefined || replaced) {
        byPath.set(asset.logicalPath, { asset, bodies: new Map([[encoding, bytes]]), bytes: bytes.length })
      } else {
        entry.bodies.set(encoding, bytes)
        entry.bytes += bytes.length - freed
      }
    },
    fits: (bytes) => held + bytes <= budgetBytes,
    get size() {
      return held
    },
    clear() {
      byPath.clear()
      held = 0
    },
  }
}

// --- internal ---

/** The bodies kept for one logical path, all of one asset. */
interface PathEntry {
  readonly asset: Asset
  readonly bodies: Map<string, Buffer>
  /** Bytes of all of them. */
  bytes: number
}
