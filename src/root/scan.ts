/**
 * scanRoot(): the walk that lists the files of the root (readdir, or fast-glob when patterns are
 * ignored). The dotfile and symlink policy lives here.
 * @module
 */
import { type Dirent, existsSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type FastGlob from 'fast-glob'
import { ENCODINGS, encodingExtension } from '../http/encoding.js'
import { byLogicalPath } from '../logical-path.js'
import type { Dotfiles, Encoding } from '../types.js'

/** A file found under the root. */
export interface ScannedFile {
  /** Path relative to the root, `/`-separated. */
  readonly logicalPath: string
  /** Path to open: the file itself, or the target of a symlink that passed the policy. */
  readonly absolutePath: string
}

/** What the walk may include. */
export interface ScanPolicy {
  readonly dotfiles: Dotfiles
  readonly followSymlinksOutsideRoot: boolean
}

/**
 * fast-glob, loaded when first used: a server started from a manifest never walks the root, and
 * loading it would be a fifth of such a start.
 */
let loadedGlob: typeof FastGlob | undefined
function fastGlob(): typeof FastGlob {
  loadedGlob ??= createRequire(import.meta.url)('fast-glob') as typeof FastGlob
  return loadedGlob
}

/** The one dot-directory served under the `ignore` policy (RFC 8615 well-known URIs). */
const WELL_KNOWN = '.well-known'

/**
 * Lists the regular files under `realRoot` in a stable (sorted) order.
 * Symlinked files are included when their real path is inside the root (or the policy allows
 * outside targets) and, inside the root, when that real path passes the dotfile rule and the ignore
 * patterns too; symlinked directories are not descended, so a link loop cannot recurse.
 */
export function scanRoot(
  realRoot: string,
  policy: ScanPolicy,
  ignore: readonly string[] = [],
  patterns: readonly string[] = [],
): ScannedFile[] {
  const allowDotfiles = policy.dotfiles === 'allow'
  const ignored = toIgnore(ignore, patterns)
  const entries =
    ignored.length === 0 ? walkRoot(realRoot, allowDotfiles) : globRoot(realRoot, ignored, allowDotfiles)
  const separator = path.sep === '/' ? '/' : undefined
  const files: ScannedFile[] = []
  const links: ScannedFile[] = []
  for (const entry of entries) {
    const logicalPath = entry.logicalPath
    // The walk already skips dot segments unless they are allowed; only .well-known paths need a look.
    if (
      !allowDotfiles &&
      logicalPath.charCodeAt(0) === 46 /* . */ &&
      !isAllowedPath(logicalPath, policy.dotfiles)
    ) {
      continue
    }
    const absolutePath =
      separator === undefined ? path.join(realRoot, logicalPath) : realRoot + separator + logicalPath
    if (entry.dirent.isFile()) {
      files.push({ logicalPath, absolutePath })
    } else if (entry.dirent.isSymbolicLink()) {
      const target = resolveLink(absolutePath, realRoot, policy.followSymlinksOutsideRoot)
      if (target === undefined) continue
      const file = { logicalPath, absolutePath: target }
      files.push(file)
      links.push(file)
    }
  }
  const allowed = links.length === 0 ? files : judgeLinkTargets(realRoot, files, links, policy, ignored)
  allowed.sort(byLogicalPath)
  return allowed
}

/**
 * True when the `ignore` patterns leave out the file at `logicalPath` under `realRoot`, judged by
 * the very fast-glob call the scan makes (one stat), so dev mode and the scan always agree.
 */
export function isIgnoredFile(
  realRoot: string,
  logicalPath: string,
  patterns: readonly string[],
  policy: ScanPolicy,
): boolean {
  if (patterns.length === 0) return false
  return !keptByIgnore(realRoot, [logicalPath], toIgnore([], patterns), policy).has(logicalPath)
}

/**
 * The logical path of a real path inside `realRoot` (`/`-separated), or undefined when it is the
 * root itself or lies outside it.
 */
export function logicalPathOf(realPath: string, realRoot: string): string | undefined {
  if (realPath.length <= realRoot.length || !isInside(realPath, realRoot)) return undefined
  const start = realRoot.endsWith(path.sep) ? realRoot.length : realRoot.length + 1
  const relative = realPath.slice(start)
  return path.sep === '/' ? relative : relative.split(path.sep).join('/')
}

/** True when no segment of the logical path is hidden by the dotfile policy. */
export function isAllowedPath(logicalPath: string, dotfiles: Dotfiles): boolean {
  if (dotfiles === 'allow') return true
  const segments = logicalPath.split('/')
  // .well-known is allowed as the first segment only, and only as a directory.
  return segments.every(
    (segment, position) =>
      !segment.startsWith('.') || (position === 0 && segment === WELL_KNOWN && segments.length > 1),
  )
}

/** True when `realPath` is `realRoot` itself or lies below it. */
export function isInside(realPath: string, realRoot: string): boolean {
  return (
    realPath === realRoot || realPath.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep)
  )
}

/** A precompressed file found beside the file it compresses. */
export interface VariantFile<File extends ScannedFile = ScannedFile> {
  readonly encoding: Encoding
  readonly file: File
}

/** Separates `x.br` / `x.gz` files that sit next to an `x` from the files served on their own. */
export function splitVariants<File extends ScannedFile>(
  files: readonly File[],
): {
  originals: File[]
  variants: Map<string, VariantFile<File>[]>
} {
  const names = new Set(files.map((file) => file.logicalPath))
  const originals: File[] = []
  const variants = new Map<string, VariantFile<File>[]>()
  for (const file of files) {
    const encoding = ENCODINGS.find((name) => file.logicalPath.endsWith(encodingExtension(name)))
    const original =
      encoding === undefined ? undefined : file.logicalPath.slice(0, -encodingExtension(encoding).length)
    if (encoding === undefined || original === undefined || !names.has(original)) {
      originals.push(file)
      continue
    }
    const list = variants.get(original) ?? []
    list.push({ encoding, file })
    variants.set(original, list)
  }
  return { originals, variants }
}

// --- internal ---

/** An entry of the walk: its logical path and what readdir said it is (not following links). */
interface WalkedEntry {
  readonly logicalPath: string
  readonly dirent: Pick<Dirent, 'isFile' | 'isSymbolicLink'>
}

/** Names the walk skips, as the fast-glob walk does: any with a line break (LF, CR, U+2028, U+2029). */
const LINE_BREAK = /[\n\r\u2028\u2029]/

/**
 * Every entry under `realRoot` without following symlinks, by readdir alone: what the fast-glob
 * pattern `**` lists when nothing is ignored, at a third of its cost. Dot entries are skipped unless
 * allowed, except a top-level `.well-known` directory (its paths are judged by the dotfile rule after).
 * Unreadable directories are skipped, as fast-glob's `suppressErrors` does.
 */
function walkRoot(realRoot: string, allowDotfiles: boolean): WalkedEntry[] {
  const entries: WalkedEntry[] = []
  const walk = (directory: string, prefix: string) => {
    let dirents: Dirent[]
    try {
      dirents = readdirSync(directory, { withFileTypes: true })
    } catch {
      return
    }
    for (const dirent of dirents) {
      const name = dirent.name
      // Line breaks in a name: fast-glob's `**` never matches them, and nginx is never given them.
      if (LINE_BREAK.test(name)) continue
      if (
        !allowDotfiles &&
        name.charCodeAt(0) === 46 /* . */ &&
        !(prefix === '' && name === WELL_KNOWN && dirent.isDirectory())
      ) {
        continue
      }
      const logicalPath = prefix === '' ? name : `${prefix}/${name}`
      if (dirent.isDirectory()) walk(path.join(directory, name), logicalPath)
      else entries.push({ logicalPath, dirent })
    }
  }
  walk(realRoot, '')
  return entries
}

/** The walk through fast-glob, when `ignore` patterns must be matched. */
function globRoot(realRoot: string, ignore: string[], allowDotfiles: boolean): WalkedEntry[] {
  // .well-known needs its own pattern under the ignore policy; only pay for it when it exists.
  const wellKnown = !allowDotfiles && existsSync(path.join(realRoot, WELL_KNOWN))
  const entries = fastGlob().sync(wellKnown ? ['**', `${WELL_KNOWN}/**`] : ['**'], {
    cwd: realRoot,
    ignore,
    dot: allowDotfiles,
    onlyFiles: false,
    followSymbolicLinks: false,
    objectMode: true,
    unique: true,
    suppressErrors: true,
  })
  return entries.map((entry) => ({ logicalPath: entry.path, dirent: entry.dirent }))
}

/**
 * fast-glob ignore patterns: literal logical paths (escaped) and the user's glob patterns, each also
 * covering everything below it when it names a folder, and the precompressed siblings of a file,
 * which would otherwise be served on their own and leak the bytes of what was left out.
 */
function toIgnore(paths: readonly string[], patterns: readonly string[]): string[] {
  return [
    ...paths.map((item) => fastGlob().escapePath(item)).flatMap((item) => [item, `${item}/**`]),
    ...patterns.flatMap((pattern) => [
      pattern,
      `${pattern}/**`,
      ...ENCODINGS.map((encoding) => pattern + encodingExtension(encoding)),
    ]),
  ]
}

/**
 * The files of a scan whose link targets (of `links`, the files reached through a symlink) pass the rules on their own name: a symlink inside the root
 * is judged by the dotfile rule and the ignore patterns on the path it leads to, not only on its own
 * name, so `public.txt -> secret.scss` is left out when `**\/*.scss` is. The targets are judged in one
 * fast-glob call (the very call the walk made), so a root of many links stays cheap.
 */
function judgeLinkTargets(
  realRoot: string,
  files: readonly ScannedFile[],
  links: readonly ScannedFile[],
  policy: ScanPolicy,
  ignore: readonly string[],
): ScannedFile[] {
  const targets = new Map<ScannedFile, string>()
  for (const file of links) {
    const target = logicalPathOf(file.absolutePath, realRoot)
    if (target !== undefined && target !== file.logicalPath) targets.set(file, target)
  }
  if (targets.size === 0) return [...files]
  const kept = ignore.length === 0 ? undefined : keptByIgnore(realRoot, [...targets.values()], ignore, policy)
  return files.filter((file) => {
    const target = targets.get(file)
    if (target === undefined) return true
    return isAllowedPath(target, policy.dotfiles) && (kept === undefined || kept.has(target))
  })
}

/** Those of `logicalPaths` (files under `realRoot`) that exist and that the fast-glob `ignore` list leaves in. */
function keptByIgnore(
  realRoot: string,
  logicalPaths: readonly string[],
  ignore: readonly string[],
  policy: ScanPolicy,
): Set<string> {
  const found = fastGlob().sync(
    logicalPaths.map((item) => fastGlob().escapePath(item)),
    {
      cwd: realRoot,
      ignore: [...ignore],
      dot: policy.dotfiles === 'allow',
      onlyFiles: false,
      followSymbolicLinks: false,
      suppressErrors: true,
    },
  )
  return new Set(found)
}

function resolveLink(absolutePath: string, realRoot: string, allowOutside: boolean): string | undefined {
  try {
    const target = realpathSync(absolutePath)
    if (!allowOutside && !isInside(target, realRoot)) return undefined
    return statSync(target).isFile() ? target : undefined
  } catch {
    return undefined // dangling link
  }
}
