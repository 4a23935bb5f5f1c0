/**
 * The options that name files and folders: the root (or roots), the manifest, ignore patterns and
 * the bundler's manifest. Each path is resolved against `process.cwd()` or given as a `file:` URL.
 * @module
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { StaticConfigError } from '../errors.js'
import type { Dotfiles, ViteOptions } from '../types.js'

/** One root after validation, with the rules every open of its files applies. */
export interface ResolvedRoot {
  /** Absolute path as given (after `path.resolve`). */
  readonly root: string
  /** Real path (symlinks resolved): what containment is checked against. */
  readonly realRoot: string
  readonly dotfiles: Dotfiles
  readonly followSymlinksOutsideRoot: boolean
  /** Glob patterns of logical paths left out: judged on the name, and on the real path of a link. */
  readonly ignore: readonly string[]
}

/** The bundler settings after validation. */
export interface ResolvedVite {
  /** Absolute path of the bundler's manifest. */
  readonly manifest: string
  /** The dev server's URL, ending in `/`; undefined when none was given. */
  readonly devServer: string | undefined
  readonly reactRefresh: boolean
}

/** The scan rules each root is read with. */
interface RootPolicy {
  readonly dotfiles: Dotfiles
  readonly followSymlinksOutsideRoot: boolean
  readonly ignore: readonly string[]
}

/** One root or more, in lookup order (in dev mode with a dev server, a root may not exist yet). */
export type ResolvedRoots = readonly [ResolvedRoot, ...ResolvedRoot[]]

/**
 * Validates `root`: one directory or a non-empty list of distinct ones, in the order they are searched.
 * With `mayBeMissing` (dev mode with a bundler's dev server, before the first `vite build`), a root
 * that does not exist yet is accepted: its files are looked for on each request, as dev mode does.
 */
export function resolveRoots(value: unknown, policy: RootPolicy, mayBeMissing = false): ResolvedRoots {
  const given: unknown[] = Array.isArray(value) ? value : [value]
  const [first, ...rest] = given.map((item: unknown) =>
    Object.freeze({ ...resolveRoot(item, mayBeMissing), ...policy }),
  )
  if (first === undefined) {
    throw new StaticConfigError('root', 'must be a directory or a non-empty list of directories, got []')
  }
  const roots: ResolvedRoots = [first, ...rest]
  for (const [position, root] of roots.entries()) {
    const first = roots.findIndex((other) => other.realRoot === root.realRoot)
    if (first !== position) {
      throw new StaticConfigError(
        'root',
        `lists the same directory twice: ${show(given[first])} and ${show(given[position])} (${root.realRoot})`,
      )
    }
  }
  return Object.freeze(roots)
}

/**
 * A path option as an absolute path: a string resolved against `process.cwd()`, or a `file:` URL
 * (a URL object or its string form). Undefined when `value` is neither.
 */
export function toAbsolutePath(value: unknown): string | undefined {
  if (value instanceof URL) return value.protocol === 'file:' ? path.resolve(fileURLToPath(value)) : undefined
  if (typeof value !== 'string' || value === '') return undefined
  if (value.startsWith('file:')) {
    try {
      return path.resolve(fileURLToPath(value))
    } catch {
      return undefined
    }
  }
  return path.resolve(value)
}

/** Validates `ignore`: glob patterns matched against logical paths. */
export function resolveIgnore(value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([])
  if (!Array.isArray(value)) {
    throw new StaticConfigError(
      'ignore',
      `must be a list of glob patterns such as ["**/*.scss"], got ${show(value)}`,
    )
  }
  for (const pattern of value as unknown[]) {
    if (typeof pattern !== 'string' || pattern === '' || pattern.startsWith('/') || pattern.startsWith('!')) {
      throw new StaticConfigError(
        'ignore',
        `patterns are matched against logical paths such as "css/app.scss" (no leading "/" or "!"), got ${show(pattern)}`,
      )
    }
  }
  return Object.freeze([...(value as string[])])
}

/** Validates `vite`; relative manifest paths are taken from the root, as in Vite's own `build.manifest`. */
export function resolveVite(value: unknown, roots: ResolvedRoots): ResolvedVite | undefined {
  if (value === undefined || value === false) return undefined
  if (value !== true && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new StaticConfigError('vite', `must be true or { manifest?, devServer? }, got ${show(value)}`)
  }
  const options: ViteOptions = value === true ? {} : (value as ViteOptions)
  for (const key of Object.keys(options)) {
    if (!['manifest', 'devServer', 'reactRefresh'].includes(key)) {
      throw new StaticConfigError(
        'vite',
        `has an unknown field ${show(key)} (expected manifest, devServer, reactRefresh)`,
      )
    }
  }
  return Object.freeze({
    manifest: resolveViteManifest(options.manifest, roots),
    devServer: resolveDevServer(options.devServer),
    reactRefresh: options.reactRefresh === true,
  })
}

/** How a value the user gave is shown in an error message. */
export function show(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (value instanceof URL) return value.href
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

// --- internal ---

const VITE_MANIFEST = '.vite/manifest.json'

function resolveRoot(value: unknown, mayBeMissing: boolean): { root: string; realRoot: string } {
  const root = toAbsolutePath(value)
  if (root === undefined) {
    throw new StaticConfigError('root', `must be the path of an existing directory, got ${show(value)}`)
  }
  let isDirectory = false
  try {
    isDirectory = statSync(root).isDirectory()
  } catch (error) {
    if (mayBeMissing && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { root, realRoot: realPathOfMissing(root) }
    }
    throw new StaticConfigError('root', `must be an existing directory, got ${show(value)} (${root})`, {
      cause: error,
    })
  }
  if (!isDirectory) {
    throw new StaticConfigError('root', `must be a directory, got ${show(value)}, which is a file`)
  }
  return { root, realRoot: realpathSync(root) }
}

/**
 * The real path a directory that does not exist yet will have once it is created: its nearest
 * existing ancestor's real path, joined with the rest. Created as a symlink instead, its files fall
 * outside this path and are refused, as any link out of a root is.
 */
function realPathOfMissing(directory: string): string {
  const rest: string[] = []
  let existing = directory
  while (!existsSync(existing)) {
    const parent = path.dirname(existing)
    if (parent === existing) break
    rest.unshift(path.basename(existing))
    existing = parent
  }
  try {
    return path.join(realpathSync(existing), ...rest)
  } catch (error) {
    throw new StaticConfigError('root', `${show(directory)} cannot be resolved: ${(error as Error).message}`)
  }
}

function resolveViteManifest(value: unknown, roots: ResolvedRoots): string {
  const relative =
    value === undefined
      ? VITE_MANIFEST
      : typeof value === 'string' && !value.startsWith('file:') && !path.isAbsolute(value)
        ? value
        : undefined
  if (relative !== undefined) {
    // With several roots, the first one that holds it.
    const found = roots.find((root) => existsSync(path.resolve(root.root, relative)))
    return path.resolve((found ?? roots[0]).root, relative)
  }
  const absolute = toAbsolutePath(value)
  if (absolute === undefined) {
    throw new StaticConfigError('vite', `"manifest" must be a path or a file: URL, got ${show(value)}`)
  }
  return absolute
}

/** `value` parsed as an http: or https: URL; undefined for anything else. */
export function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const parsed = new URL(value)
    return ['http:', 'https:'].includes(parsed.protocol) ? parsed : undefined
  } catch {
    return undefined
  }
}

function resolveDevServer(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const parsed = parseHttpUrl(value)
  if (parsed === undefined || parsed.search || parsed.hash) {
    throw new StaticConfigError(
      'vite',
      `"devServer" must be the dev server's URL such as "http://localhost:5173", got ${show(value)}`,
    )
  }
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`
}
