/**
 * `vstatic verify`: what changed in the roots since a manifest was built. Given the sources, every
 * file is read as the build would read it and compared with its entry; given the output directory
 * of an `--out-dir` build, every file the build wrote there (current names, fingerprinted copies,
 * kept versions, variants, deltas) is compared with the bytes the manifest records for it.
 * @module
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { checkManifest } from '../manifest/check.js'
import { type Manifest, type ManifestVariant, readManifest } from '../manifest/format.js'
import { type ResolvedOptions, resolveOptions } from '../options/options.js'
import { type RootFile, readRoot } from '../root/read-root.js'
import type { Dotfiles, PathOption } from '../types.js'

/** What `vstatic verify` reports. */
export interface VerifyResult {
  /** Files in the roots that the manifest does not name. */
  readonly added: readonly string[]
  /** Files the manifest names that are not in the roots. */
  readonly removed: readonly string[]
  /** Files whose bytes (or root) differ from what the manifest records. */
  readonly changed: readonly string[]
  /**
   * Set when the differences are exactly those of roots given in another order than the build's:
   * the roots as given, in the build's order.
   */
  readonly buildOrder?: readonly string[]
}

/**
 * Compares the roots with a manifest: what `vstatic verify` reports. The manifest's own `ignore`
 * patterns apply; a file now served from another root than the one recorded counts as changed.
 * Given the output directory of an `--out-dir` build as the one root, it checks that directory
 * against everything the build wrote there.
 */
export function verifyManifest(
  root: PathOption | readonly PathOption[],
  manifestPath: string,
  dotfiles?: Dotfiles,
): VerifyResult {
  const manifestFile = path.resolve(manifestPath)
  const manifest = readManifest(manifestFile)
  const options = resolveOptions({
    root,
    ignore: manifest.options.ignore,
    prefix: manifest.options.prefix,
    versioning: manifest.options.versioning,
    dotfiles,
    onWarning: () => {},
  })
  // Paths and values are checked as a runtime would; missing files are what verify itself reports.
  const target = { ...options, root: options.roots.map((item) => item.root) }
  checkManifest(manifest, manifestFile, target, { matchRoot: false })
  const { files } = readRoot(options, { leaveOut: [manifestFile] })
  return isOutputDirectory(manifest, manifestFile, options)
    ? compareOutputDirectory(manifest, files)
    : compareSources(manifest, files, options)
}

// --- internal ---

/** True when the one root given is the output directory the manifest's build wrote. */
function isOutputDirectory(manifest: Manifest, manifestFile: string, options: ResolvedOptions): boolean {
  const { layout, outDir } = manifest.options
  if (layout !== 'out-dir' || outDir === undefined || options.roots.length !== 1) return false
  const written = path.resolve(path.dirname(manifestFile), outDir)
  try {
    return realpathSync(written) === options.roots[0].realRoot
  } catch {
    return false
  }
}

/** The sources against their entries: bytes as served (rewritten), token, and the root each came from. */
function compareSources(
  manifest: Manifest,
  files: readonly RootFile[],
  options: ResolvedOptions,
): VerifyResult {
  const sourceLayout = manifest.options.layout === 'source'
  const added: string[] = []
  const changed: string[] = []
  /** Recorded root → root found in, for files whose only difference is their root. */
  const moves = new Map<number, Set<number>>()
  for (const { file, resolved } of files) {
    const entry = manifest.assets[file.logicalPath]
    if (entry === undefined) {
      added.push(file.logicalPath)
      continue
    }
    const [recorded, found] = [entry.root ?? 0, options.roots.indexOf(file.root)]
    const movedRoot = sourceLayout && recorded !== found
    if (entry.hash !== resolved.hash || entry.token !== resolved.token || movedRoot)
      changed.push(file.logicalPath)
    if (sourceLayout) moves.set(recorded, (moves.get(recorded) ?? new Set()).add(found))
  }
  const found = new Set(files.map(({ file }) => file.logicalPath))
  const removed = Object.keys(manifest.assets)
    .filter((logicalPath) => !found.has(logicalPath))
    .sort()
  const buildOrder = changed.length > 0 ? toBuildOrder(moves, options) : undefined
  return buildOrder === undefined ? { added, removed, changed } : { added, removed, changed, buildOrder }
}

/**
 * The roots in the build's order, when every recorded root's files were all found in one other
 * root and no two recorded roots map to the same one: the roots were given in another order.
 */
function toBuildOrder(
  moves: ReadonlyMap<number, ReadonlySet<number>>,
  options: ResolvedOptions,
): string[] | undefined {
  const count = options.roots.length
  if (count < 2 || moves.size !== count) return undefined
  const order: string[] = []
  const used = new Set<number>()
  for (let recorded = 0; recorded < count; recorded++) {
    const targets = moves.get(recorded)
    const [found] = targets ?? []
    if (targets?.size !== 1 || found === undefined || used.has(found)) return undefined
    used.add(found)
    order.push(options.roots[found]?.root ?? '')
  }
  const asGiven = options.roots.map(({ root }) => root)
  return order.some((root, position) => root !== asGiven[position]) ? order : undefined
}

/** The output directory against every file the build wrote there, by the hash of its bytes on disk. */
function compareOutputDirectory(manifest: Manifest, files: readonly RootFile[]): VerifyResult {
  const expected = writtenFiles(manifest)
  const added: string[] = []
  const changed: string[] = []
  for (const { file, read } of files) {
    const hash = expected.get(file.logicalPath)
    if (hash === undefined) added.push(file.logicalPath)
    else if (hash !== read.source.hash) changed.push(file.logicalPath)
  }
  const found = new Set(files.map(({ file }) => file.logicalPath))
  // Variants and deltas are not files of the index: only their presence is checked here.
  const removed = [...expected.keys()]
    .filter((file) => !found.has(file) && !isEncodedFile(manifest, file))
    .sort()
  return { added, removed, changed }
}

/** Every file an out-dir build wrote, with the SHA-256 of the bytes it holds. */
function writtenFiles(manifest: Manifest): Map<string, string> {
  const written = new Map<string, string>()
  const addVariants = (variants: Readonly<Partial<Record<string, ManifestVariant>>> | undefined) => {
    for (const variant of Object.values(variants ?? {}))
      if (variant !== undefined) written.set(variant.file, variant.hash)
  }
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    written.set(logicalPath, entry.hash)
    if (entry.file !== undefined) written.set(entry.file, entry.hash)
    addVariants(entry.encodings)
    for (const delta of Object.values(entry.deltas ?? {})) addVariants(delta)
  }
  for (const build of manifest.history) {
    for (const [file, retained] of Object.entries(build.files)) {
      if (!written.has(file)) written.set(file, retained.hash)
      addVariants(retained.encodings)
    }
  }
  return written
}

/** True for a precompressed variant or a delta the manifest records (not a file of the index). */
function isEncodedFile(manifest: Manifest, file: string): boolean {
  return /\.(?:br|gz|zst|dcz|dcb)$/.test(file) && !Object.hasOwn(manifest.assets, file)
}
