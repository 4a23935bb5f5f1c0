/**
 * What `url()` is given: a path that may end in a query or a fragment (`sprite.svg#icon`), and, when
 * it names no file, the words that say why: a path that can never name one, or the indexed paths it
 * was probably meant to be.
 * @module
 */
import { MissingAssetError } from '../errors.js'
import { toLogicalPath } from '../logical-path.js'

/** A path split before its first `?` or `#`: `sprite.svg#icon` → `sprite.svg` and `#icon`. */
export interface PathWithSuffix {
  readonly path: string
  /** The query and fragment as given, starting with `?` or `#`. */
  readonly suffix: string
}

/** Splits `input` before its first `?` or `#`; undefined when it has neither. */
export function splitSuffix(input: string): PathWithSuffix | undefined {
  const question = input.indexOf('?')
  const hash = input.indexOf('#')
  const at = question === -1 ? hash : hash === -1 ? question : Math.min(question, hash)
  return at === -1 ? undefined : { path: input.slice(0, at), suffix: input.slice(at) }
}

/**
 * Why `input` can never name a file of the root, or undefined when it could. Mirrors the rule of
 * `toLogicalPath()`: a leading `/` is allowed, then no empty, `.` or `..` segment and no NUL.
 */
export function invalidPathReason(input: string): string | undefined {
  const trimmed = input.startsWith('/') ? input.slice(1) : input
  if (trimmed === '') return 'it is empty'
  if (trimmed.includes('\0')) return 'it contains a NUL byte'
  const segments = trimmed.split('/')
  if (segments.includes('..')) return 'it has a ".." segment, and a path may not leave the root'
  if (segments.includes('.')) return 'it has a "." segment; write the path without it'
  if (segments.includes('')) return 'it has an empty segment (a doubled "/" or a trailing "/")'
  return undefined
}

/** How many suggestions a message offers at most. */
const MAX_SUGGESTIONS = 3

/**
 * Indexed paths that `wanted` was probably meant to be: those that differ only in case first, then
 * those one edit away (a character added, dropped, replaced, or two neighbours swapped). Runs only
 * when a path is missing, so a linear pass over the index is fine.
 */
export function suggestPaths(wanted: string, candidates: Iterable<string>): string[] {
  const lower = wanted.toLowerCase()
  const sameButCase: string[] = []
  const oneEditAway: string[] = []
  for (const candidate of candidates) {
    if (candidate === wanted) continue
    const candidateLower = candidate.toLowerCase()
    if (candidateLower === lower) sameButCase.push(candidate)
    else if (isOneEditApart(lower, candidateLower)) oneEditAway.push(candidate)
  }
  return [...sameButCase.sort(), ...oneEditAway.sort()].slice(0, MAX_SUGGESTIONS)
}

/**
 * What a path given to url() names: the file at exactly that path, else the file before a `?` or `#`
 * (`sprite.svg#icon`), whose query and fragment are then kept. A file really named `a?b.txt` wins.
 */
export function findAsset<T>(
  get: (logicalPath: string) => T | undefined,
  path: string,
): { asset: T | undefined; logicalPath: string | undefined; suffix: string } {
  const logicalPath = toLogicalPath(path)
  const asset = logicalPath === undefined ? undefined : get(logicalPath)
  const split = asset === undefined ? splitSuffix(path) : undefined
  if (split === undefined) return { asset, logicalPath, suffix: '' }
  const withoutSuffix = toLogicalPath(split.path)
  const found = withoutSuffix === undefined ? undefined : get(withoutSuffix)
  return { asset: found, logicalPath: withoutSuffix, suffix: split.suffix }
}

/**
 * The error for `path`, which names no file of `root` (`where` names what was searched): why it
 * never can (no `logicalPath`), or the indexed paths it was probably meant to be.
 */
export function missingAssetError(
  path: string,
  { root, where }: { readonly root: string; readonly where: string },
  logicalPath: string | undefined,
  indexedPaths: () => Iterable<string>,
  ignoredBy?: (logicalPath: string) => string | undefined,
): MissingAssetError {
  if (logicalPath === undefined) {
    const reason = invalidPathReason(splitSuffix(path)?.path ?? path) ?? invalidPathReason(path)
    return new MissingAssetError(path, root, where, { reason })
  }
  const suggestions = suggestPaths(logicalPath, indexedPaths())
  return new MissingAssetError(path, root, where, { suggestions, ignoredBy: ignoredBy?.(logicalPath) })
}

// --- internal ---

/** True when `a` and `b` differ by one insertion, deletion, substitution or adjacent swap. */
function isOneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  // What is left between the common start and the common end is the edit.
  const restA = a.slice(start, endA)
  const restB = b.slice(start, endB)
  if (restA.length <= 1 && restB.length <= 1) return true
  return restA.length === 2 && restB.length === 2 && restA[0] === restB[1] && restA[1] === restB[0]
}
