/**
 * The manifest index: loaded from a manifest written by `vstatic build`. Startup is the parse alone;
 * an asset is made on first use from what the manifest says, and its file is read once before its
 * first byte is served. URLs always carry the manifest's tokens, so every process agrees on them; a
 * file whose bytes no longer match its entry (edited after the build) is served with its real
 * validators and never as `immutable` until the manifest is rebuilt. Where the manifest's paths were
 * not looked up on disk at startup, an entry's are when it is first looked up, before its asset is
 * made: one whose real path the root's rules refuse is reported and never served.
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { byLogicalPath } from '../logical-path.js'
import type { EntryCheck } from '../manifest/check.js'
import type { Manifest, ManifestEntry, RetainedFile } from '../manifest/format.js'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedRoot } from '../options/paths.js'
import { findEdges, rewrite } from '../rewrite/asset-graph.js'
import { contentTypeFor, createAsset } from '../root/asset.js'
import { createScratch } from '../root/hash-file.js'
import { type RereadRules, readSourceSync, toGraphOptions } from '../root/read-file.js'
import { rootNamed } from '../root/roots.js'
import { toDeltaVariants, toVariants } from '../root/variants.js'
import type { Asset } from '../types.js'
import { type AssetIndex, addDirectories } from './asset-index.js'
import { rereadAsset } from './refresh.js'
import { createTracker } from './tracker.js'

/**
 * The index a manifest describes, for files under `options.roots` (each entry under the root it
 * names). `check`, for a manifest whose paths were not looked up on disk at startup, looks up each
 * entry's (and each kept file's) when it is first used.
 */
export function createManifestIndex(
  options: ResolvedOptions,
  manifest: Manifest,
  check?: EntryCheck,
): AssetIndex {
  const builtAtMs = Date.parse(manifest.builtAt)
  const entries = listedEntries(options, manifest)
  // The folders above the entries, listed when a request first asks whether a path is one.
  let directories: Set<string> | undefined
  const directoriesOf = (): Set<string> => {
    if (directories === undefined) {
      directories = new Set<string>()
      for (const logicalPath of entries.keys()) addDirectories(directories, logicalPath)
    }
    return directories
  }
  const loaded: LoadedManifest = {
    options,
    entries,
    builtAtMs,
    sourceLayout: manifest.options.layout === 'source',
    admits: createAdmission(options, (logicalPath) => check?.entry(logicalPath)),
  }
  const tracker = createEntryTracker(loaded)
  // Kept files of earlier builds exist only in out-dir builds, whose one root is the output directory.
  const retained = createRetained(
    options,
    manifest,
    rereadRules(loaded, false, rootOf(options, {})),
    createAdmission(options, (file) => check?.history(file)),
    builtAtMs,
  )
  return {
    get: (logicalPath) => tracker.get(logicalPath),
    getRetained: (logicalPath, token) => retained.tracker.get(`${logicalPath}\0${token}`),
    isDirectory: (logicalPath) => directoriesOf().has(logicalPath),
    verify: (asset) => (retained.owns(asset) ? retained.tracker.verify(asset) : tracker.verify(asset)),
    refresh: (logicalPath) => tracker.refresh(logicalPath),
    isFresh: (asset) => tracker.isFresh(asset),
    assets: () =>
      [...entries.keys()]
        .map((logicalPath) => tracker.get(logicalPath))
        .filter((asset): asset is Asset => asset !== undefined)
        .sort(byLogicalPath),
    count: () => entries.size,
  }
}

/** A manifest as the index serves it. */
interface LoadedManifest {
  readonly options: ResolvedOptions
  /** The entries that may be served, by logical path. */
  readonly entries: Entries
  readonly builtAtMs: number
  /** The build left the root as it was (no --out-dir): rewritten files are rewritten at load. */
  readonly sourceLayout: boolean
  /** False for an entry whose paths the root's rules refuse (reported once). */
  readonly admits: (logicalPath: string) => boolean
}

/**
 * Whether a path the manifest names may be served: `faultOf` (its look at the disk) runs once per
 * path, on first use; a fault is reported once and keeps the path out until the next start.
 */
function createAdmission(
  options: ResolvedOptions,
  faultOf: (key: string) => string | undefined,
): (key: string) => boolean {
  const decided = new Map<string, boolean>()
  return (key) => {
    let admitted = decided.get(key)
    if (admitted === undefined) {
      const fault = faultOf(key)
      admitted = fault === undefined
      decided.set(key, admitted)
      if (fault !== undefined) {
        options.onWarning(`${fault}; it is not served`, { kind: 'manifest-mismatch', paths: [key] })
      }
    }
    return admitted
  }
}

/** The entries of a manifest by logical path: what the index reads of a Map. */
interface Entries {
  get(logicalPath: string): ManifestEntry | undefined
  keys(): Iterable<string>
  readonly size: number
}

/**
 * The manifest's entries, less any that name a file the options say is read and never served.
 * Without such files, the manifest's own object is read in place: no copy of every entry at startup.
 */
function listedEntries(options: ResolvedOptions, manifest: Manifest): Entries {
  const assets = manifest.assets
  if (options.unlisted.size === 0) {
    let size: number | undefined
    return {
      get: (logicalPath) => (Object.hasOwn(assets, logicalPath) ? assets[logicalPath] : undefined),
      keys: () => Object.keys(assets),
      get size() {
        size ??= Object.keys(assets).length
        return size
      },
    }
  }
  // The bundler's manifest is read, never served, even when a build listed it.
  return new Map(
    Object.entries(assets).filter(
      ([logicalPath, entry]) => !options.unlisted.has(path.join(rootOf(options, entry).root, logicalPath)),
    ),
  )
}

/** How a file is read again under the rules of `rule`'s root. */
function rereadRules(loaded: LoadedManifest, rewriteReferences: boolean, rule: ResolvedRoot): RereadRules {
  return {
    rule,
    graphOptions: { ...toGraphOptions(loaded.options), onWarning: () => {} },
    // The root holds the source files: references are rewritten with the manifest's tokens.
    tokenOf: (target) => loaded.entries.get(target)?.token,
    rewriteReferences,
  }
}

/**
 * Manifests record no mtimes (builds are reproducible): Last-Modified comes from the file, as nginx
 * would send it, or the build time until the file is read.
 */
function mtimeOf(absolutePath: string, fallbackMs: number): number {
  return statSync(absolutePath, { throwIfNoEntry: false })?.mtimeMs ?? fallbackMs
}

/** The tracker of the manifest's current entries: loaded on first use, re-read when they change. */
function createEntryTracker(loaded: LoadedManifest) {
  const { options, entries, sourceLayout, builtAtMs } = loaded
  return createTracker({
    load(logicalPath) {
      const entry = entries.get(logicalPath)
      if (entry === undefined || !loaded.admits(logicalPath)) return undefined
      // Over the sources, a rewritten file's bytes exist only once rewritten: do it now, as the
      // scan would, so its body, hash and integrity are those served from the first lookup on.
      const rewritten =
        sourceLayout && entry.rewritten === true ? rewriteEntry(options, entries, logicalPath) : undefined
      return rewritten ?? loadEntry(options, entries, logicalPath, mtimeOf, builtAtMs)
    },
    reread(current) {
      const entry = entries.get(current.logicalPath)
      if (entry === undefined) return Promise.resolve('gone' as const)
      // Each file is read again under the rules of the root that holds it.
      const rule = rootNamed(options.roots, current.root)
      return rereadAsset(
        current,
        rereadRules(loaded, sourceLayout && entry.rewritten === true, rule),
        entry,
        options.onWarning,
      )
    },
    onReplaced(_previous, next) {
      options.onWarning(
        `${next.logicalPath} does not match ${options.manifest} (edited after the build?); it is served without immutable caching until you rebuild with "vstatic build"`,
        { kind: 'manifest-mismatch', paths: [next.logicalPath] },
      )
    },
  })
}

/** The asset a manifest entry describes, not read yet: every claim is checked when the file is first read. */
function loadEntry(
  options: ResolvedOptions,
  entries: Entries,
  logicalPath: string,
  mtimeOf: (absolutePath: string, fallbackMs: number) => number,
  builtAtMs: number,
): Asset | undefined {
  const entry = entries.get(logicalPath)
  if (entry === undefined) return undefined
  const root = rootOf(options, entry).root
  const absolutePath = path.join(root, entry.file ?? logicalPath)
  return createAsset({
    logicalPath,
    root,
    absolutePath,
    size: entry.size,
    mtimeMs: mtimeOf(absolutePath, builtAtMs),
    hash: entry.hash,
    token: entry.token,
    encodings: [...toVariants(entry.encodings, root), ...toDeltaVariants(entry.deltas, root)],
    fingerprinted: entry.fingerprinted ?? false,
    integrity: entry.integrity,
    references: entry.references ?? [],
    contentType: entry.contentType,
  })
}

/**
 * The asset of a rewritten entry over the source layout, read (identity-checked) and rewritten with
 * the manifest's tokens; undefined when the file cannot be read now (the first request tries again).
 */
function rewriteEntry(options: ResolvedOptions, entries: Entries, logicalPath: string): Asset | undefined {
  const entry = entries.get(logicalPath)
  if (entry === undefined) return undefined
  const root = rootOf(options, entry)
  const absolutePath = path.join(root.root, entry.file ?? logicalPath)
  const read = readSourceSync(logicalPath, absolutePath, createScratch(), options.isFingerprinted, root)
  if (read === undefined) return undefined
  const graphOptions = { ...toGraphOptions(options), onWarning: () => {} }
  const tokenOf = (target: string) => entries.get(target)?.token
  const edges = findEdges(read.source, (target) => tokenOf(target) !== undefined, graphOptions)
  const result = rewrite(read.source, edges, tokenOf, graphOptions)
  const matches = result.hash === entry.hash
  if (!matches) {
    options.onWarning(
      `${logicalPath} does not match ${options.manifest} (edited after the build?); it is served without immutable caching until you rebuild with "vstatic build"`,
      { kind: 'manifest-mismatch', paths: [logicalPath] },
    )
  }
  return createAsset({
    logicalPath,
    root: root.root,
    absolutePath,
    size: result.body?.length ?? read.size,
    mtimeMs: read.mtimeMs,
    hash: result.hash,
    token: entry.token,
    tokenMatchesBytes: matches,
    body: result.body,
    encodings: matches ? toVariants(entry.encodings, root.root) : [],
    fingerprinted: matches && entry.fingerprinted === true,
    integrity: matches ? entry.integrity : undefined,
    references: result.references,
    contentType: matches ? entry.contentType : contentTypeFor(logicalPath, read.utf8),
    identity: read.identity,
  })
}

/** The root that holds an entry's file: the one it names (a source build of several roots), or the first. */
function rootOf(options: ResolvedOptions, entry: { readonly root?: number }): ResolvedRoot {
  return options.roots[entry.root ?? 0] ?? options.roots[0]
}

/** Files of earlier builds kept by `--keep`: immutable under their old token while their bytes are the ones recorded. */
function createRetained(
  options: ResolvedOptions,
  manifest: Manifest,
  rules: RereadRules,
  admits: (file: string) => boolean,
  builtAtMs: number,
) {
  const files = new Map<string, { file: string; old: RetainedFile; builtAt: string }>()
  for (const build of manifest.history) {
    for (const [file, old] of Object.entries(build.files)) {
      const key = `${old.logicalPath}\0${old.token}`
      if (!files.has(key)) files.set(key, { file, old, builtAt: build.builtAt })
    }
  }
  const made = new WeakSet<Asset>()
  // Kept files whose bytes were found changed: their old token is then just a stale one.
  const dropped = new Set<string>()
  const remember = (asset: Asset) => {
    made.add(asset)
    return asset
  }
  const tracker = createTracker({
    keyOf: (asset) => `${asset.logicalPath}\0${asset.token}`,
    load(key) {
      const found = dropped.has(key) ? undefined : files.get(key)
      if (found === undefined || !admits(found.file)) return undefined
      const retainedAtMs = Date.parse(found.builtAt)
      const absolutePath = path.join(options.root, found.file)
      return remember(
        createAsset({
          logicalPath: found.old.logicalPath,
          root: options.root,
          absolutePath,
          size: found.old.size,
          mtimeMs: mtimeOf(absolutePath, Number.isNaN(retainedAtMs) ? builtAtMs : retainedAtMs),
          hash: found.old.hash,
          token: found.old.token,
          encodings: toVariants(found.old.encodings, options.root),
          contentType: found.old.contentType,
        }),
      )
    },
    // A kept file exists only to be served under its old token: other bytes there are no use.
    async reread(current) {
      const next = await rereadAsset(current, rules, current, options.onWarning)
      if (next === 'gone' || (typeof next !== 'string' && next.hash !== current.hash)) {
        dropped.add(`${current.logicalPath}\0${current.token}`)
        return 'gone'
      }
      return typeof next === 'string' ? next : remember(next)
    },
  })
  return { tracker, owns: (asset: Asset) => made.has(asset) }
}
