/**
 * The dev index (Tornado's `static_hash_cache=False`): every lookup checks the file on disk, so
 * versions follow edits, new files and deleted files at once. A file whose references are rewritten
 * depends on the tokens of the files it names; a lookup checks that closure with one `stat` per file
 * (iteratively, so a deep `@import` chain costs its length, not a stack overflow). Names it references
 * that are missing are not looked up one by one on every lookup: the directories that would change
 * if one appeared are, so a stylesheet naming 300,000 missing images costs a few `lstat`s per lookup.
 * @module
 */
import type { Stats } from 'node:fs'
import { byLogicalPath } from '../logical-path.js'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedRoot } from '../options/paths.js'
import { type Edge, findEdges, type GraphOptions, rewrite } from '../rewrite/asset-graph.js'
import { contentTypeFor, createAsset } from '../root/asset.js'
import { createScratch } from '../root/hash-file.js'
import { type ReadFile, readSourceSync, toGraphOptions } from '../root/read-file.js'
import { type RootedFile, scanRoots } from '../root/roots.js'
import type { Asset, WarningContext } from '../types.js'
import type { AssetIndex } from './asset-index.js'
import {
  type Absence,
  createLocator,
  type DirectoryProbe,
  isStillAbsent,
  type LocatedFile,
  type Locator,
} from './dev-locate.js'

interface LiveEntry {
  readonly asset: Asset
  readonly signature: string
  /**
   * The tokens of the files it names, as they were when it was rewritten (each once); undefined for a
   * file that could not be read, or a missing name that no directory can vouch for, so the file is
   * rewritten again once that file appears.
   */
  readonly dependencies: ReadonlyArray<{ readonly logicalPath: string; readonly token: string | undefined }>
  /** The directories that would change if a missing name it references appeared: then it is rewritten. */
  readonly absent: readonly DirectoryProbe[]
}

/** One file being resolved: checked against its cached entry first, read and rewritten if needed. */
interface Frame {
  readonly logicalPath: string
  readonly absolutePath: string
  readonly root: ResolvedRoot
  readonly signature: string
  /** The cached entry being checked, while its dependencies are resolved. */
  cached: LiveEntry | undefined
  /** The file as read, once it must be rewritten. */
  read: { readonly file: ReadFile; readonly edges: readonly Edge[]; readonly absence: Absence } | undefined
}

/** Sees every lookup dev mode makes on disk (tests count them); the default sees nothing. */
export type LocatorWrapper = (locator: Locator) => Locator

/** The live view of the disk that dev mode serves from. */
export function createLiveIndex(options: ResolvedOptions, wrapLocator?: LocatorWrapper): AssetIndex {
  const disk = new LiveDisk(options, wrapLocator)
  return {
    get: (logicalPath) => new Lookup(disk).resolve(logicalPath),
    getRetained: () => undefined,
    isDirectory: (logicalPath) => disk.locator.isDirectory(logicalPath),
    // Every lookup just checked the disk; an open that finds another file asks for a refresh.
    verify: (asset) => asset,
    // A lookup re-reads what changed, references included, before it returns.
    isFresh: () => true,
    refresh: async (logicalPath) => new Lookup(disk).resolve(logicalPath),
    assets() {
      const found: Asset[] = []
      for (const file of disk.scan()) {
        const asset = new Lookup(disk).resolve(file.logicalPath)
        if (asset !== undefined) found.push(asset)
      }
      return found
    },
    count: () => disk.scan().length,
  }
}

/** The disk as dev mode sees it, and the entries it has rewritten so far. */
class LiveDisk {
  readonly options: ResolvedOptions
  readonly cache = new Map<string, LiveEntry>()
  readonly scratch = createScratch()
  readonly graphOptions: GraphOptions
  /** Where each logical path is on disk now, under the roots' rules. */
  readonly locator: Locator
  readonly #warned = new Set<string>()

  constructor(options: ResolvedOptions, wrapLocator: LocatorWrapper = (locator) => locator) {
    this.options = options
    this.graphOptions = {
      ...toGraphOptions(options),
      onWarning: (message, context) => this.warnOnce(message, context),
    }
    this.locator = wrapLocator(createLocator(options, (message, context) => this.warnOnce(message, context)))
  }

  /** The file a logical path names now, from the first root that has it, or undefined. */
  locate(logicalPath: string): LocatedFile | undefined {
    return this.locator.file(logicalPath)
  }

  isFile(logicalPath: string): boolean {
    return this.locate(logicalPath) !== undefined
  }

  /** Every file dev mode would serve now (precompressed siblings too: dev mode serves them as files). */
  scan(): RootedFile[] {
    const { originals, variants } = scanRoots({
      ...this.options,
      onWarning: (message, context) => this.warnOnce(message, context),
    })
    const siblings = [...variants.values()].flatMap((list) => list.map((variant) => variant.file))
    return [...originals, ...siblings].sort(byLogicalPath)
  }

  warnOnce(message: string, context?: WarningContext): void {
    if (this.#warned.has(message)) return
    this.#warned.add(message)
    this.options.onWarning(message, context)
  }
}

/**
 * One lookup: resolves a logical path and everything it depends on, depth first with an explicit
 * stack. Each file is checked once; a reference back into the chain being resolved (a cycle) is
 * left unversioned.
 */
class Lookup {
  readonly #disk: LiveDisk
  readonly #resolved = new Map<string, Asset | undefined>()
  /** Files whose resolution has started and waits for their dependencies. */
  readonly #onPath = new Set<string>()
  readonly #stack: Frame[] = []

  constructor(disk: LiveDisk) {
    this.#disk = disk
  }

  resolve(logicalPath: string): Asset | undefined {
    this.#enter(logicalPath)
    while (this.#stack.length > 0) this.#step(this.#stack[this.#stack.length - 1] as Frame)
    return this.#resolved.get(logicalPath)
  }

  /** Advances the frame on top of the stack by one step. */
  #step(frame: Frame): void {
    if (this.#resolved.has(frame.logicalPath)) {
      this.#stack.pop() // entered twice before its first resolution finished
      return
    }
    this.#onPath.add(frame.logicalPath)
    if (this.#enterDependencies(frame)) return
    if (frame.cached !== undefined) {
      if (isCurrent(frame.cached, this.#resolved, this.#onPath)) {
        this.#finish(frame, frame.cached.asset)
        return
      }
      frame.cached = undefined
    }
    if (frame.read !== undefined) {
      this.#finish(frame, this.#rewrite(frame))
      return
    }
    const { options, scratch } = this.#disk
    const file = readSourceSync(
      frame.logicalPath,
      frame.absolutePath,
      scratch,
      options.isFingerprinted,
      frame.root,
    )
    if (file === undefined) this.#finish(frame, undefined)
    else frame.read = this.#findEdges(file)
  }

  #enter(target: string): void {
    if (this.#resolved.has(target) || this.#onPath.has(target)) return
    const found = this.#disk.locate(target)
    if (found === undefined) {
      this.#disk.cache.delete(target)
      this.#resolved.set(target, undefined)
      return
    }
    const signature = toSignature(found.absolutePath, found.stats)
    const cached = this.#disk.cache.get(target)
    this.#stack.push({
      logicalPath: target,
      absolutePath: found.absolutePath,
      root: found.root,
      signature,
      // A name it found missing may have appeared: then the file is read and rewritten again.
      cached: cached?.signature === signature && isStillAbsent(cached.absent) ? cached : undefined,
      read: undefined,
    })
  }

  /** Pushes the unresolved dependencies of `frame`; true when there were any. */
  #enterDependencies(frame: Frame): boolean {
    const before = this.#stack.length
    const targets =
      frame.read?.edges.map((edge) => edge.target) ??
      frame.cached?.dependencies.map((dependency) => dependency.logicalPath) ??
      []
    for (const target of targets) this.#enter(target)
    return this.#stack.length > before
  }

  #finish(frame: Frame, asset: Asset | undefined): void {
    this.#stack.pop()
    this.#onPath.delete(frame.logicalPath)
    this.#resolved.set(frame.logicalPath, asset)
    if (asset === undefined) this.#disk.cache.delete(frame.logicalPath)
  }

  #findEdges(file: ReadFile): NonNullable<Frame['read']> {
    const missing = new Set<string>()
    const isFile = (target: string) => {
      if (missing.has(target)) return false
      const exists = this.#disk.isFile(target)
      if (!exists) missing.add(target)
      return exists
    }
    const edges = findEdges(file.source, isFile, this.#disk.graphOptions)
    // Right after the lookups: a directory that changes from here on, or changed just before, is seen.
    return { file, edges, absence: this.#disk.locator.absence(missing) }
  }

  #rewrite(frame: Frame): Asset {
    const { file, edges, absence } = frame.read as NonNullable<Frame['read']>
    // Each name once: a stylesheet may name one file many times.
    const dependencies = new Map<string, string | undefined>(
      absence.unsettled.map((target) => [target, undefined]),
    )
    const tokenOf = (target: string) => {
      if (this.#onPath.has(target)) return undefined // a cycle: left unversioned
      const token = this.#resolved.get(target)?.token
      dependencies.set(target, token)
      return token
    }
    const result = rewrite(file.source, edges, tokenOf, this.#disk.graphOptions)
    const asset = createAsset({
      logicalPath: frame.logicalPath,
      root: frame.root.root,
      absolutePath: frame.absolutePath,
      size: result.body?.length ?? file.size,
      mtimeMs: file.mtimeMs,
      hash: result.hash,
      token: result.token,
      body: result.body,
      contentType: contentTypeFor(frame.logicalPath, file.utf8),
      fingerprinted: this.#disk.options.isFingerprinted(frame.logicalPath),
      references: result.references,
      identity: file.identity,
    })
    this.#disk.cache.set(frame.logicalPath, {
      asset,
      signature: frame.signature,
      dependencies: [...dependencies].map(([logicalPath, token]) => ({ logicalPath, token })),
      absent: absence.probes,
    })
    return asset
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
