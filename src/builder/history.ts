/**
 * The builds kept in an output directory for rolling deploys (`--keep`): the previous manifest, the
 * earlier builds the new one carries, and the files no kept build names any more.
 * @module
 */
import { rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { ENCODINGS, encodingExtension } from '../http/encoding.js'
import {
  type Manifest,
  type ManifestBuild,
  type ManifestEntry,
  type RetainedFile,
  readManifest,
} from '../manifest/format.js'
import { isInside } from '../root/scan.js'

/** The manifest of the previous build, if there is a readable one (a warning otherwise). */
export function readPrevious(manifestPath: string, warn: (message: string) => void): Manifest | undefined {
  if (statSync(manifestPath, { throwIfNoEntry: false }) === undefined) return undefined
  try {
    return readManifest(manifestPath)
  } catch (error) {
    warn(
      `the previous manifest cannot be read (${(error as Error).message}); its history is not carried over`,
    )
    return undefined
  }
}

/** Earlier builds to keep, newest first: the previous build, then its own history, up to `keep - 1`. */
export function retainedBuilds(
  previous: Manifest | undefined,
  buildId: string,
  keep: number,
): ManifestBuild[] {
  if (previous === undefined || previous.options.layout !== 'out-dir') return []
  const candidates = [toRetainedBuild(previous), ...previous.history].filter(
    (build) => build.buildId !== buildId,
  )
  return candidates.slice(0, keep - 1)
}

/**
 * Removes from the output directory the files that only builds older than the kept ones named,
 * and the plain copies of files that no longer exist. Driven by the manifests, never by listing
 * or emptying the directory. Returns what it removed.
 */
export function removeDropped(
  outDir: string,
  previous: Manifest | undefined,
  assets: Readonly<Record<string, ManifestEntry>>,
  kept: readonly ManifestBuild[],
  keep: number,
): string[] {
  if (previous === undefined || previous.options.layout !== 'out-dir') return []
  const inUse = filesInUse(assets, kept)
  const removed: string[] = []
  for (const file of [...droppedFiles(previous, assets, keep)].sort()) {
    if (inUse.has(file)) continue
    const target = path.join(outDir, file)
    if (!isInside(target, outDir) || statSync(target, { throwIfNoEntry: false })?.isFile() !== true) continue
    rmSync(target, { force: true })
    removed.push(file)
  }
  return removed
}

// --- internal ---

function toRetainedBuild(manifest: Manifest): ManifestBuild {
  const files: Record<string, RetainedFile> = {}
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    if (entry.file === undefined) continue
    files[entry.file] = {
      logicalPath,
      token: entry.token,
      size: entry.size,
      hash: entry.hash,
      contentType: entry.contentType,
      ...(entry.cycle === true ? { cycle: true } : {}),
      ...(entry.encodings === undefined ? {} : { encodings: entry.encodings }),
    }
  }
  return { buildId: manifest.buildId, builtAt: manifest.builtAt, files }
}

/** Every file the new build and the kept builds name. */
function filesInUse(
  assets: Readonly<Record<string, ManifestEntry>>,
  kept: readonly ManifestBuild[],
): Set<string> {
  const inUse = new Set<string>()
  for (const [logicalPath, entry] of Object.entries(assets)) {
    addEntryFiles(inUse, logicalPath, entry)
    if (entry.file !== undefined) inUse.add(entry.file)
  }
  for (const build of kept) addBuildFiles(inUse, build)
  return inUse
}

/** The files that may go: those of builds past the kept ones, and those of entries that are gone. */
function droppedFiles(
  previous: Manifest,
  assets: Readonly<Record<string, ManifestEntry>>,
  keep: number,
): Set<string> {
  const candidates = new Set<string>()
  const allBuilds = [toRetainedBuild(previous), ...previous.history]
  for (const build of allBuilds.slice(Math.max(0, keep - 1))) addBuildFiles(candidates, build)
  for (const [logicalPath, entry] of Object.entries(previous.assets)) {
    if (assets[logicalPath] === undefined) addEntryFiles(candidates, logicalPath, entry)
    // Deltas belong to the version they lead to: once it is history, a new build makes its own.
    else addDeltaFiles(candidates, entry)
  }
  return candidates
}

/** The plain copy of an entry, its variants under the plain name, and the variants it records. */
function addEntryFiles(files: Set<string>, logicalPath: string, entry: ManifestEntry): void {
  files.add(logicalPath)
  for (const encoding of ENCODINGS) files.add(logicalPath + encodingExtension(encoding))
  for (const variant of Object.values(entry.encodings ?? {})) files.add(variant.file)
  addDeltaFiles(files, entry)
}

/** The delta files an entry records. */
function addDeltaFiles(files: Set<string>, entry: ManifestEntry): void {
  for (const byCoding of Object.values(entry.deltas ?? {})) {
    for (const delta of Object.values(byCoding)) files.add(delta.file)
  }
}

/** The fingerprinted files of a build and their variants. */
function addBuildFiles(files: Set<string>, build: ManifestBuild): void {
  for (const [file, retained] of Object.entries(build.files)) {
    files.add(file)
    for (const variant of Object.values(retained.encodings ?? {})) files.add(variant.file)
  }
}
