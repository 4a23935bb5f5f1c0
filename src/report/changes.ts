/**
 * What changed since the previous build: files added, removed and changed (new bytes), with the
 * sizes before and after. The previous build is the manifest the build replaced or, without it, the
 * newest build in the manifest's history (out-dir builds keep one for rolling deploys).
 * @module
 */
import type { Manifest } from '../manifest/format.js'

/** One file that differs from the previous build; a size is null where the file is not. */
export interface FileChange {
  readonly path: string
  readonly before: number | null
  readonly after: number | null
  /** `after - before`, each counted as 0 where the file is not. */
  readonly delta: number
}

export interface BuildChanges {
  readonly previousBuildId: string
  readonly previousBuiltAt: string
  readonly added: readonly FileChange[]
  readonly removed: readonly FileChange[]
  readonly changed: readonly FileChange[]
  /** Change of the total bytes served. */
  readonly delta: number
}

/** The changes from `previous` (or the manifest's newest kept build) to `manifest`; null if neither. */
export function compareBuilds(manifest: Manifest, previous: Manifest | undefined): BuildChanges | null {
  const before = previous === undefined ? keptBuild(manifest) : currentFiles(previous)
  if (before === undefined) return null
  const after = currentFiles(manifest)
  const added: FileChange[] = []
  const changed: FileChange[] = []
  for (const [path, file] of after.files) {
    const old = before.files.get(path)
    if (old === undefined) added.push(change(path, null, file.size))
    else if (old.hash !== file.hash) changed.push(change(path, old.size, file.size))
  }
  const removed = [...before.files]
    .filter(([path]) => !after.files.has(path))
    .map(([path, file]) => change(path, file.size, null))
  const byPath = (a: FileChange, b: FileChange) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return {
    previousBuildId: before.buildId,
    previousBuiltAt: before.builtAt,
    added: added.sort(byPath),
    removed: removed.sort(byPath),
    changed: changed.sort(byPath),
    delta: [...added, ...removed, ...changed].reduce((total, file) => total + file.delta, 0),
  }
}

// --- internal ---

interface BuildFiles {
  readonly buildId: string
  readonly builtAt: string
  readonly files: ReadonlyMap<string, { readonly size: number; readonly hash: string }>
}

function change(path: string, before: number | null, after: number | null): FileChange {
  return { path, before, after, delta: (after ?? 0) - (before ?? 0) }
}

function currentFiles(manifest: Manifest): BuildFiles {
  const files = new Map(Object.entries(manifest.assets).map(([path, entry]) => [path, entry]))
  return { buildId: manifest.buildId, builtAt: manifest.builtAt, files }
}

/** The newest kept build, by logical path. It lists the files that had fingerprinted copies. */
function keptBuild(manifest: Manifest): BuildFiles | undefined {
  const build = manifest.history[0]
  if (build === undefined) return undefined
  const files = new Map(Object.values(build.files).map((file) => [file.logicalPath, file]))
  return { buildId: build.buildId, builtAt: build.builtAt, files }
}
