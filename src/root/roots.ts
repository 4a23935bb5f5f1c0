/**
 * Several roots as one tree of logical paths: each root is scanned on its own (its files opened
 * under its own real-path rules), and the first root that has a logical path serves it.
 * @module
 */
import path from 'node:path'
import { byLogicalPath } from '../logical-path.js'
import type { ResolvedRoot, ResolvedRoots } from '../options/paths.js'
import type { OnWarning } from '../types.js'
import { isInside, type ScannedFile, scanRoot, splitVariants, type VariantFile } from './scan.js'

/** A file found under one of the roots, with the root whose rules every open of it applies. */
export interface RootedFile extends ScannedFile {
  readonly root: ResolvedRoot
}

/** What {@link scanRoots} found. */
export interface RootsScan {
  /** Files served on their own, in logical-path order: one per logical path, from the first root that has it. */
  readonly originals: RootedFile[]
  /** Precompressed siblings by the logical path of the file they sit beside, always from that file's root. */
  readonly variants: Map<string, VariantFile<RootedFile>[]>
}

/** What a scan of the roots leaves out, and where it reports shadowed files. */
export interface RootsScanOptions {
  readonly roots: readonly ResolvedRoot[]
  /** Glob patterns of logical paths left out. */
  readonly ignore: readonly string[]
  /** Absolute paths left out wherever they lie under a root (the manifest, an output directory). */
  readonly unlisted?: Iterable<string>
  /** Hears once, for each pair of roots, of the logical paths a later root also has. */
  readonly onWarning: OnWarning
}

/** Scans every root; a later root's file at a logical path an earlier root has is left out and reported. */
export function scanRoots(options: RootsScanOptions): RootsScan {
  const unlisted = [...(options.unlisted ?? [])]
  const originals: RootedFile[] = []
  const variants = new Map<string, VariantFile<RootedFile>[]>()
  const owner = new Map<string, ResolvedRoot>()
  /** Shadowed paths by the pair of roots, "served from\0shadowed". */
  const shadowed = new Map<string, string[]>()
  for (const root of options.roots) {
    const files = scanRoot(root.realRoot, root, unlistedUnder(root, unlisted), options.ignore)
      .filter((file) => !unlisted.includes(file.absolutePath))
      .map((file): RootedFile => ({ ...file, root }))
    const split = splitVariants(files)
    for (const file of split.originals) {
      const first = owner.get(file.logicalPath)
      if (first !== undefined) {
        const pair = `${first.root}\0${root.root}`
        shadowed.set(pair, [...(shadowed.get(pair) ?? []), file.logicalPath])
        continue
      }
      owner.set(file.logicalPath, root)
      originals.push(file)
      const siblings = split.variants.get(file.logicalPath)
      if (siblings !== undefined) variants.set(file.logicalPath, siblings)
    }
  }
  for (const [pair, paths] of shadowed) {
    const [servedFrom = '', later = ''] = pair.split('\0')
    options.onWarning(shadowedMessage(paths, servedFrom, later), { kind: 'shadowed', paths })
  }
  if (options.roots.length > 1) originals.sort(byLogicalPath)
  return { originals, variants }
}

/** The warning for a file that an earlier root shadows. */
export function shadowedMessage(
  logicalPaths: readonly string[],
  servedFrom: string,
  shadowed: string,
): string {
  const [only] = logicalPaths
  if (logicalPaths.length === 1 && only !== undefined) {
    return `${only} is in ${servedFrom} and in ${shadowed}; the first root wins, so the copy in ${shadowed} is not served`
  }
  const named = logicalPaths.slice(0, SHADOWED_NAMED).join(', ')
  const more = logicalPaths.length > SHADOWED_NAMED ? ` and ${logicalPaths.length - SHADOWED_NAMED} more` : ''
  return `${logicalPaths.length} files are in ${servedFrom} and in ${shadowed}; the first root wins, so the copies in ${shadowed} are not served: ${named}${more}`
}

/** Shadowed paths a warning names before it counts the rest. */
const SHADOWED_NAMED = 10

/** The root a path of the index belongs to: the one named `root`, or the first. */
export function rootNamed(roots: ResolvedRoots, root: string): ResolvedRoot {
  return roots.find((candidate) => candidate.root === root) ?? roots[0]
}

// --- internal ---

/** The unlisted paths under `root`, as logical paths of that root. */
function unlistedUnder(root: ResolvedRoot, unlisted: readonly string[]): string[] {
  const relative: string[] = []
  for (const file of unlisted) {
    for (const base of new Set([root.realRoot, root.root])) {
      if (file !== base && isInside(file, base)) {
        relative.push(path.relative(base, file).split(path.sep).join('/'))
      }
    }
  }
  return relative
}
