/**
 * What a build tells as it goes: its warnings, its progress every few files, and the counts its
 * summary reports.
 * @module
 */
import { ENCODINGS } from '../http/encoding.js'
import type { Encoding, OnWarning, WarningContext } from '../types.js'
import { isStrictProblem } from './strict.js'

/**
 * Progress of a build, reported every few files of each phase, in order: `read` (each file read and
 * hashed), `rewrite` (references resolved and rewritten), `write` (copies, variants and SRI of
 * each file). Bytes count the files of the root as read, so the last update of every phase shows the
 * files and bytes the summary reports.
 */
export interface BuildProgress {
  readonly phase: 'read' | 'rewrite' | 'write'
  readonly files: number
  readonly totalFiles: number
  readonly bytes: number
  readonly totalBytes: number
}

/** What a build counts as it goes. */
export interface BuildCounts {
  /** Files served with their references rewritten. */
  rewritten: number
  /** Files written to the output directory. */
  written: number
  /** Variants of the previous build used again instead of compressing once more. */
  reused: number
  /** Variants compressed, by coding. */
  readonly compressed: Record<Encoding, number>
}

/** The warnings and counts of one build, and its progress callback. */
export interface BuildReport {
  readonly warnings: readonly string[]
  /** A strict build's problems: the warnings it fails on instead (see strict.ts). */
  readonly problems: readonly string[]
  readonly counts: BuildCounts
  warn(message: string, context?: WarningContext): void
  /** Passes `progress` on for the first file, every 50th and the last. */
  progress(progress: BuildProgress): void
}

/** How often progress is passed on, in files. */
const PROGRESS_EVERY_FILES = 50

/**
 * A report that collects warnings and passes them, and throttled progress, to the given callbacks.
 * A strict one keeps the warnings a strict build fails on as problems, and passes them on no further.
 */
export function createReport(
  onWarning: OnWarning | undefined,
  onProgress: ((progress: BuildProgress) => void) | undefined,
  strict = false,
): BuildReport {
  const warnings: string[] = []
  const problems: string[] = []
  const compressed = Object.fromEntries(ENCODINGS.map((encoding) => [encoding, 0]))
  return {
    warnings,
    problems,
    counts: { rewritten: 0, written: 0, reused: 0, compressed: compressed as Record<Encoding, number> },
    warn(message, context) {
      if (strict && isStrictProblem(context)) {
        problems.push(message)
        return
      }
      warnings.push(message)
      onWarning?.(message, context)
    },
    progress(progress) {
      if ((progress.files - 1) % PROGRESS_EVERY_FILES === 0 || progress.files === progress.totalFiles)
        onProgress?.(progress)
    },
  }
}

/** Groups of logical paths that differ only in case (they collide on case-insensitive file systems). */
export function findCaseCollisions(logicalPaths: Iterable<string>): string[][] {
  const byLowerCase = new Map<string, string[]>()
  for (const logicalPath of logicalPaths) {
    const key = logicalPath.toLowerCase()
    byLowerCase.set(key, [...(byLowerCase.get(key) ?? []), logicalPath])
  }
  return [...byLowerCase.values()].filter((group) => group.length > 1).map((group) => group.sort())
}
