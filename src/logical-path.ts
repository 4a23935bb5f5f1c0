/**
 * Logical paths (`css/app.css`: relative to the root, `/`-separated): the one check that a path
 * names a file of the root, the one order they are listed in, and the logical path of a file found
 * below the root.
 * @module
 */
import path from 'node:path'

/**
 * Normalises a logical path given by a caller (`/img/a.png` → `img/a.png`).
 * Returns undefined for paths that can never name a file of the root.
 */
export function toLogicalPath(input: string): string | undefined {
  const trimmed = input.charCodeAt(0) === 47 /* / */ ? input.slice(1) : input
  if (trimmed.includes('\0') || !hasOnlyNamedSegments(trimmed)) return undefined
  return trimmed
}

/**
 * True when no segment is empty, `.` or `..`, so the path cannot leave the root (an empty path has
 * one empty segment). One pass, no allocation: this runs on every request.
 */
export function hasOnlyNamedSegments(logicalPath: string): boolean {
  let segmentStart = 0
  const length = logicalPath.length
  for (let position = 0; position <= length; position++) {
    if (position < length && logicalPath.charCodeAt(position) !== 47 /* / */) continue
    const segmentLength = position - segmentStart
    if (segmentLength === 0) return false
    if (logicalPath.charCodeAt(segmentStart) === 46 /* . */) {
      if (segmentLength === 1) return false
      if (segmentLength === 2 && logicalPath.charCodeAt(segmentStart + 1) === 46) return false
    }
    segmentStart = position + 1
  }
  return true
}

/** Orders files by logical path, by UTF-16 code unit as `Array.prototype.sort()` orders strings. */
export function byLogicalPath(
  a: { readonly logicalPath: string },
  b: { readonly logicalPath: string },
): number {
  return a.logicalPath < b.logicalPath ? -1 : a.logicalPath > b.logicalPath ? 1 : 0
}

/** The logical path of a file below `root`: `path.relative` with `/` separators. */
export function relativeLogicalPath(root: string, absolutePath: string): string {
  return path.relative(root, absolutePath).split(path.sep).join('/')
}
