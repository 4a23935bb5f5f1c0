/**
 * The asset index: logical path → Asset. Built once from a scan or loaded from a manifest in
 * production; checked against the disk on every lookup in dev mode.
 * @module
 */
import { readFileSync, realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { createScratch, hashContent, hashFile, hashFileSync, toEtag } from '../hash.js'
import type { AssetLookup } from '../http/resolve.js'
import type { ResolvedOptions } from '../options.js'
import {
  findEdges,
  type GraphOptions,
  hasReferences,
  type ResolvedFile,
  resolveGraph,
  rewrite,
  type SourceFile,
} from '../rewrite/asset-graph.js'
import type { Asset, EncodedVariant } from '../types.js'
import { createAsset } from './asset.js'
import type { Manifest, ManifestVariant, RetainedFile } from './manifest.js'
import { isAllowedPath, isInside, type ScannedFile, scanRoot, splitVariants } from './scan.js'

/** The index every other layer reads. Lookups are synchronous; only a refresh is async. */
export interface AssetIndex extends AssetLookup {
  /** Re-reads one file after it was seen to change on disk; returns the new asset, or undefined if gone. */
  refresh(logicalPath: string): Promise<Asset | undefined>
  /** Every asset known now, in logical-path order. */
  assets(): Asset[]
  /** How many files the index holds, without making their assets. */
  count(): number
}

/** Largest text file whose references are rewritten; bigger ones are served as they are. */
const MAX_REWRITE_BYTES = 16 * 1024 * 1024

/** Builds the index the options ask for: a scan, a manifest, or dev mode's live view of the disk. */
export function createAssetIndex(options: ResolvedOptions, manifest?: Manifest): AssetIndex {
  if (manifest !== undefined) return createManifestIndex(options, manifest)
  return options.dev ? createLiveIndex(options) : createSnapshotIndex(options)
}

/** Graph options from resolved options. */
export function toGraphOptions(options: ResolvedOptions): GraphOptions {
  return {
    prefix: options.prefix,
    versioning: options.versioning,
    isFingerprinted: options.isFingerprinted,
    onWarning: options.onWarning,
  }
}

/** A file read for indexing: its source for the graph, and the size and mtime of the same read. */
export interface ReadFile {
  readonly source: SourceFile
  readonly size: number
  readonly mtimeMs: number
}

/**
 * Reads one file: text files that may hold references are read whole (and kept as text when they
 * are valid UTF-8); the rest are hashed in chunks through `scratch`.
 */
export function readSourceSync(
  logicalPath: string,
  absolutePath: string,
  scratch: Buffer,
  isFingerprinted: (logicalPath: string) => boolean,
): ReadFile | undefined {
  try {
    if (hasReferences(logicalPath) && !isFingerprinted(logicalPath)) {
      const stats = statSync(absolutePath)
      if (!stats.isFile()) return undefined
      if (stats.size <= MAX_REWRITE_BYTES) {
        const bytes = readFileSync(absolutePath)
        const source = { logicalPath, hash: hashContent(bytes), text: toText(bytes) }
        return { source, size: bytes.length, mtimeMs: stats.mtimeMs }
      }
    }
    const hashed = hashFileSync(absolutePath, scratch)
    if (hashed === undefined) return undefined
    const source = { logicalPath, hash: hashed.hash, text: undefined }
    return { source, size: hashed.stats.size, mtimeMs: hashed.stats.mtimeMs }
  } catch {
    return undefined // vanished or unreadable between the walk and the read
  }
}

// --- internal ---

function createSnapshotIndex(options: ResolvedOptions): AssetIndex {
  const scanned = scanRoot(options.realRoot, options)
  const { originals, variants } = splitVariants(scanned)
  const scratch = createScratch()
  const reads = new Map<string, { file: ScannedFile; read: ReadFile }>()
  for (const file of originals) {
    const read = readSourceSync(file.logicalPath, file.absolutePath, scratch, options.isFingerprinted)
    if (read !== undefined) reads.set(file.logicalPath, { file, read })
  }
  const sources = new Map([...reads].map(([logicalPath, { read }]) => [logicalPath, read.source]))
  const resolved = resolveGraph(sources, toGraphOptions(options))

  const byPath = new Map<string, Asset>()
  const directories = new Set<string>()
  for (const [logicalPath, { file, read }] of reads) {
    const result = resolved.get(logicalPath)
    if (result === undefined) continue
    const encodings = checkVariants(variants.get(logicalPath) ?? [], result.hash, options.onWarning)
    byPath.set(
      logicalPath,
      createAsset({
        logicalPath,
        absolutePath: file.absolutePath,
        size: result.body?.length ?? read.size,
        mtimeMs: read.mtimeMs,
        hash: result.hash,
        token: result.token,
        body: result.body,
        encodings,
        fingerprinted: options.isFingerprinted(logicalPath),
        references: result.references,
      }),
    )
    addDirectories(directories, logicalPath)
  }
  return {
    get: (logicalPath) => byPath.get(logicalPath),
    getRetained: () => undefined,
    isDirectory: (logicalPath) => directories.has(logicalPath),
    refresh: (logicalPath) => refreshEntry((target) => byPath.get(target), byPath, logicalPath, options),
    assets: () => [...byPath.values()],
    count: () => byPath.size,
  }
}

function createManifestIndex(options: ResolvedOptions, manifest: Manifest): AssetIndex {
  const builtAtMs = Date.parse(manifest.builtAt)
  const sourceLayout = manifest.options.layout === 'source'
  const graphOptions = toGraphOptions(options)
  const entries = new Map(Object.entries(manifest.assets))
  const directories = new Set<string>()
  for (const logicalPath of entries.keys()) addDirectories(directories, logicalPath)
  // Assets are made on first use, so startup is the parse alone; each costs one stat then.
  const byPath = new Map<string, Asset>()

  function materialize(logicalPath: string): Asset | undefined {
    const entry = entries.get(logicalPath)
    if (entry === undefined) return undefined
    const absolutePath = path.join(options.root, entry.file ?? logicalPath)
    let body: Buffer | undefined
    let hash = entry.hash
    if (entry.rewritten && sourceLayout) {
      // The root holds the source files: rewrite their references with the manifest's tokens.
      const reread = rereadWithReferences(logicalPath, absolutePath, (target) => entries.get(target)?.token, {
        ...graphOptions,
        onWarning: () => {},
      })
      if (reread !== undefined) {
        body = reread.result.body
        hash = reread.result.hash
        if (hash !== entry.hash) {
          options.onWarning(
            `${logicalPath} changed since the manifest was built; rebuild it with "vstatic build"`,
          )
        }
      }
    }
    const asset = createAsset({
      logicalPath,
      absolutePath,
      size: body?.length ?? entry.size,
      // Manifests record no mtimes (builds must be reproducible): Last-Modified comes from one stat,
      // as nginx would send it for the same file, or the build time if the file is gone.
      mtimeMs: statSync(absolutePath, { throwIfNoEntry: false })?.mtimeMs ?? builtAtMs,
      hash,
      token: entry.token,
      body,
      encodings: toVariants(entry.encodings, options.root),
      fingerprinted: entry.fingerprinted ?? false,
      integrity: hash === entry.hash ? entry.integrity : undefined,
      references: entry.references ?? [],
      contentType: entry.contentType,
    })
    byPath.set(logicalPath, asset)
    return asset
  }

  const get = (logicalPath: string) => byPath.get(logicalPath) ?? materialize(logicalPath)

  const retainedFiles = new Map<string, { file: string; old: RetainedFile; builtAt: string }>()
  for (const build of manifest.history) {
    for (const [file, old] of Object.entries(build.files)) {
      const key = `${old.logicalPath}\0${old.token}`
      if (!retainedFiles.has(key)) retainedFiles.set(key, { file, old, builtAt: build.builtAt })
    }
  }
  const retained = new Map<string, Asset>()
  function getRetained(logicalPath: string, token: string): Asset | undefined {
    const key = `${logicalPath}\0${token}`
    const known = retained.get(key)
    if (known !== undefined) return known
    const found = retainedFiles.get(key)
    if (found === undefined) return undefined
    const retainedAtMs = Date.parse(found.builtAt)
    const absolutePath = path.join(options.root, found.file)
    const asset = createAsset({
      logicalPath,
      absolutePath,
      size: found.old.size,
      mtimeMs:
        statSync(absolutePath, { throwIfNoEntry: false })?.mtimeMs ??
        (Number.isNaN(retainedAtMs) ? builtAtMs : retainedAtMs),
      hash: found.old.hash,
      token: found.old.token,
      encodings: toVariants(found.old.encodings, options.root),
      contentType: found.old.contentType,
    })
    retained.set(key, asset)
    return asset
  }

  return {
    get,
    getRetained,
    isDirectory: (logicalPath) => directories.has(logicalPath),
    refresh: (logicalPath) => refreshEntry(get, byPath, logicalPath, options),
    assets: () =>
      [...entries.keys()]
        .map(get)
        .filter((asset): asset is Asset => asset !== undefined)
        .sort(byLogicalPath),
    count: () => entries.size,
  }
}

interface LiveEntry {
  readonly asset: Asset
  readonly signature: string
  /** The tokens of the files it references, as they were when it was rewritten. */
  readonly dependencies: ReadonlyArray<{ readonly logicalPath: string; readonly token: string }>
}

function createLiveIndex(options: ResolvedOptions): AssetIndex {
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
      const realPath = realpathSync(absolutePath)
      if (!options.followSymlinksOutsideRoot && !isInside(realPath, options.realRoot)) return undefined
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

    const read = readSourceSync(logicalPath, found.absolutePath, scratch, options.isFingerprinted)
    if (read === undefined) return undefined
    const edges = findEdges(read.source, (target) => locate(target)?.stats.isFile() ?? false, graphOptions)
    const dependencies: Array<{ logicalPath: string; token: string }> = []
    // A reference back into the chain being resolved (a cycle) is left unversioned in dev mode.
    const result = rewrite(
      read.source,
      edges,
      (target) => {
        if (visiting.has(target)) return undefined
        const token = get(target, visiting)?.token
        if (token !== undefined) dependencies.push({ logicalPath: target, token })
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

/** Re-reads a production entry that changed on disk; its precompressed variants are dropped as stale. */
async function refreshEntry(
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

/**
 * Reads a file whose references are rewritten and rewrites them with the tokens `tokenOf` gives.
 * Returns the graph's result with the size and mtime of the bytes served; undefined if it cannot be read.
 */
function rereadWithReferences(
  logicalPath: string,
  absolutePath: string,
  tokenOf: (logicalPath: string) => string | undefined,
  graphOptions: GraphOptions,
): { result: ResolvedFile; size: number; mtimeMs: number } | undefined {
  try {
    const bytes = readFileSync(absolutePath)
    const mtimeMs = statSync(absolutePath).mtimeMs
    const source: SourceFile = { logicalPath, hash: hashContent(bytes), text: toText(bytes) }
    const edges = findEdges(source, (target) => tokenOf(target) !== undefined, graphOptions)
    const result = rewrite(source, edges, tokenOf, graphOptions)
    return { result, size: result.body?.length ?? bytes.length, mtimeMs }
  } catch {
    return undefined
  }
}

/** Keeps the variants whose decompressed bytes are exactly the bytes served; warns about stale ones. */
export function checkVariants(
  candidates: ReadonlyArray<{ encoding: 'br' | 'gzip'; file: ScannedFile }>,
  servedHash: string,
  onWarning: (message: string) => void,
): EncodedVariant[] {
  const kept: EncodedVariant[] = []
  for (const { encoding, file } of candidates) {
    try {
      const compressed = readFileSync(file.absolutePath)
      const plain = encoding === 'br' ? brotliDecompressSync(compressed) : gunzipSync(compressed)
      if (hashContent(plain) !== servedHash) {
        onWarning(
          `${file.logicalPath} does not decompress to the file it sits beside (stale?); not served as ${encoding}`,
        )
        continue
      }
      const hash = hashContent(compressed)
      kept.push({
        encoding,
        absolutePath: file.absolutePath,
        size: compressed.length,
        hash,
        etag: toEtag(hash),
      })
    } catch {
      onWarning(`${file.logicalPath} is not valid ${encoding} data; not served as ${encoding}`)
    }
  }
  return kept.sort((a, b) => (a.encoding === 'br' ? -1 : 0) - (b.encoding === 'br' ? -1 : 0))
}

function toVariants(
  recorded: Readonly<Partial<Record<'br' | 'gzip', ManifestVariant>>> | undefined,
  root: string,
): EncodedVariant[] {
  const variants: EncodedVariant[] = []
  for (const encoding of ['br', 'gzip'] as const) {
    const variant = recorded?.[encoding]
    if (variant === undefined) continue
    variants.push({
      encoding,
      absolutePath: path.join(root, variant.file),
      size: variant.size,
      hash: variant.hash,
      etag: toEtag(variant.hash),
    })
  }
  return variants
}

/** Text of a buffer when it is valid UTF-8 (so rewriting it cannot alter other bytes); else undefined. */
function toText(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8')
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined
}

/** What must stay the same for a cached dev-mode hash to still be the file's hash. */
function toSignature(absolutePath: string, stats: Stats): string {
  return `${absolutePath}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}\0${stats.ctimeMs}`
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

function byLogicalPath(a: Asset, b: Asset): number {
  return a.logicalPath < b.logicalPath ? -1 : a.logicalPath > b.logicalPath ? 1 : 0
}
