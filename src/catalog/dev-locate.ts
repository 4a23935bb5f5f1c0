/**
 * Where dev mode finds a logical path on disk: the first root that holds it as a file that the
 * dotfile, symlink and ignore rules allow, judged on its name and on its real path (as the scan judges
 * a link), so a link to an ignored file or into an ignored folder is refused as in production. Nothing
 * is cached but verdicts that cannot change (a path the ignore patterns leave in), so new, moved and
 * deleted files are seen at once.
 * @module
 */
import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedRoot } from '../options/paths.js'
import { isAllowedRealPath } from '../root/open-file.js'
import { shadowedMessage } from '../root/roots.js'
import { isAllowedPath, isIgnoredFile, logicalPathOf } from '../root/scan.js'
import type { OnWarning } from '../types.js'

/** A file dev mode may serve. */
export interface LocatedFile {
  /** Its real path: what is opened, and checked again on the descriptor. */
  readonly absolutePath: string
  readonly stats: Stats
  /** The root it was found in, whose rules every open of it applies. */
  readonly root: ResolvedRoot
}

/** A directory whose listing was seen, and what it was: a change of it may make a missing file appear. */
export interface DirectoryProbe {
  readonly directory: string
  /** Inode and times when seen; '' when it had changed too recently to be trusted (it is then looked at again). */
  readonly signature: string
}

/** How to tell, without looking each one up, that files found missing are still missing. */
export interface Absence {
  /** Directories whose listings decide that the names are missing: while none changes, they still are. */
  readonly probes: readonly DirectoryProbe[]
  /** Names no directory listing decides (a symlink on the way, whose target may appear elsewhere): looked up each time. */
  readonly unsettled: readonly string[]
}

/** The lookups dev mode makes on disk. */
export interface Locator {
  /** The file a logical path names now, or undefined. */
  file(logicalPath: string): LocatedFile | undefined
  /** True when some root has a directory at the logical path. */
  isDirectory(logicalPath: string): boolean
  /** For logical paths that {@link Locator.file} just found missing: what would show that one appeared. */
  absence(missing: Iterable<string>): Absence
}

/** True when no directory of `probes` changed since it was seen. */
export function isStillAbsent(probes: readonly DirectoryProbe[]): boolean {
  return probes.every(
    (probe) => probe.signature !== '' && signatureOf(probe.directory, false) === probe.signature,
  )
}

/** A locator over the roots of `options`; `warn` hears once of each file a later root shadows. */
export function createLocator(options: ResolvedOptions, warn: OnWarning): Locator {
  const notIgnored = new Set<string>()
  const shadowChecked = new Set<string>()

  function isIgnored(root: ResolvedRoot, logicalPath: string): boolean {
    if (notIgnored.has(logicalPath)) return false
    // A path the patterns leave out may be judged again (cheap, and rare); one they keep stays kept.
    if (isIgnoredFile(root.realRoot, logicalPath, options.ignore, root)) return true
    notIgnored.add(logicalPath)
    return false
  }

  /** Judged on the name asked for and, for a link, on the path it leads to (`notes.txt -> drafts/notes.txt`, `assets/ -> drafts/`). */
  function ignored(root: ResolvedRoot, logicalPath: string, realPath: string): boolean {
    if (options.ignore.length === 0) return false
    if (isIgnored(root, logicalPath)) return true
    const target = logicalPathOf(realPath, root.realRoot)
    return target !== undefined && target !== logicalPath && isIgnored(root, target)
  }

  function reportShadowed(logicalPath: string, position: number): void {
    if (shadowChecked.has(logicalPath)) return
    shadowChecked.add(logicalPath)
    const served = options.roots[position] as ResolvedRoot
    for (const later of options.roots.slice(position + 1)) {
      if (lookIn(later, logicalPath)?.stats.isFile())
        warn(shadowedMessage([logicalPath], served.root, later.root), {
          kind: 'shadowed',
          paths: [logicalPath],
        })
    }
  }

  return {
    file(logicalPath) {
      if (!isAllowedPath(logicalPath, options.dotfiles)) return undefined
      for (const [position, root] of options.roots.entries()) {
        const found = lookIn(root, logicalPath)
        if (found === undefined || !found.stats.isFile()) continue
        // The bundler's manifest is read, never served; another root's file of that name may be.
        if (options.unlisted.size > 0 && isUnlisted(options.unlisted, found.absolutePath, root, logicalPath))
          continue
        if (ignored(root, logicalPath, found.absolutePath)) return undefined
        if (options.roots.length > 1) reportShadowed(logicalPath, position)
        return { ...found, root }
      }
      return undefined
    },
    isDirectory(logicalPath) {
      if (logicalPath === '') return true
      return options.roots.some((root) => lookIn(root, logicalPath)?.stats.isDirectory() ?? false)
    },
    absence(missing) {
      const directories = new Set<string>()
      const unsettled: string[] = []
      // Names in one folder share its walk: 300,000 missing images under img/ cost one lstat each, once.
      const walked = new Map<string, FolderWalk | null>()
      for (const logicalPath of missing) {
        // A name the dotfile rule refuses stays refused whatever appears on disk.
        if (!isAllowedPath(logicalPath, options.dotfiles)) continue
        const watches = options.roots.map((root) => watchFor(root, logicalPath, walked))
        if (watches.some((watch) => watch === undefined)) unsettled.push(logicalPath)
        else for (const watch of watches) if (watch !== undefined) directories.add(watch)
      }
      const probes = [...directories].map((directory) => ({
        directory,
        signature: signatureOf(directory, true),
      }))
      return { probes, unsettled }
    },
  }
}

// --- internal ---

/** True when the file is the bundler's manifest, by its real path or by its path under the root. */
function isUnlisted(
  unlisted: ReadonlySet<string>,
  realPath: string,
  root: ResolvedRoot,
  logicalPath: string,
) {
  return unlisted.has(realPath) || unlisted.has(path.join(root.root, logicalPath))
}

/**
 * A directory's modification time changes when a name in it is created, removed or renamed, but the
 * clock it is stamped with may tick only every few milliseconds (two seconds on FAT): a directory
 * changed this recently may change again under the same stamp, so it is not trusted yet.
 */
const SETTLE_MS = 2000

/** A directory's inode and times, or '' when it is gone (or, with `settled`, changed too recently to trust). */
function signatureOf(directory: string, settled: boolean): string {
  let stats: Stats | undefined
  try {
    stats = lstatSync(directory, { throwIfNoEntry: false })
  } catch {
    return ''
  }
  if (stats === undefined || !stats.isDirectory()) return ''
  if (settled && Date.now() - stats.mtimeMs < SETTLE_MS) return ''
  return `${stats.ino}\0${stats.mtimeMs}\0${stats.ctimeMs}`
}

/** Where a walk through real directories toward a folder of the root stopped, and whether it got there. */
interface FolderWalk {
  readonly directory: string
  readonly complete: boolean
}

/**
 * The directory to watch for a missing logical path under `root`: the deepest real directory on the
 * way to it, since creating, removing or renaming anything below changes that directory. Undefined
 * when a symlink is on the way (its target can appear without any directory of the root changing).
 * `walked` keeps the walk of each folder (null for one through a symlink), so names share it.
 */
function watchFor(
  root: ResolvedRoot,
  logicalPath: string,
  walked: Map<string, FolderWalk | null>,
): string | undefined {
  const slash = logicalPath.lastIndexOf('/')
  const folder = slash < 0 ? '' : logicalPath.slice(0, slash)
  const key = `${root.realRoot}\0${folder}`
  let walk = walked.get(key)
  if (walk === undefined) {
    walk = walkFolder(root, folder)
    walked.set(key, walk)
  }
  if (walk === null) return undefined
  // The folder is not all there: the directory where the walk stopped decides.
  if (!walk.complete) return walk.directory
  const stats = lstatOrUndefined(`${walk.directory}${path.sep}${logicalPath.slice(slash + 1)}`)
  return stats === null || stats?.isSymbolicLink() === true ? undefined : walk.directory
}

/**
 * Walks `folder` under the root through real directories only: where it stops (a name missing, or
 * something other than a directory there) and whether it got through; null when a symlink or an
 * entry that cannot be looked at is on the way.
 */
function walkFolder(root: ResolvedRoot, folder: string): FolderWalk | null {
  let directory = root.realRoot
  if (folder === '') return { directory, complete: true }
  for (const segment of folder.split('/')) {
    const next = `${directory}${path.sep}${segment}`
    const stats = lstatOrUndefined(next)
    if (stats === null || stats?.isSymbolicLink() === true) return null
    if (stats === undefined || !stats.isDirectory()) return { directory, complete: false }
    directory = next
  }
  return { directory, complete: true }
}

/** lstat without throwing: undefined when nothing is there, null when it cannot be looked at. */
function lstatOrUndefined(file: string): Stats | undefined | null {
  try {
    return lstatSync(file, { throwIfNoEntry: false })
  } catch {
    return null
  }
}

function lookIn(root: ResolvedRoot, logicalPath: string): { absolutePath: string; stats: Stats } | undefined {
  const absolutePath = path.join(root.realRoot, logicalPath)
  try {
    // The dotfile and symlink rules hold on the real path (`config.txt -> .env` is refused); the
    // open that reads the file checks its real path again on the descriptor.
    const realPath = realpathSync.native(absolutePath)
    if (realPath !== root.realRoot && !isAllowedRealPath(realPath, root)) return undefined
    return { absolutePath: realPath, stats: statSync(realPath) }
  } catch {
    return undefined
  }
}
