/**
 * Writing into the output directory: the bytes a file serves, under its logical path and its
 * fingerprinted name, always through a temporary file and a rename, with the source's mtime.
 * @module
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../catalog/manifest.js'

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
 * Writes the served bytes to `target`; an immutable (fingerprinted) target that exists is kept.
 * Returns the number of files written (0 or 1).
 */
export function writeServed(served: Served, target: string, immutable: boolean): number {
  if (immutable && statSync(target, { throwIfNoEntry: false })?.size === served.size) return 0
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

function keepMtime(target: string, mtimeMs: number): void {
  const seconds = mtimeMs / 1000
  utimesSync(target, seconds, seconds)
}
