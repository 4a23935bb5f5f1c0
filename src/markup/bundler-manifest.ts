/**
 * A bundler's build manifest (Vite's `.vite/manifest.json`, and the same shape other tools write):
 * read and checked, and walked for what a page needs to load one entry. Only `file`, `css` and
 * `imports` of each chunk are read, so the reader does not depend on one bundler.
 * @module
 */
import { statSync } from 'node:fs'
import { StaticConfigError } from '../errors.js'
import { toLogicalPath } from '../logical-path.js'
import { ConfigFileError, readConfigFileSync } from '../root/open-file.js'

/** One chunk of the manifest, as far as vstatic reads it. */
export interface BundlerChunk {
  /** The output file, relative to the bundler's output directory (the root). */
  readonly file: string
  /** Stylesheets the chunk needs (output paths). */
  readonly css: readonly string[]
  /** Keys of the chunks it imports statically. */
  readonly imports: readonly string[]
}

/** The chunks of a manifest by key (the source name, for an entry or an asset): as read now. */
export type BundlerChunks = () => ReadonlyMap<string, BundlerChunk>

/** What a page needs for some entries, in the order the tags go into the page, each file once. */
export interface EntryFiles {
  /** Stylesheets: those of imported chunks first, so the entry's own rules win in the cascade (as in Vite's own HTML). */
  readonly stylesheets: readonly string[]
  /** Statically imported chunks, dependencies first (for `<link rel="modulepreload">`). */
  readonly preloads: readonly string[]
  /** The entries' own files: module scripts, or stylesheets for a CSS entry. */
  readonly entries: readonly string[]
}

/** The largest manifest read (a manifest of many thousand chunks is a few MiB). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024

/**
 * The manifest at `file`, read once, or (`live`, dev mode) read again whenever it changes on disk,
 * so a `vite build --watch` is followed. Every fault is a StaticConfigError naming the file.
 */
export function createBundlerManifest(file: string, live: boolean): BundlerChunks {
  let chunks = readBundlerManifest(file)
  let signature = live ? signatureOf(file) : ''
  return () => {
    if (!live) return chunks
    const now = signatureOf(file)
    if (now !== signature) {
      chunks = readBundlerManifest(file)
      signature = now
    }
    return chunks
  }
}

/**
 * The files a page needs for `names` (manifest keys such as `src/main.ts`); a name not in it is
 * returned as missing. The `imports` graph is walked with an explicit stack, so a chain as deep as a
 * bundler can write costs its length, never the call stack.
 */
export function entryFiles(
  chunks: ReadonlyMap<string, BundlerChunk>,
  names: readonly string[],
): EntryFiles | { readonly missing: string } {
  const files = { stylesheets: new OrderedSet(), preloads: new OrderedSet(), entries: new OrderedSet() }
  const seen = new Set<string>(names)
  for (const name of names) {
    const chunk = chunks.get(name)
    if (chunk === undefined) return { missing: name }
    collect(chunk, chunks, seen, files)
    files.entries.add(chunk.file)
  }
  return {
    stylesheets: files.stylesheets.items,
    preloads: files.preloads.items,
    entries: files.entries.items,
  }
}

/**
 * The first file the manifest names (a chunk's own file, then its stylesheets) that `has` lacks,
 * with the key of the chunk that names it; undefined when every file is there.
 */
export function findMissingFile(
  chunks: ReadonlyMap<string, BundlerChunk>,
  has: (file: string) => boolean,
): { readonly key: string; readonly file: string } | undefined {
  for (const [key, chunk] of chunks) {
    for (const file of [chunk.file, ...chunk.css]) if (!has(file)) return { key, file }
  }
  return undefined
}

// --- internal ---

/** A list that keeps each item once, in the order first added. */
class OrderedSet {
  readonly items: string[] = []
  readonly #seen = new Set<string>()

  add(item: string): void {
    if (this.#seen.has(item)) return
    this.#seen.add(item)
    this.items.push(item)
  }
}

/**
 * Adds what `entry` needs, depth first and each chunk once: the chunks it imports (as preloads, each
 * after its own imports) and the stylesheets of each chunk after those of the chunks it imports.
 */
function collect(
  entry: BundlerChunk,
  chunks: ReadonlyMap<string, BundlerChunk>,
  seen: Set<string>,
  files: { readonly stylesheets: OrderedSet; readonly preloads: OrderedSet },
): void {
  const stack: Array<{ readonly chunk: BundlerChunk; next: number }> = [{ chunk: entry, next: 0 }]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as (typeof stack)[number]
    const key = frame.chunk.imports[frame.next]
    if (key !== undefined) {
      frame.next++
      if (seen.has(key)) continue
      seen.add(key)
      stack.push({ chunk: chunks.get(key) as BundlerChunk, next: 0 }) // checked when the manifest was read
      continue
    }
    // Every chunk it imports is in: its stylesheets follow theirs, and it is preloaded unless it is the entry.
    stack.pop()
    for (const stylesheet of frame.chunk.css) files.stylesheets.add(stylesheet)
    if (stack.length > 0) files.preloads.add(frame.chunk.file)
  }
}

function readBundlerManifest(file: string): Map<string, BundlerChunk> {
  const fail = (fault: string, cause?: unknown): never => {
    throw new StaticConfigError('vite', `manifest ${JSON.stringify(file)} ${fault}`, { cause })
  }
  let data: unknown
  try {
    data = JSON.parse(readConfigFileSync(file, MAX_MANIFEST_BYTES).toString('utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      return fail('does not exist; build with `build.manifest: true` (vite build) first', error)
    return fail(
      error instanceof SyntaxError
        ? `is not valid JSON: ${error.message}`
        : error instanceof ConfigFileError
          ? error.message
          : `cannot be read: ${(error as Error).message}`,
      error,
    )
  }
  if (!isRecord(data)) return fail('is not a bundler manifest (expected a JSON object of chunks)')
  const chunks = new Map<string, BundlerChunk>()
  for (const [key, value] of Object.entries(data)) {
    if (!isRecord(value) || typeof value.file !== 'string' || toLogicalPath(value.file) !== value.file)
      return fail(`has a chunk ${JSON.stringify(key)} without a valid "file"`)
    const css = value.css ?? []
    const imports = value.imports ?? []
    if (!isPathList(css)) return fail(`has a chunk ${JSON.stringify(key)} with malformed "css"`)
    if (
      !Array.isArray(imports) ||
      !imports.every((item) => typeof item === 'string' && Object.hasOwn(data, item))
    )
      return fail(`has a chunk ${JSON.stringify(key)} whose "imports" name chunks it does not list`)
    chunks.set(key, Object.freeze({ file: value.file, css, imports }))
  }
  return chunks
}

function isPathList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.every((item) => typeof item === 'string' && toLogicalPath(item) === item)
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** What changes when the manifest is rewritten (a bundler writes a new file or rewrites it). */
function signatureOf(file: string): string {
  const stats = statSync(file, { throwIfNoEntry: false })
  return stats === undefined ? '' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`
}
