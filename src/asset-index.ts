/**
 * The asset index: logical path → Asset. Built once from a scan in production; checked against
 * the disk on every lookup in dev mode.
 * @module
 */
import { realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import { createAsset } from './asset.js'
import { createScratch, hashFile, hashFileSync } from './hash.js'
import type { ResolvedOptions } from './options.js'
import { isAllowedPath, isInside, scanRoot } from './scan.js'
import type { Asset } from './types.js'

/** The index every other layer reads. Lookups are synchronous; only a refresh is async. */
export interface AssetIndex {
  /** The asset for a logical path, or undefined. Production: a map lookup. Dev: checked on disk. */
  get(logicalPath: string): Asset | undefined
  /** True when the logical path names a directory that holds at least one servable file. */
  isDirectory(logicalPath: string): boolean
  /** Re-reads one file after it was seen to change on disk; returns the new asset, or undefined if gone. */
  refresh(logicalPath: string): Promise<Asset | undefined>
  /** Every asset known now, in logical-path order. */
  assets(): Asset[]
}

/** Builds the index the options ask for: a frozen snapshot, or dev mode's live view of the disk. */
export function createAssetIndex(options: ResolvedOptions): AssetIndex {
  return options.dev ? createLiveIndex(options) : createSnapshotIndex(options)
}

// --- internal ---

function createSnapshotIndex(options: ResolvedOptions): AssetIndex {
  const byPath = new Map<string, Asset>()
  const directories = new Set<string>()
  const scratch = createScratch()
  for (const file of scanRoot(options.realRoot, options)) {
    const hashed = safeHashSync(file.absolutePath, scratch)
    if (hashed === undefined) continue // vanished or unreadable between the walk and the read
    byPath.set(file.logicalPath, toAsset(file.logicalPath, file.absolutePath, hashed.hash, hashed.stats))
    addDirectories(directories, file.logicalPath)
  }
  return {
    get: (logicalPath) => byPath.get(logicalPath),
    isDirectory: (logicalPath) => directories.has(logicalPath),
    async refresh(logicalPath) {
      const current = byPath.get(logicalPath)
      if (current === undefined) return undefined
      const hashed = await hashFile(current.absolutePath).catch(() => undefined)
      if (hashed === undefined) {
        byPath.delete(logicalPath)
        return undefined
      }
      const next = toAsset(logicalPath, current.absolutePath, hashed.hash, hashed.stats)
      byPath.set(logicalPath, next)
      return next
    },
    assets: () => [...byPath.values()],
  }
}

interface LiveEntry {
  readonly asset: Asset
  readonly signature: string
}

function createLiveIndex(options: ResolvedOptions): AssetIndex {
  const cache = new Map<string, LiveEntry>()
  const scratch = createScratch()

  function locate(logicalPath: string): { absolutePath: string; stats: Stats } | undefined {
    if (!isAllowedPath(logicalPath, options.dotfiles)) return undefined
    const absolutePath = path.join(options.realRoot, logicalPath)
    try {
      const realPath = realpathSync(absolutePath)
      if (!options.followSymlinksOutsideRoot && !isInside(realPath, options.realRoot)) return undefined
      return { absolutePath: realPath, stats: statSync(realPath) }
    } catch {
      return undefined
    }
  }

  function get(logicalPath: string): Asset | undefined {
    const found = locate(logicalPath)
    if (found === undefined || !found.stats.isFile()) {
      cache.delete(logicalPath)
      return undefined
    }
    const signature = toSignature(found.absolutePath, found.stats)
    const cached = cache.get(logicalPath)
    if (cached !== undefined && cached.signature === signature) return cached.asset
    const hashed = safeHashSync(found.absolutePath, scratch)
    if (hashed === undefined) return undefined
    const asset = toAsset(logicalPath, found.absolutePath, hashed.hash, hashed.stats)
    cache.set(logicalPath, { asset, signature: toSignature(found.absolutePath, hashed.stats) })
    return asset
  }

  return {
    get,
    isDirectory(logicalPath) {
      if (logicalPath === '') return true
      return locate(logicalPath)?.stats.isDirectory() ?? false
    },
    refresh: async (logicalPath) => get(logicalPath),
    assets() {
      const found: Asset[] = []
      for (const file of scanRoot(options.realRoot, options)) {
        const asset = get(file.logicalPath)
        if (asset !== undefined) found.push(asset)
      }
      return found
    },
  }
}

function toAsset(logicalPath: string, absolutePath: string, hash: string, stats: Stats): Asset {
  return createAsset({ logicalPath, absolutePath, size: stats.size, mtimeMs: stats.mtimeMs, hash })
}

/** What must stay the same for a cached dev-mode hash to still be the file's hash. */
function toSignature(absolutePath: string, stats: Stats): string {
  return `${absolutePath}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}\0${stats.ctimeMs}`
}

function safeHashSync(absolutePath: string, scratch: Buffer) {
  try {
    return hashFileSync(absolutePath, scratch)
  } catch {
    return undefined
  }
}

function addDirectories(directories: Set<string>, logicalPath: string): void {
  directories.add('')
  let slash = logicalPath.lastIndexOf('/')
  while (slash > 0) {
    const directory = logicalPath.slice(0, slash)
    if (directories.has(directory)) return
    directories.add(directory)
    slash = directory.lastIndexOf('/')
  }
}
