/**
 * Reading one file of the root for the index: its bytes or hash, its text when it may hold
 * references, and a re-read that rewrites those references.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import { hashContent, hashFileSync } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import {
  findEdges,
  type GraphOptions,
  hasReferences,
  type ResolvedFile,
  rewrite,
  type SourceFile,
} from '../rewrite/asset-graph.js'

/** Largest text file whose references are rewritten; bigger ones are served as they are. */
const MAX_REWRITE_BYTES = 16 * 1024 * 1024

/** Graph options from resolved options. */
export function toGraphOptions(options: ResolvedOptions): GraphOptions {
  return {
    prefix: options.prefix,
    versioning: options.versioning,
    isFingerprinted: options.isFingerprinted,
    onWarning: options.onWarning,
  }
}

/** A file read for indexing: its source for the graph, and the size and mtime of the same read. */
export interface ReadFile {
  readonly source: SourceFile
  readonly size: number
  readonly mtimeMs: number
}

/**
 * Reads one file: text files that may hold references are read whole (and kept as text when they
 * are valid UTF-8); the rest are hashed in chunks through `scratch`.
 */
export function readSourceSync(
  logicalPath: string,
  absolutePath: string,
  scratch: Buffer,
  isFingerprinted: (logicalPath: string) => boolean,
): ReadFile | undefined {
  try {
    if (hasReferences(logicalPath) && !isFingerprinted(logicalPath)) {
      const stats = statSync(absolutePath)
      if (!stats.isFile()) return undefined
      if (stats.size <= MAX_REWRITE_BYTES) {
        const bytes = readFileSync(absolutePath)
        const source = { logicalPath, hash: hashContent(bytes), text: toText(bytes) }
        return { source, size: bytes.length, mtimeMs: stats.mtimeMs }
      }
    }
    const hashed = hashFileSync(absolutePath, scratch)
    if (hashed === undefined) return undefined
    const source = { logicalPath, hash: hashed.hash, text: undefined }
    return { source, size: hashed.stats.size, mtimeMs: hashed.stats.mtimeMs }
  } catch {
    return undefined // vanished or unreadable between the walk and the read
  }
}

/**
 * Reads a file whose references are rewritten and rewrites them with the tokens `tokenOf` gives.
 * Returns the graph's result with the size and mtime of the bytes served; undefined if it cannot be read.
 */
export function rereadWithReferences(
  logicalPath: string,
  absolutePath: string,
  tokenOf: (logicalPath: string) => string | undefined,
  graphOptions: GraphOptions,
): { result: ResolvedFile; size: number; mtimeMs: number } | undefined {
  try {
    const bytes = readFileSync(absolutePath)
    const mtimeMs = statSync(absolutePath).mtimeMs
    const source: SourceFile = { logicalPath, hash: hashContent(bytes), text: toText(bytes) }
    const edges = findEdges(source, (target) => tokenOf(target) !== undefined, graphOptions)
    const result = rewrite(source, edges, tokenOf, graphOptions)
    return { result, size: result.body?.length ?? bytes.length, mtimeMs }
  } catch {
    return undefined
  }
}

/** Text of a buffer when it is valid UTF-8 (so rewriting it cannot alter other bytes); else undefined. */
export function toText(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8')
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined
}
