/**
 * Reading one file of the root for the index: its bytes or hash, its text when it may hold
 * references, and a re-read that rewrites those references.
 * @module
 */

import { isUtf8 } from 'node:buffer'
import { closeSync } from 'node:fs'
import { hashContent, toToken } from '../hash.js'
import type { ResolvedOptions } from '../options/options.js'
import {
  findEdges,
  type GraphOptions,
  hasReferences,
  type ResolvedFile,
  rewrite,
  type SourceFile,
} from '../rewrite/asset-graph.js'
import { findReferences, mayHaveReferences } from '../rewrite/references.js'
import type { FileIdentity } from '../types.js'
import { isTextType } from './asset.js'
import { hashOpenFile, hashOpenFileSync, readWholeSync } from './hash-file.js'
import {
  identityOf,
  isSameFile,
  openInRoot,
  openInRootSync,
  type RootRule,
  readExactly,
} from './open-file.js'
import { createUtf8Check, isUtf8Text } from './utf8.js'

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

/** A file read for indexing: its source for the graph, and the facts of the same open descriptor. */
export interface ReadFile {
  readonly source: SourceFile
  readonly size: number
  readonly mtimeMs: number
  /** The file the bytes were read from, as fstat saw it on the handle. */
  readonly identity: FileIdentity
  /** Whether the bytes are UTF-8 text, which decides the charset; checked for text types only (false for the rest). */
  readonly utf8: boolean
}

/** A file read again inside a running server, its references rewritten. */
export interface RereadFile {
  readonly result: ResolvedFile
  /** Size of the bytes served (the rewritten bytes, for a rewritten file). */
  readonly size: number
  readonly mtimeMs: number
  readonly identity: FileIdentity
  /** As on {@link ReadFile}: from the bytes read, before any rewriting (which keeps them UTF-8 or leaves them alone). */
  readonly utf8: boolean
}

/**
 * Reads one file of the root through an identity-checked open: text files that may hold references
 * are read whole through `scratch` (and decoded when they are valid UTF-8 and a reference can be in
 * them); the rest are hashed in chunks through `scratch`. Undefined when the path is not an allowed
 * regular file, or changed while being read.
 */
export function readSourceSync(
  logicalPath: string,
  absolutePath: string,
  scratch: Buffer,
  isFingerprinted: (logicalPath: string) => boolean,
  rule: RootRule,
): ReadFile | undefined {
  let opened: ReturnType<typeof openInRootSync>
  try {
    opened = openInRootSync(absolutePath, rule)
  } catch {
    return undefined // unreadable between the walk and the read
  }
  if (opened === undefined) return undefined
  const { fd, stats } = opened
  try {
    const size = stats.size
    const read =
      hasReferences(logicalPath) && !isFingerprinted(logicalPath) && size <= MAX_REWRITE_BYTES
        ? readText(logicalPath, fd, size, scratch)
        : hashBytes(logicalPath, fd, size, scratch)
    return read === undefined
      ? undefined
      : { source: read.source, size, mtimeMs: stats.mtimeMs, identity: identityOf(stats), utf8: read.utf8 }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** A stylesheet or script, read whole: decoded only when it is UTF-8 and may hold a reference. */
function readText(
  logicalPath: string,
  fd: number,
  size: number,
  scratch: Buffer,
): { source: SourceFile; utf8: boolean } | undefined {
  const bytes = readWholeSync(fd, size, scratch)
  if (bytes === undefined) return undefined
  // Only valid UTF-8 is rewritten, so rewriting cannot alter bytes it does not replace.
  const valid = isUtf8(bytes)
  const text = valid && mayHaveReferences(logicalPath, bytes) ? bytes.toString('utf8') : undefined
  const found = text === undefined ? undefined : findReferences(logicalPath, text)
  const hash = hashContent(bytes)
  const utf8 = valid || isUtf8Text(bytes)
  // The text is kept until every file is read and the graph resolved: keep only texts that need it,
  // with the references found in them, which the graph then takes instead of searching again.
  if (found === undefined || found.length === 0)
    return { source: { logicalPath, hash, text: undefined }, utf8 }
  return { source: { logicalPath, hash, text, found }, utf8 }
}

/** Any other file, hashed in chunks; text types are checked for UTF-8 on the way. */
function hashBytes(
  logicalPath: string,
  fd: number,
  size: number,
  scratch: Buffer,
): { source: SourceFile; utf8: boolean } | undefined {
  const check = isTextType(logicalPath) ? createUtf8Check() : undefined
  const hash = hashOpenFileSync(fd, size, scratch, check)
  if (hash === undefined) return undefined
  return { source: { logicalPath, hash, text: undefined }, utf8: check?.end() ?? false }
}

/**
 * Why a re-read found nothing to serve: no servable file (`gone`), no descriptor free (`busy`), or a
 * file that kept changing while it was read, however often it was tried (`unsettled`).
 */
export type RereadFailure = 'gone' | 'busy' | 'unsettled'

/** How {@link rereadFile} treats references. */
export interface RereadRules {
  readonly rule: RootRule
  readonly graphOptions: GraphOptions
  /** The token of a referenced logical path, or undefined to leave the reference as it is. */
  readonly tokenOf: (logicalPath: string) => string | undefined
  /** Rewrite references (a scanned root, a manifest over the sources), or take the file as it is (a build's output). */
  readonly rewriteReferences: boolean
}

/**
 * Pauses before each further try of a read that saw its file change (about 0.6 s in all): long enough
 * for a writer that truncates and then writes, or appends a little, to finish.
 */
const RETRY_WAITS_MS = [5, 20, 60, 150, 350] as const

/**
 * Reads a file of the root again (identity-checked, bounded) and rewrites its references with the
 * tokens `tokenOf` gives; files that hold no references are hashed in chunks. A file whose size or
 * times change while it is read was changed, not deleted: it is read again, a few times, and is
 * `unsettled` only when it never holds still. Rejects only for unexpected I/O errors.
 */
export async function rereadFile(
  logicalPath: string,
  absolutePath: string,
  rules: RereadRules,
): Promise<RereadFile | RereadFailure> {
  for (const wait of [0, ...RETRY_WAITS_MS]) {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const read = await rereadOnce(logicalPath, absolutePath, rules)
    if (read !== 'changed') return read
  }
  return 'unsettled'
}

// --- internal ---

/** One identity-checked read; `changed` when the file was not the same before and after the bytes were read. */
async function rereadOnce(
  logicalPath: string,
  absolutePath: string,
  rules: RereadRules,
): Promise<RereadFile | 'gone' | 'busy' | 'changed'> {
  const { rule, graphOptions } = rules
  const opened = await openInRoot(absolutePath, rule)
  if (opened.kind === 'busy') return 'busy'
  if (opened.kind === 'error') throw opened.error
  if (opened.kind !== 'file') return 'gone'
  const { handle, stats } = opened
  try {
    const identity = identityOf(stats)
    const rewritable =
      rules.rewriteReferences &&
      hasReferences(logicalPath) &&
      !graphOptions.isFingerprinted(logicalPath) &&
      stats.size <= MAX_REWRITE_BYTES
    let read: RereadFile | undefined
    if (rewritable) {
      const bytes = await readExactly(handle, stats.size)
      if (bytes !== undefined) read = rewriteRead(logicalPath, bytes, rules, identity, stats.mtimeMs)
    } else {
      const check = isTextType(logicalPath) ? createUtf8Check() : undefined
      const hash = await hashOpenFile(handle, stats.size, check)
      if (hash !== undefined) {
        const result: ResolvedFile = { hash, token: toToken(hash), body: undefined, references: [] }
        read = { result, size: stats.size, mtimeMs: stats.mtimeMs, identity, utf8: check?.end() ?? false }
      }
    }
    // Bytes of another length, or a file written to while it was read (same length, new times): read it again.
    return read !== undefined && isSameFile(identity, await handle.stat()) ? read : 'changed'
  } finally {
    await handle.close()
  }
}

/** A stylesheet or script read whole, its references rewritten with the tokens `tokenOf` gives. */
function rewriteRead(
  logicalPath: string,
  bytes: Buffer,
  rules: RereadRules,
  identity: FileIdentity,
  mtimeMs: number,
): RereadFile {
  const source: SourceFile = { logicalPath, hash: hashContent(bytes), text: toText(bytes) }
  const edges = findEdges(source, (target) => rules.tokenOf(target) !== undefined, rules.graphOptions)
  const result = rewrite(source, edges, rules.tokenOf, rules.graphOptions)
  const utf8 = isUtf8Text(bytes)
  return { result, size: result.body?.length ?? bytes.length, mtimeMs, identity, utf8 }
}

/** Text of a buffer when it is valid UTF-8 (so rewriting it cannot alter other bytes); else undefined. */
function toText(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined
}
