/**
 * Opening a file of the root with its identity checked on the handle. Every byte vstatic serves or
 * hashes is read through here: the open never blocks (a FIFO cannot hold a thread), only a regular
 * file is accepted, the file is either the very one the index recorded (device, inode, size and
 * times) or one whose real path is inside the root and allowed by the dotfile rule and the ignore
 * patterns, and reads are bounded by the size the handle reported.
 * @module
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs'
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { FileIdentity } from '../types.js'
import { isAllowedPath, isIgnoredFile, isInside, logicalPathOf, type ScanPolicy } from './scan.js'

/** Where an opened file may really be. */
export interface RootRule extends ScanPolicy {
  /** The root's real path. */
  readonly realRoot: string
  /** The root as given, when it may differ from `realRoot` (a symlinked root): paths under it name files of the root too. */
  readonly root?: string
  /** Glob patterns of logical paths left out; a file reached through a link is judged on its real path too. */
  readonly ignore?: readonly string[]
}

/** The outcome of an open. */
export type Opened =
  | { readonly kind: 'file'; readonly handle: FileHandle; readonly stats: Stats }
  /** Nothing servable is there: missing, not a regular file, outside the root or hidden by the dotfile rule. */
  | { readonly kind: 'gone' }
  /** A file is there, but not the one the index recorded: read it again before serving it. */
  | { readonly kind: 'changed' }
  /** Out of file descriptors (EMFILE, ENFILE). */
  | { readonly kind: 'busy' }
  | { readonly kind: 'error'; readonly error: Error }

/** Read-only, and never blocking in open(2): a FIFO opens at once and is then refused by fstat. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)
const GONE_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR', 'ELOOP', 'ENXIO'])
const BUSY_CODES = new Set(['EMFILE', 'ENFILE'])
/** Linux names the file behind a descriptor here: one readlink, and no race with a rename. */
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd') ? '/proc/self/fd/' : undefined

/** The identity of what `stats` describes. */
export function identityOf(stats: Stats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs }
}

/** True when `stats` describes the same file, unchanged, as `identity`. */
export function isSameFile(identity: FileIdentity, stats: Stats): boolean {
  return (
    stats.ino === identity.ino &&
    stats.size === identity.size &&
    stats.mtimeMs === identity.mtimeMs &&
    stats.ctimeMs === identity.ctimeMs &&
    stats.dev === identity.dev
  )
}

/**
 * Opens the file the index recorded at `absolutePath`. Anything but that very file, unchanged, is
 * `changed` (or `gone`): the caller re-reads it through {@link openInRoot} before serving a byte.
 */
export async function openIndexed(absolutePath: string, identity: FileIdentity): Promise<Opened> {
  return openChecked(absolutePath, async (_handle, stats) =>
    isSameFile(identity, stats) ? 'file' : 'changed',
  )
}

/** Opens a file of the root by path and accepts it only where its real path is allowed by `rule`. */
export async function openInRoot(absolutePath: string, rule: RootRule): Promise<Opened> {
  return openChecked(absolutePath, async (handle, stats) => {
    const realPath = await realPathOf(handle.fd, absolutePath, stats)
    return realPath !== undefined && isOpenable(realPath, absolutePath, rule) ? 'file' : 'gone'
  })
}

/** A file opened synchronously (startup, dev mode): its descriptor and what fstat said. */
export interface OpenedSync {
  readonly fd: number
  readonly stats: Stats
}

/**
 * The synchronous form of {@link openInRoot}, for the scan at startup and dev mode. Returns
 * undefined for anything that is not an allowed regular file; throws only unexpected errors.
 */
export function openInRootSync(absolutePath: string, rule: RootRule): OpenedSync | undefined {
  let fd: number
  try {
    fd = openSync(absolutePath, OPEN_FLAGS)
  } catch (error) {
    if (GONE_CODES.has(codeOf(error))) return undefined
    throw error
  }
  try {
    const stats = fstatSync(fd)
    const realPath = stats.isFile() ? realPathOfSync(fd, absolutePath, stats) : undefined
    if (realPath !== undefined && isOpenable(realPath, absolutePath, rule)) return { fd, stats }
  } catch (error) {
    closeSync(fd)
    throw error
  }
  closeSync(fd)
  return undefined
}

/**
 * Reads the whole file behind `handle`, which fstat said is `size` bytes: exactly that many, or
 * undefined when the file is shorter or longer now (it changed while being read).
 */
export async function readExactly(handle: FileHandle, size: number): Promise<Buffer | undefined> {
  const bytes = Buffer.allocUnsafe(size + 1)
  let filled = 0
  while (filled <= size) {
    const { bytesRead } = await handle.read(bytes, filled, size + 1 - filled, filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled === size ? bytes.subarray(0, size) : undefined
}

/** The synchronous form of {@link readExactly}. */
export function readExactlySync(fd: number, size: number): Buffer | undefined {
  const bytes = Buffer.allocUnsafe(size + 1)
  let filled = 0
  while (filled <= size) {
    const bytesRead = readSync(fd, bytes, filled, size + 1 - filled, filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled === size ? bytes.subarray(0, size) : undefined
}

/** Why {@link readConfigFileSync} refused a file that it could open. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError'
}

/**
 * Reads a regular file that is configuration, never served (vstatic's manifest, a bundler's
 * manifest): opened without blocking (a FIFO cannot hang startup), refused unless fstat says it is a
 * regular file of at most `maxBytes` (`/dev/zero` is not read at all), and read exactly to the size
 * the handle reported. Throws the open's error (ENOENT, EACCES…) or a {@link ConfigFileError} whose
 * message says why, to follow the file's name: "is not a regular file (a FIFO)".
 */
export function readConfigFileSync(absolutePath: string, maxBytes: number): Buffer {
  const fd = openSync(absolutePath, OPEN_FLAGS)
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new ConfigFileError(`is not a regular file (${kindOf(stats)})`)
    if (stats.size > maxBytes) {
      throw new ConfigFileError(`is ${stats.size} bytes, larger than the ${maxBytes} bytes read at most`)
    }
    const bytes = readExactlySync(fd, stats.size)
    if (bytes === undefined) throw new ConfigFileError('changed while it was read; try again')
    return bytes
  } finally {
    closeSync(fd)
  }
}

/** True when a real path is one the dotfile and symlink rules let vstatic read. */
export function isAllowedRealPath(realPath: string, rule: RootRule): boolean {
  if (isInside(realPath, rule.realRoot)) {
    const logicalPath = logicalPathOf(realPath, rule.realRoot)
    return logicalPath !== undefined && isAllowedPath(logicalPath, rule.dotfiles)
  }
  if (!rule.followSymlinksOutsideRoot) return false
  return rule.dotfiles === 'allow' || !path.basename(realPath).startsWith('.')
}

/**
 * True when the ignore patterns leave out the real path of a file reached under another name (through
 * a symlink). The name itself was judged when it was indexed (the scan, the manifest's build, a dev
 * lookup), so only a real path inside the root that differs from it is judged again, by the scan's own
 * fast-glob call; a real path outside the root has no logical path for the patterns to match.
 */
export function isIgnoredRealPath(realPath: string, namedPath: string, rule: RootRule): boolean {
  if (rule.ignore === undefined || rule.ignore.length === 0) return false
  const target = logicalPathOf(realPath, rule.realRoot)
  if (target === undefined || target === logicalNameOf(namedPath, rule)) return false
  return isIgnoredFile(rule.realRoot, target, rule.ignore, rule)
}

// --- internal ---

/** True when the file really at `realPath`, opened as `openedPath`, passes every rule of the root. */
function isOpenable(realPath: string, openedPath: string, rule: RootRule): boolean {
  return isAllowedRealPath(realPath, rule) && !isIgnoredRealPath(realPath, openedPath, rule)
}

/** The logical path a path under the root names, under its real or its given spelling. */
function logicalNameOf(namedPath: string, rule: RootRule): string | undefined {
  return (
    logicalPathOf(namedPath, rule.realRoot) ??
    (rule.root === undefined ? undefined : logicalPathOf(namedPath, rule.root))
  )
}

async function openChecked(
  absolutePath: string,
  check: (handle: FileHandle, stats: Stats) => Promise<'file' | 'gone' | 'changed'>,
): Promise<Opened> {
  let handle: FileHandle
  try {
    handle = await open(absolutePath, OPEN_FLAGS)
  } catch (error) {
    return failure(error)
  }
  try {
    const stats = await handle.stat()
    const verdict = stats.isFile() ? await check(handle, stats) : 'gone'
    if (verdict === 'file') return { kind: 'file', handle, stats }
    await handle.close()
    return { kind: verdict }
  } catch (error) {
    await handle.close().catch(() => undefined)
    return failure(error)
  }
}

/** What a file that is not a regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  if (stats.isSocket()) return 'a socket'
  return 'not a file'
}

function failure(error: unknown): Opened {
  const code = codeOf(error)
  if (GONE_CODES.has(code)) return { kind: 'gone' }
  if (BUSY_CODES.has(code)) return { kind: 'busy' }
  return { kind: 'error', error: error as Error }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? ''
}

/**
 * The real path of the file open on `fd`. On Linux the kernel says it; elsewhere the path is
 * resolved and accepted only when it names the very file that is open (same device and inode),
 * so a symlink swapped in between the open and the check cannot pass.
 */
async function realPathOf(fd: number, absolutePath: string, stats: Stats): Promise<string | undefined> {
  if (PROC_FD !== undefined) {
    const named = await readlink(PROC_FD + fd).catch(() => undefined)
    if (named?.startsWith('/') && !named.endsWith(' (deleted)')) return named
  }
  try {
    const resolved = await realpath(absolutePath)
    const resolvedStats = await stat(resolved)
    return resolvedStats.dev === stats.dev && resolvedStats.ino === stats.ino ? resolved : undefined
  } catch {
    return undefined
  }
}

function realPathOfSync(fd: number, absolutePath: string, stats: Stats): string | undefined {
  if (PROC_FD !== undefined) {
    try {
      const named = readlinkSync(PROC_FD + fd)
      if (named.startsWith('/') && !named.endsWith(' (deleted)')) return named
    } catch {
      // fall back to resolving the path
    }
  }
  try {
    const resolved = realpathSync(absolutePath)
    const resolvedStats = statSync(resolved)
    return resolvedStats.dev === stats.dev && resolvedStats.ino === stats.ino ? resolved : undefined
  } catch {
    return undefined
  }
}
