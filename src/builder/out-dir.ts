/**
 * Writing into the output directory: the bytes a file serves, under its logical path and its
 * fingerprinted name, always through a temporary file and a rename, with the source's mtime.
 * @module
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../manifest/format.js'

/** What one file of the root serves. */
export interface Served {
  readonly absolutePath: string
  /** The rewritten bytes; undefined when the file is served as it is. */
  readonly body: Buffer | undefined
  readonly size: number
  /** The source file's mtime: copies and variants keep it, so every server sends the same Last-Modified. */
  readonly mtimeMs: number
}

/** The bytes served, read from the file when they are not rewritten. */
export function servedBytes(served: Served): Buffer {
  return served.body ?? readFileSync(served.absolutePath)
}

/**
 * When a file already in the output directory is kept rather than written again: `same-size` for an
 * immutable (fingerprinted) name, whose bytes a size check confirms; `same-size-and-mtime` for a
 * plain name the previous build wrote with these very bytes (its manifest recorded their hash), as
 * long as the file still has the size and the source's mtime it was given then; `never`.
 */
export type KeepExisting = 'same-size' | 'same-size-and-mtime' | 'never'

/** Writes the served bytes to `target` unless `keep` says the file there holds them. Returns files written (0 or 1). */
export function writeServed(served: Served, target: string, keep: KeepExisting): number {
  if (keep !== 'never' && holds(target, served, keep)) return 0
  if (served.body !== undefined) {
    writeFileAtomic(target, served.body)
  } else {
    mkdirSync(path.dirname(target), { recursive: true })
    const temporary = `${target}.${process.pid}.copy.tmp`
    try {
      copyFileSync(served.absolutePath, temporary)
      renameSync(temporary, target)
    } catch (error) {
      rmSync(temporary, { force: true })
      throw error
    }
  }
  keepMtime(target, served.mtimeMs)
  return 1
}

/** Writes `bytes` to `target` with the given mtime. */
export function writeWithMtime(target: string, bytes: Uint8Array, mtimeMs: number): void {
  writeFileAtomic(target, bytes)
  keepMtime(target, mtimeMs)
}

/** Copies `from` to `to` unless a file of the same size is there; sets the mtime either way. Returns files written. */
export function copyUnlessSameSize(from: string, to: string, mtimeMs: number): number {
  let written = 0
  if (statSync(to, { throwIfNoEntry: false })?.size !== statSync(from).size) {
    writeFileAtomic(to, readFileSync(from))
    written = 1
  }
  keepMtime(to, mtimeMs)
  return written
}

// --- internal ---

function holds(target: string, served: Served, keep: 'same-size' | 'same-size-and-mtime'): boolean {
  const existing = statSync(target, { throwIfNoEntry: false })
  if (existing === undefined || !existing.isFile() || existing.size !== served.size) return false
  // utimes stores the mtime it was given to within a microsecond or so: compare to the millisecond.
  return keep === 'same-size' || Math.abs(existing.mtimeMs - served.mtimeMs) < 1
}

function keepMtime(target: string, mtimeMs: number): void {
  const seconds = mtimeMs / 1000
  utimesSync(target, seconds, seconds)
}
