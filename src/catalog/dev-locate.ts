/**
 * Where dev mode finds a logical path on disk: the first root that holds it as a file that the
 * dotfile, symlink and ignore rules allow, judged on its name and on its real path (as the scan judges
 * a link), so a link to an ignored file or into an ignored folder is refused as in production. Nothing
 * is cached but verdicts that cannot change (a path the ignore patterns leave in), so new, moved and
 * deleted files are seen at once.
 * @module
 */
import { realpathSync, type Stats, statSync } from 'node:fs'
import path from 'node:path'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedRoot } from '../options/paths.js'
import { isAllowedRealPath } from '../root/open-file.js'
import { shadowedMessage } from '../root/roots.js'
import { isAllowedPath, isIgnoredFile, logicalPathOf } from '../root/scan.js'

/** A file dev mode may serve. */
export interface LocatedFile {
  /** Its real path: what is opened, and checked again on the descriptor. */
  readonly absolutePath: string
  readonly stats: Stats
  /** The root it was found in, whose rules every open of it applies. */
  readonly root: ResolvedRoot
}

/** The lookups dev mode makes on disk. */
export interface Locator {
  /** The file a logical path names now, or undefined. */
  file(logicalPath: string): LocatedFile | undefined
  /** True when some root has a directory at the logical path. */
  isDirectory(logicalPath: string): boolean
}

/** A locator over the roots of `options`; `warn` hears once of each file a later root shadows. */
export function createLocator(options: ResolvedOptions, warn: (message: string) => void): Locator {
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
        warn(shadowedMessage(logicalPath, served.root, later.root))
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
