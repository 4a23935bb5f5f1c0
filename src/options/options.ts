/**
 * resolveOptions(): validates user options once and fills every default. Defaults live only here.
 * @module
 */
import { realpathSync } from 'node:fs'
import { StaticConfigError } from '../errors.js'
import { toLogicalPath } from '../logical-path.js'
import {
  CROSS_ORIGINS,
  type CrossOrigin,
  DOTFILES,
  type Dotfiles,
  INTEGRITY_ALGORITHMS,
  type IntegrityAlgorithm,
  ON_MISSING,
  type OnMissing,
  type OnWarning,
  type SetHeaders,
  type StaticOptions,
  VERSIONINGS,
  type Versioning,
  type ViteOptions,
} from '../types.js'
import {
  parseHttpUrl,
  type ResolvedRoot,
  type ResolvedRoots,
  type ResolvedVite,
  resolveIgnore,
  resolveRoots,
  resolveVite,
  show,
  toAbsolutePath,
} from './paths.js'

const DEFAULT_PREFIX = '/static/'
export const DEFAULT_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  '/favicon.ico': 'favicon.ico',
  '/robots.txt': 'robots.txt',
})
export const ONE_YEAR_SECONDS = 31_536_000
/**
 * Names a bundler already fingerprinted: Vite's `assets/<name>-<8 chars>.<ext>` and webpack's
 * `<name>.<20+ hex>.<ext>`.
 */
const DEFAULT_FINGERPRINTED = /(?:^|\/)assets\/[^/]+-[\w-]{8}\.\w+$|\.[0-9a-f]{20,}\.\w+$/

/** Options after validation: every field set, frozen. */
export interface ResolvedOptions {
  /** The first root, absolute (after `path.resolve`): what messages name. */
  readonly root: string
  /** Every root, in the order a logical path is looked up; each file is opened under its own root's rules. */
  readonly roots: ResolvedRoots
  /** Absolute path of the manifest to load, or undefined to scan the root. */
  readonly manifest: string | undefined
  /** Glob patterns of logical paths that are neither indexed nor served. */
  readonly ignore: readonly string[]
  /** Files under a root that are read as configuration and never served (the bundler's manifest), as absolute and real paths. */
  readonly unlisted: ReadonlySet<string>
  readonly vite: ResolvedVite | undefined
  readonly versioning: Versioning
  readonly isFingerprinted: (logicalPath: string) => boolean
  readonly integrity: IntegrityAlgorithm
  readonly crossorigin: CrossOrigin | false
  /** Origin prepended to URLs (no trailing slash), or '' for path-only URLs. */
  readonly host: string
  /** Access-Control-Allow-Origin value, or undefined for none. */
  readonly cors: string | undefined
  readonly prefix: string
  /** URL path → logical path. */
  readonly aliases: ReadonlyMap<string, string>
  readonly dev: boolean
  /** File served for a directory URL, or false for none. */
  readonly indexFile: string | false
  readonly dotfiles: Dotfiles
  readonly followSymlinksOutsideRoot: boolean
  readonly maxAge: number
  readonly immutableMaxAge: number
  readonly notFoundMaxAge: number
  readonly onMissing: OnMissing
  readonly setHeaders: SetHeaders | undefined
  readonly fallthrough: boolean
  readonly memoryMaxFileSize: number
  readonly memoryBudget: number
  readonly onWarning: OnWarning
  /** Where 103 Early Hints may go: HTTP/2 and later always, HTTP/1.1 only when `http1` is set. */
  readonly earlyHints: { readonly http1: boolean }
}

/** Every option `createStatic` takes: the compiler keeps this in step with {@link StaticOptions}. */
export const KNOWN_OPTIONS: Readonly<Record<keyof StaticOptions, true>> = Object.freeze({
  root: true,
  manifest: true,
  ignore: true,
  vite: true,
  versioning: true,
  fingerprinted: true,
  integrity: true,
  crossorigin: true,
  host: true,
  cors: true,
  prefix: true,
  aliases: true,
  dev: true,
  indexFile: true,
  index: true,
  dotfiles: true,
  followSymlinksOutsideRoot: true,
  maxAge: true,
  immutableMaxAge: true,
  notFoundMaxAge: true,
  onMissing: true,
  setHeaders: true,
  fallthrough: true,
  memoryMaxFileSize: true,
  memoryBudget: true,
  onWarning: true,
  earlyHints: true,
})

/** Validates `options` and returns a new frozen object; never mutates the caller's. */
export function resolveOptions(options: StaticOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new StaticConfigError('options', `must be an object with at least { root }, got ${show(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(KNOWN_OPTIONS, key)) throw new StaticConfigError(key, 'is not a vstatic option')
  }
  const dotfiles = oneOf('dotfiles', options.dotfiles, DOTFILES, 'ignore')
  const followSymlinksOutsideRoot = optionalBoolean(
    'followSymlinksOutsideRoot',
    options.followSymlinksOutsideRoot,
    false,
  )
  const ignore = resolveIgnore(options.ignore)
  const dev = optionalBoolean('dev', options.dev, false)
  // With a dev server, dev mode needs no build yet: the root appears when `vite build` first runs.
  const roots = resolveRoots(
    options.root,
    { dotfiles, followSymlinksOutsideRoot, ignore },
    dev && hasDevServer(options.vite),
  )
  const fingerprinted = resolveFingerprinted(options.fingerprinted)
  const vite = resolveVite(options.vite, roots)
  return Object.freeze({
    root: roots[0].root,
    roots,
    manifest: resolveManifestPath(options.manifest),
    ignore,
    unlisted: unlistedPaths(vite),
    vite,
    versioning: oneOf('versioning', options.versioning, VERSIONINGS, 'query'),
    isFingerprinted: (logicalPath: string) => fingerprinted !== false && fingerprinted.test(logicalPath),
    integrity: oneOf('integrity', options.integrity, INTEGRITY_ALGORITHMS, 'sha384'),
    crossorigin:
      options.crossorigin === false
        ? false
        : oneOf('crossorigin', options.crossorigin, CROSS_ORIGINS, 'anonymous'),
    host: resolveHost('host', options.host) ?? '',
    cors: resolveCors(options.cors),
    prefix: resolvePrefix(options.prefix),
    aliases: resolveAliases(options.aliases),
    dev,
    indexFile: resolveIndexFile(options),
    dotfiles,
    followSymlinksOutsideRoot,
    maxAge: seconds('maxAge', options.maxAge, 0),
    immutableMaxAge: seconds('immutableMaxAge', options.immutableMaxAge, ONE_YEAR_SECONDS),
    notFoundMaxAge: seconds('notFoundMaxAge', options.notFoundMaxAge, 0),
    onMissing: oneOf('onMissing', options.onMissing, ON_MISSING, 'throw'),
    setHeaders: optionalFunction('setHeaders', options.setHeaders),
    fallthrough: optionalBoolean('fallthrough', options.fallthrough, true),
    memoryMaxFileSize: bytes('memoryMaxFileSize', options.memoryMaxFileSize, 2 * 1024 * 1024),
    memoryBudget: bytes('memoryBudget', options.memoryBudget, 64 * 1024 * 1024),
    onWarning: optionalFunction('onWarning', options.onWarning) ?? defaultWarning,
    earlyHints: resolveEarlyHints(options.earlyHints),
  })
}

/** What a build recorded of the options its URLs and tags depend on. */
export interface BuiltOptions {
  readonly prefix: string
  readonly versioning: Versioning
  readonly integrity: IntegrityAlgorithm
  readonly ignore?: readonly string[]
}

/** The options a manifest fixes: given ones must agree with the build, missing ones are taken from it. */
const BUILT_OPTIONS = ['prefix', 'versioning', 'integrity', 'ignore'] as const

/**
 * `resolved` with the build's URL options where `given` has none. An option given that differs
 * from what `manifest` was built with is a {@link StaticConfigError} naming it: the URLs would not
 * match the files.
 */
export function withBuiltOptions(
  resolved: ResolvedOptions,
  given: StaticOptions,
  built: BuiltOptions,
  manifest: string,
): ResolvedOptions {
  const fromBuild = {
    prefix: resolvePrefix(built.prefix),
    versioning: oneOf('versioning', built.versioning, VERSIONINGS, 'query'),
    integrity: oneOf('integrity', built.integrity, INTEGRITY_ALGORITHMS, 'sha384'),
    ignore: resolveIgnore(built.ignore ?? []),
  }
  for (const name of BUILT_OPTIONS) {
    if (given[name] === undefined) continue
    const [mine, theirs] = [JSON.stringify(resolved[name]), JSON.stringify(fromBuild[name])]
    if (mine !== theirs) {
      throw new StaticConfigError(
        name,
        `is ${mine} but ${manifest} was built with ${theirs}; rebuild it or drop the option`,
      )
    }
  }
  // Each root's open-time rule judges a link by where it leads with the build's patterns too: a
  // file swapped for a link to a file the build left out must not be read when it is re-read.
  const withBuildIgnore = (root: ResolvedRoot): ResolvedRoot => ({ ...root, ignore: fromBuild.ignore })
  const [first, ...others] = resolved.roots
  const roots: ResolvedRoots = [withBuildIgnore(first), ...others.map(withBuildIgnore)]
  return Object.freeze({ ...resolved, ...fromBuild, roots })
}

// --- internal ---

function defaultWarning(message: string): void {
  console.warn(`vstatic: ${message}`)
}

/** An origin such as `https://cdn.example.com` (no path, no trailing slash), or undefined. */
export function resolveHost(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  const parsed = parseHttpUrl(value)
  if (parsed === undefined || parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
    throw new StaticConfigError(
      name,
      `must be an origin such as "https://cdn.example.com", got ${show(value)}`,
    )
  }
  return parsed.origin
}

/** The Access-Control-Allow-Origin value of the `cors` option (`true` or `*` → `*`, or one origin); undefined for none. */
export function resolveCors(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true || value === '*') return '*'
  return resolveHost('cors', value)
}

function resolveManifestPath(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const manifest = toAbsolutePath(value)
  if (manifest === undefined) {
    throw new StaticConfigError(
      'manifest',
      `must be the path or file: URL of a manifest written by "vstatic build", got ${show(value)}`,
    )
  }
  return manifest
}

/** True when `vite` names a dev server (checked in full by resolveVite). */
function hasDevServer(vite: unknown): boolean {
  return typeof vite === 'object' && vite !== null && (vite as ViteOptions).devServer !== undefined
}

/** The bundler's manifest under both its spellings, so that neither a path nor a symlink to it is served. */
function unlistedPaths(vite: ResolvedVite | undefined): ReadonlySet<string> {
  if (vite === undefined) return new Set()
  const paths = new Set([vite.manifest])
  try {
    paths.add(realpathSync(vite.manifest))
  } catch {
    // not there (yet): a dev build may write it later
  }
  return paths
}

function resolveFingerprinted(value: unknown): RegExp | false {
  if (value === undefined) return DEFAULT_FINGERPRINTED
  if (value === false) return false
  if (!(value instanceof RegExp))
    throw new StaticConfigError('fingerprinted', `must be a RegExp or false, got ${show(value)}`)
  // A global or sticky RegExp keeps state between test() calls; use a stateless copy.
  return new RegExp(value.source, value.flags.replace(/[gy]/g, ''))
}

function resolvePrefix(value: unknown): string {
  if (value === undefined) return DEFAULT_PREFIX
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    /[?#\s%\\]/.test(value) ||
    value.includes('//')
  ) {
    throw new StaticConfigError(
      'prefix',
      `must be a URL path starting with "/" without "?", "#", "%", "\\\\", "//" or spaces, got ${show(value)}`,
    )
  }
  return value.endsWith('/') ? value : `${value}/`
}

function resolveAliases(value: unknown): ReadonlyMap<string, string> {
  const aliases = new Map<string, string>(Object.entries(DEFAULT_ALIASES))
  if (value === undefined) return aliases
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StaticConfigError('aliases', `must be an object of URL path → file, got ${show(value)}`)
  }
  for (const [urlPath, target] of Object.entries(value as Record<string, unknown>)) {
    if (!urlPath.startsWith('/') || urlPath.endsWith('/') || /[?#\s\\]/.test(urlPath)) {
      throw new StaticConfigError(
        'aliases',
        `keys must be URL paths such as "/sitemap.xml", got ${show(urlPath)}`,
      )
    }
    if (target === null) {
      aliases.delete(urlPath)
      continue
    }
    const logicalPath = typeof target === 'string' ? toLogicalPath(target) : undefined
    if (logicalPath === undefined) {
      throw new StaticConfigError(
        'aliases',
        `${show(urlPath)} must map to a file path inside the root, got ${show(target)}`,
      )
    }
    aliases.set(urlPath, logicalPath)
  }
  return aliases
}

/** `indexFile`, or its older name `index`; giving both is a mistake even when they agree. */
function resolveIndexFile(options: StaticOptions): string | false {
  if (options.indexFile !== undefined && options.index !== undefined) {
    throw new StaticConfigError('index', 'is the older name of indexFile; give only indexFile')
  }
  const name = options.index !== undefined ? 'index' : 'indexFile'
  const value: unknown = options.indexFile ?? options.index
  if (value === undefined || value === false) return false
  if (typeof value !== 'string' || value === '' || value.includes('/')) {
    throw new StaticConfigError(name, `must be a file name such as "index.html" or false, got ${show(value)}`)
  }
  return value
}

/** `earlyHints`: an object whose only key is `http1`. */
function resolveEarlyHints(value: unknown): { readonly http1: boolean } {
  if (value === undefined) return Object.freeze({ http1: false })
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StaticConfigError('earlyHints', `must be an object such as { http1: true }, got ${show(value)}`)
  }
  const unknown = Object.keys(value).find((key) => key !== 'http1')
  if (unknown !== undefined) throw new StaticConfigError(`earlyHints.${unknown}`, 'is not a vstatic option')
  return Object.freeze({
    http1: optionalBoolean('earlyHints.http1', (value as { http1?: unknown }).http1, false),
  })
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean')
    throw new StaticConfigError(name, `must be true or false, got ${show(value)}`)
  return value
}

function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new StaticConfigError(name, `must be a function, got ${show(value)}`)
  return value
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) {
    throw new StaticConfigError(
      name,
      `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`,
    )
  }
  return value as T
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10 * ONE_YEAR_SECONDS) {
    throw new StaticConfigError(
      name,
      `must be a whole number of seconds from 0 to ${10 * ONE_YEAR_SECONDS}, got ${show(value)}`,
    )
  }
  return value
}

function bytes(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StaticConfigError(name, `must be a whole number of bytes (0 or more), got ${show(value)}`)
  }
  return value
}
