/**
 * The dev index (Tornado's `static_hash_cache=False`): every lookup checks the file on disk, so
 * versions follow edits, new files and deleted files at once.
 * @module
 */
import { realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import { createScratch } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import { findEdges, type GraphOptions, rewrite } from '../rewrite/asset-graph.js'
import type { Asset } from '../types.js'
import { createAsset } from './asset.js'
import type { AssetIndex } from './asset-index.js'
import { isAllowedRealPath } from './open-file.js'
import { readSourceSync, toGraphOptions } from './read.js'
import { isAllowedPath, scanRoot } from './scan.js'

interface LiveEntry {
  readonly asset: Asset
  readonly signature: string
  /**
   * The tokens of the files it names, as they were when it was rewritten; undefined for a name that
   * did not resolve then, so the file is rewritten again once that file appears.
   */
  readonly dependencies: ReadonlyArray<{ readonly logicalPath: string; readonly token: string | undefined }>
}

/** The live view of the disk that dev mode serves from. */
export function createLiveIndex(options: ResolvedOptions): AssetIndex {
  const cache = new Map<string, LiveEntry>()
  const scratch = createScratch()
  const warned = new Set<string>()
  const graphOptions: GraphOptions = {
    ...toGraphOptions(options),
    onWarning(message) {
      if (warned.has(message)) return
      warned.add(message)
      options.onWarning(message)
    },
  }

  function locate(logicalPath: string): { absolutePath: string; stats: Stats } | undefined {
    if (!isAllowedPath(logicalPath, options.dotfiles)) return undefined
    const absolutePath = path.join(options.realRoot, logicalPath)
    try {
      // The dotfile and symlink rules hold on the real path (`config.txt -> .env` is refused); the
      // open that reads the file checks its real path again on the descriptor.
      const realPath = realpathSync(absolutePath)
      if (realPath !== options.realRoot && !isAllowedRealPath(realPath, options)) return undefined
      return { absolutePath: realPath, stats: statSync(realPath) }
    } catch {
      return undefined
    }
  }

  function isCurrent(entry: LiveEntry, visiting: ReadonlySet<string>): boolean {
    for (const dependency of entry.dependencies) {
      if (visiting.has(dependency.logicalPath)) continue
      if (get(dependency.logicalPath, visiting)?.token !== dependency.token) return false
    }
    return true
  }

  function get(logicalPath: string, parents: ReadonlySet<string> = new Set()): Asset | undefined {
    const found = locate(logicalPath)
    if (found === undefined || !found.stats.isFile()) {
      cache.delete(logicalPath)
      return undefined
    }
    const visiting = new Set(parents).add(logicalPath)
    const signature = toSignature(found.absolutePath, found.stats)
    const cached = cache.get(logicalPath)
    if (cached !== undefined && cached.signature === signature && isCurrent(cached, visiting))
      return cached.asset

    const read = readSourceSync(logicalPath, found.absolutePath, scratch, options.isFingerprinted, options)
    if (read === undefined) return undefined
    const dependencies: Array<{ logicalPath: string; token: string | undefined }> = []
    const edges = findEdges(
      read.source,
      (target) => {
        const exists = locate(target)?.stats.isFile() ?? false
        if (!exists) dependencies.push({ logicalPath: target, token: undefined })
        return exists
      },
      graphOptions,
    )
    // A reference back into the chain being resolved (a cycle) is left unversioned in dev mode.
    const result = rewrite(
      read.source,
      edges,
      (target) => {
        if (visiting.has(target)) return undefined
        const token = get(target, visiting)?.token
        dependencies.push({ logicalPath: target, token })
        return token
      },
      graphOptions,
    )
    const asset = createAsset({
      logicalPath,
      absolutePath: found.absolutePath,
      size: result.body?.length ?? read.size,
      mtimeMs: read.mtimeMs,
      hash: result.hash,
      token: result.token,
      body: result.body,
      fingerprinted: options.isFingerprinted(logicalPath),
      references: result.references,
      identity: read.identity,
    })
    cache.set(logicalPath, { asset, signature, dependencies })
    return asset
  }

  return {
    get: (logicalPath) => get(logicalPath),
    getRetained: () => undefined,
    isDirectory(logicalPath) {
      if (logicalPath === '') return true
      return locate(logicalPath)?.stats.isDirectory() ?? false
    },
    // Every lookup just checked the disk; an open that finds another file asks for a refresh.
    verify: (asset) => asset,
    refresh: async (logicalPath) => get(logicalPath),
    assets() {
      const found: Asset[] = []
      for (const file of scanRoot(options.realRoot, options)) {
        const asset = get(file.logicalPath)
        if (asset !== undefined) found.push(asset)
      }
      return found
    },
    count: () => scanRoot(options.realRoot, options).length,
  }
}

/** What must stay the same for a cached dev-mode hash to still be the file's hash. */
function toSignature(absolutePath: string, stats: Stats): string {
  return `${absolutePath}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}\0${stats.ctimeMs}`
}
