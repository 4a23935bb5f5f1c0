/**
 * scanRoot(): the fast-glob walk that lists the files of the root. The dotfile and symlink policy lives here.
 * @module
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
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
  // .well-known needs its own pattern under the ignore policy; only pay for it when it exists.
  const wellKnown = !allowDotfiles && existsSync(path.join(realRoot, WELL_KNOWN))
  const entries = fastGlob().sync(wellKnown ? ['**', `${WELL_KNOWN}/**`] : ['**'], {
    cwd: realRoot,
    ignore: toIgnore(ignore, patterns),
    dot: allowDotfiles,
    onlyFiles: false,
    followSymbolicLinks: false,
    objectMode: true,
    unique: false,
    suppressErrors: true,
  })
  const separator = path.sep === '/' ? '/' : undefined
  const seen = wellKnown ? new Set<string>() : undefined
  const files: ScannedFile[] = []
  for (const entry of entries) {
    const logicalPath = entry.path
    if (seen !== undefined) {
      if (seen.has(logicalPath)) continue
      seen.add(logicalPath)
    }
    // fast-glob already skips dot segments unless they are allowed; only .well-known paths need a look.
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
      if (target !== undefined) files.push({ logicalPath, absolutePath: target })
    }
  }
  const allowed = judgeLinkTargets(realRoot, files, policy, toIgnore(ignore, patterns))
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
 * The files of a scan whose link targets pass the rules on their own name: a symlink inside the root
 * is judged by the dotfile rule and the ignore patterns on the path it leads to, not only on its own
 * name, so `public.txt -> secret.scss` is left out when `**\/*.scss` is. The targets are judged in one
 * fast-glob call (the very call the walk made), so a root of many links stays cheap.
 */
function judgeLinkTargets(
  realRoot: string,
  files: readonly ScannedFile[],
  policy: ScanPolicy,
  ignore: readonly string[],
): ScannedFile[] {
  const targets = new Map<ScannedFile, string>()
  for (const file of files) {
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

/**
 * fast-glob, loaded on the first walk: a process that loads its index from a manifest (each worker of
 * `serve --workers`) never walks, and fast-glob with its matchers costs about 7 MiB of memory.
 */
function fastGlob(): typeof FastGlob {
  loadedFastGlob ??= createRequire(import.meta.url)('fast-glob') as typeof FastGlob
  return loadedFastGlob
}

let loadedFastGlob: typeof FastGlob | undefined
