/**
 * The dev index (Tornado's `static_hash_cache=False`): every lookup checks the file on disk, so
 * versions follow edits, new files and deleted files at once. A file whose references are rewritten
 * depends on the tokens of the files it names; a lookup checks that closure with one `stat` per file
 * (iteratively, so a deep `@import` chain costs its length, not a stack overflow).
 * @module
 */
import { realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import { createScratch } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import { type Edge, findEdges, type GraphOptions, rewrite } from '../rewrite/asset-graph.js'
import type { Asset } from '../types.js'
import { contentTypeFor, createAsset } from './asset.js'
import type { AssetIndex } from './asset-index.js'
import { isAllowedRealPath } from './open-file.js'
import { type ReadFile, readSourceSync, toGraphOptions } from './read.js'
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

/** One file being resolved: checked against its cached entry first, read and rewritten if needed. */
interface Frame {
  readonly logicalPath: string
  readonly absolutePath: string
  readonly signature: string
  /** The cached entry being checked, while its dependencies are resolved. */
  cached: LiveEntry | undefined
  /** The file as read, once it must be rewritten. */
  read:
    | { readonly file: ReadFile; readonly edges: readonly Edge[]; readonly missing: readonly string[] }
    | undefined
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
      const realPath = realpathSync.native(absolutePath)
      if (realPath !== options.realRoot && !isAllowedRealPath(realPath, options)) return undefined
      return { absolutePath: realPath, stats: statSync(realPath) }
    } catch {
      return undefined
    }
  }

  /**
   * Resolves `logicalPath` and everything it depends on, depth first with an explicit stack. Each
   * file is checked once per call; a reference back into the chain being resolved (a cycle) is left
   * unversioned.
   */
  function get(logicalPath: string): Asset | undefined {
    const resolved = new Map<string, Asset | undefined>()
    /** Files whose resolution has started and waits for their dependencies: a reference to one is a cycle. */
    const onPath = new Set<string>()
    const stack: Frame[] = []

    function enter(target: string): void {
      if (resolved.has(target) || onPath.has(target)) return
      const found = locate(target)
      if (found === undefined || !found.stats.isFile()) {
        cache.delete(target)
        resolved.set(target, undefined)
        return
      }
      const signature = toSignature(found.absolutePath, found.stats)
      const cached = cache.get(target)
      stack.push({
        logicalPath: target,
        absolutePath: found.absolutePath,
        signature,
        cached: cached?.signature === signature ? cached : undefined,
        read: undefined,
      })
    }

    /** Pushes the unresolved dependencies of `frame`; true when there were any. */
    function enterDependencies(frame: Frame): boolean {
      const before = stack.length
      if (frame.read !== undefined) for (const edge of frame.read.edges) enter(edge.target)
      else if (frame.cached !== undefined)
        for (const dependency of frame.cached.dependencies) enter(dependency.logicalPath)
      return stack.length > before
    }

    function finish(frame: Frame, asset: Asset | undefined): void {
      stack.pop()
      onPath.delete(frame.logicalPath)
      resolved.set(frame.logicalPath, asset)
      if (asset === undefined) cache.delete(frame.logicalPath)
    }

    enter(logicalPath)
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame
      if (resolved.has(frame.logicalPath)) {
        stack.pop() // entered twice before its first resolution finished
        continue
      }
      onPath.add(frame.logicalPath)
      if (enterDependencies(frame)) continue
      if (frame.cached !== undefined) {
        if (isCurrent(frame.cached, resolved, onPath)) {
          finish(frame, frame.cached.asset)
          continue
        }
        frame.cached = undefined
      }
      if (frame.read === undefined) {
        const file = readSourceSync(
          frame.logicalPath,
          frame.absolutePath,
          scratch,
          options.isFingerprinted,
          options,
        )
        if (file === undefined) finish(frame, undefined)
        else frame.read = findFrameEdges(file)
        continue
      }
      finish(frame, rewriteFrame(frame, resolved, onPath))
    }
    return resolved.get(logicalPath)
  }

  function findFrameEdges(file: ReadFile): NonNullable<Frame['read']> {
    const missing: string[] = []
    const edges = findEdges(
      file.source,
      (target) => {
        const exists = locate(target)?.stats.isFile() ?? false
        if (!exists) missing.push(target)
        return exists
      },
      graphOptions,
    )
    return { file, edges, missing }
  }

  function rewriteFrame(
    frame: Frame,
    resolved: ReadonlyMap<string, Asset | undefined>,
    onPath: ReadonlySet<string>,
  ): Asset {
    const { file, edges, missing } = frame.read as NonNullable<Frame['read']>
    const dependencies = missing.map((target) => ({
      logicalPath: target,
      token: undefined as string | undefined,
    }))
    const result = rewrite(
      file.source,
      edges,
      (target) => {
        if (onPath.has(target)) return undefined // a cycle: left unversioned
        const token = resolved.get(target)?.token
        dependencies.push({ logicalPath: target, token })
        return token
      },
      graphOptions,
    )
    const asset = createAsset({
      logicalPath: frame.logicalPath,
      absolutePath: frame.absolutePath,
      size: result.body?.length ?? file.size,
      mtimeMs: file.mtimeMs,
      hash: result.hash,
      token: result.token,
      body: result.body,
      fingerprinted: options.isFingerprinted(frame.logicalPath),
      references: result.references,
      contentType: contentTypeFor(frame.logicalPath, file.utf8),
      identity: file.identity,
    })
    cache.set(frame.logicalPath, { asset, signature: frame.signature, dependencies })
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

/** True when every file the entry named still has the token it was rewritten with (cycles aside). */
function isCurrent(
  entry: LiveEntry,
  resolved: ReadonlyMap<string, Asset | undefined>,
  onPath: ReadonlySet<string>,
): boolean {
  return entry.dependencies.every(
    (dependency) =>
      onPath.has(dependency.logicalPath) || resolved.get(dependency.logicalPath)?.token === dependency.token,
  )
}

/** What must stay the same for a cached dev-mode hash to still be the file's hash. */
function toSignature(absolutePath: string, stats: Stats): string {
  return `${absolutePath}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}\0${stats.ctimeMs}`
}
