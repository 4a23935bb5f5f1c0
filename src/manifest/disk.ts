/**
 * The root as a manifest check sees it: read one directory at a time, so checking every entry of a
 * large manifest costs a `readdir` per directory rather than a `realpath` and a `stat` per file; or
 * one path at a time, for the check of each entry when it is first used.
 * @module
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import type { RootRule } from '../root/open-file.js'

export interface Disk {
  /** The root's real path and the rules for what may be opened under it, as every open applies them. */
  readonly rule: RootRule
  /**
   * The real path of a path under the root, whether a symlink was followed on the way, and whether
   * it is a regular file; undefined when it does not exist.
   */
  find(
    relativePath: string,
  ): { readonly realPath: string; readonly viaLink: boolean; readonly isFile: boolean } | undefined
}

/**
 * The root on disk, read one directory at a time: a `readdir` per directory, and a `realpath` and
 * a `stat` only for symlinks, so startup stays cheap.
 */
export function openDisk(root: string, policy: Omit<RootRule, 'realRoot' | 'root'>): Disk | undefined {
  let realRoot: string
  try {
    realRoot = realpathSync.native(path.resolve(root))
  } catch {
    return undefined
  }
  const directories = new Map<string, Directory | null>()
  const readDirectory = (relativeDirectory: string): Directory | null => {
    let known = directories.get(relativeDirectory)
    if (known === undefined) {
      known = null // missing, or a file where a directory was expected
      try {
        const located = locateDirectory(relativeDirectory)
        if (located !== undefined) {
          const entries = readdirSync(located.realPath, { withFileTypes: true })
          known = { ...located, entries: new Map(entries.map((entry) => [entry.name, entry])) }
        }
      } catch {}
      directories.set(relativeDirectory, known)
    }
    return known
  }
  // A directory's real path from its parent's listing: a syscall only for a symlinked directory.
  const locateDirectory = (relativeDirectory: string): { realPath: string; viaLink: boolean } | undefined => {
    if (relativeDirectory === '') return { realPath: realRoot, viaLink: false }
    const slash = relativeDirectory.lastIndexOf('/')
    const parent = readDirectory(slash < 0 ? '' : relativeDirectory.slice(0, slash))
    const name = relativeDirectory.slice(slash + 1)
    const entry = parent?.entries.get(name)
    if (parent == null || entry === undefined) return undefined
    const nominal = `${parent.realPath}${path.sep}${name}`
    if (entry.isDirectory()) return { realPath: nominal, viaLink: parent.viaLink }
    if (!entry.isSymbolicLink() && !isUnknownType(entry)) return undefined
    return { realPath: realpathSync.native(nominal), viaLink: true }
  }
  return {
    rule: { ...policy, realRoot },
    find(relativePath) {
      const slash = relativePath.lastIndexOf('/')
      const directory = readDirectory(slash < 0 ? '' : relativePath.slice(0, slash))
      const name = relativePath.slice(slash + 1)
      const entry = directory?.entries.get(name)
      if (directory == null || entry === undefined) return undefined
      const candidate = `${directory.realPath}${path.sep}${name}`
      if (!entry.isSymbolicLink() && !isUnknownType(entry)) {
        return { realPath: candidate, viaLink: directory.viaLink, isFile: entry.isFile() }
      }
      try {
        const realPath = realpathSync.native(candidate)
        return { realPath, viaLink: true, isFile: statSync(realPath).isFile() }
      } catch {
        return undefined // a dangling link
      }
    },
  }
}

/**
 * The root on disk, one path at a time: a `realpath` and a `stat` per path looked up, nothing kept.
 * For checks spread over the life of a server (each entry when first used), where reading every
 * directory up front would cost more than the few paths asked for.
 */
export function openPathDisk(root: string, policy: Omit<RootRule, 'realRoot' | 'root'>): Disk | undefined {
  let realRoot: string
  try {
    realRoot = realpathSync.native(path.resolve(root))
  } catch {
    return undefined
  }
  return {
    rule: { ...policy, realRoot },
    find(relativePath) {
      const nominal = path.join(realRoot, relativePath)
      try {
        const realPath = realpathSync.native(nominal)
        // A link on the way is the only way the real path can differ from the path named.
        return { realPath, viaLink: realPath !== nominal, isFile: statSync(realPath).isFile() }
      } catch {
        return undefined // missing, or a dangling link
      }
    },
  }
}

interface Directory {
  readonly realPath: string
  /** True when a symlinked directory was followed to reach it. */
  readonly viaLink: boolean
  readonly entries: ReadonlyMap<string, Dirent>
}

/** True when the file system did not say what the entry is (it is then looked up). */
function isUnknownType(entry: Dirent): boolean {
  return !(
    entry.isFile() ||
    entry.isDirectory() ||
    entry.isSymbolicLink() ||
    entry.isFIFO() ||
    entry.isSocket() ||
    entry.isBlockDevice() ||
    entry.isCharacterDevice()
  )
}
