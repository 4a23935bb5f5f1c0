/**
 * Several roots as one tree of logical paths: each root is scanned on its own (its files opened
 * under its own real-path rules), and the first root that has a logical path serves it.
 * @module
 */
import path from 'node:path'
import { byLogicalPath } from '../logical-path.js'
import type { ResolvedRoot, ResolvedRoots } from '../options/paths.js'
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
  /** Hears once of each logical path that a later root also has. */
  readonly onWarning: (message: string) => void
}

/** Scans every root; a later root's file at a logical path an earlier root has is left out and reported. */
export function scanRoots(options: RootsScanOptions): RootsScan {
  const unlisted = [...(options.unlisted ?? [])]
  const originals: RootedFile[] = []
  const variants = new Map<string, VariantFile<RootedFile>[]>()
  const owner = new Map<string, ResolvedRoot>()
  for (const root of options.roots) {
    const files = scanRoot(root.realRoot, root, unlistedUnder(root, unlisted), options.ignore)
      .filter((file) => !unlisted.includes(file.absolutePath))
      .map((file): RootedFile => ({ ...file, root }))
    const split = splitVariants(files)
    for (const file of split.originals) {
      const first = owner.get(file.logicalPath)
      if (first !== undefined) {
        options.onWarning(shadowedMessage(file.logicalPath, first.root, root.root))
        continue
      }
      owner.set(file.logicalPath, root)
      originals.push(file)
      const siblings = split.variants.get(file.logicalPath)
      if (siblings !== undefined) variants.set(file.logicalPath, siblings)
    }
  }
  if (options.roots.length > 1) originals.sort(byLogicalPath)
  return { originals, variants }
}

/** The warning for a file that an earlier root shadows. */
export function shadowedMessage(logicalPath: string, servedFrom: string, shadowed: string): string {
  return `${logicalPath} is in ${servedFrom} and in ${shadowed}; the first root wins, so the copy in ${shadowed} is not served`
}

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
