/**
 * The build report's data, taken from the manifest a build wrote: every file with its served,
 * Brotli and gzip sizes, the URL it is linked by and the cache policy each kind of URL gets, the
 * reference graph, the largest files, the warnings, and what changed since the previous build.
 * `vstatic build --json` prints it; `--report` renders it as a page (report-page.ts).
 * @module
 */

import { createCachePolicies, notFoundCacheControl } from '../http/cache-control.js'
import { formatAssetPath } from '../http/versioned-path.js'
import type { Manifest } from '../manifest/format.js'
import { DEFAULT_ALIASES, ONE_YEAR_SECONDS } from '../options/options.js'
import type { Versioning, WarningKind } from '../types.js'
import { type BuildChanges, compareBuilds } from './changes.js'
import { categoryOf } from './format.js'

/** One file of the build. */
export interface ReportFile {
  readonly path: string
  readonly contentType: string
  /** Bytes served without compression. */
  readonly size: number
  /** Bytes of the Brotli and gzip variants; null when the build has none. */
  readonly br: number | null
  readonly gzip: number | null
  /** The URL `url()` gives it. */
  readonly url: string
  readonly fingerprinted: boolean
  readonly rewritten: boolean
  /** In a reference cycle: shares its version with the cycle. */
  readonly cycle: boolean
  readonly references: readonly string[]
}

/**
 * What a returning visitor downloads for a file with deltas (`--deltas`): the smallest delta against
 * the newest kept version, instead of the best precompressed variant (or the file itself).
 */
export interface ReportDelta {
  readonly path: string
  /** The kept versions it has deltas against. */
  readonly dictionaries: number
  /** Bytes of the smallest delta against the newest kept version (its RFC 9842 header included). */
  readonly delta: number
  /** Bytes the visitor downloads without it: Brotli, else gzip, else the file. */
  readonly instead: number
}

/** A kind of URL and the Cache-Control it gets. */
export interface ReportCachePolicy {
  readonly urls: string
  readonly example: string | undefined
  readonly count: number
  readonly cacheControl: string
}

/** A warning of the build, with what it concerns when it is about files. */
export interface ReportWarning {
  readonly message: string
  readonly kind?: WarningKind
  readonly paths?: readonly string[]
}

/** Bytes served by the files that have variants, as they are and compressed. */
export interface CompressionTotals {
  readonly files: number
  readonly identity: number
  /** Bytes when every such file is sent with Brotli where it has a variant, as they are otherwise. */
  readonly br: number
  readonly gzip: number
}

export interface BuildReportData {
  readonly generator: string
  readonly buildId: string
  readonly builtAt: string
  readonly prefix: string
  readonly versioning: Versioning
  readonly layout: 'source' | 'out-dir'
  readonly totals: { readonly files: number; readonly bytes: number }
  readonly compression: CompressionTotals
  /** Files with dictionary deltas (`--deltas`), what a returning visitor downloads. */
  readonly deltas: readonly ReportDelta[]
  readonly files: readonly ReportFile[]
  /** The ten largest files, largest first. */
  readonly largest: ReadonlyArray<{ readonly path: string; readonly size: number }>
  readonly cache: readonly ReportCachePolicy[]
  /** Every file that references others, with what it references. */
  readonly graph: ReadonlyArray<{ readonly from: string; readonly to: readonly string[] }>
  readonly warnings: readonly ReportWarning[]
  /** Null for a first build. */
  readonly changes: BuildChanges | null
}

/** How many of the largest files the report lists. */
const LARGEST_COUNT = 10

/**
 * The report of the build that wrote `manifest`. `previous` is the manifest it replaced; without
 * one, the newest build in the manifest's history stands for it.
 */
export function createBuildReport(
  manifest: Manifest,
  context: { readonly previous?: Manifest; readonly warnings: readonly ReportWarning[] },
): BuildReportData {
  const files: ReportFile[] = Object.entries(manifest.assets).map(
    ([path, entry]): ReportFile => ({
      path,
      contentType: entry.contentType,
      size: entry.size,
      br: entry.encodings?.br?.size ?? null,
      gzip: entry.encodings?.gzip?.size ?? null,
      url: urlOf(manifest, path, entry.token, entry.fingerprinted === true),
      fingerprinted: entry.fingerprinted === true,
      rewritten: entry.rewritten === true,
      cycle: entry.cycle === true,
      references: entry.references ?? [],
    }),
  )
  return {
    generator: manifest.generator,
    buildId: manifest.buildId,
    builtAt: manifest.builtAt,
    prefix: manifest.options.prefix,
    versioning: manifest.options.versioning,
    layout: manifest.options.layout,
    totals: { files: files.length, bytes: sum(files.map((file) => file.size)) },
    compression: compressionTotals(files),
    deltas: deltaSavings(manifest),
    files,
    largest: [...files]
      .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
      .slice(0, LARGEST_COUNT)
      .map(({ path, size }) => ({ path, size })),
    cache: cachePolicies(manifest, files),
    graph: files
      .filter((file) => file.references.length > 0)
      .map((file) => ({ from: file.path, to: file.references })),
    warnings: context.warnings,
    changes: compareBuilds(manifest, context.previous),
  }
}

// --- internal ---

/** The delta savings of each file with deltas, largest saving first. */
function deltaSavings(manifest: Manifest): ReportDelta[] {
  const newest = new Map<string, string>()
  for (const build of [...manifest.history].reverse())
    for (const file of Object.values(build.files)) newest.set(file.logicalPath, file.hash)
  const rows: ReportDelta[] = []
  for (const [path, entry] of Object.entries(manifest.assets)) {
    const deltas = entry.deltas ?? {}
    const latest = deltas[newest.get(path) ?? ''] ?? Object.values(deltas)[0]
    const sizes = Object.values(latest ?? {}).map((delta) => delta.size)
    if (sizes.length === 0) continue
    const instead = entry.encodings?.br?.size ?? entry.encodings?.gzip?.size ?? entry.size
    rows.push({ path, dictionaries: Object.keys(deltas).length, delta: Math.min(...sizes), instead })
  }
  return rows.sort((a, b) => b.instead - b.delta - (a.instead - a.delta) || (a.path < b.path ? -1 : 1))
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

function urlOf(manifest: Manifest, path: string, token: string, fingerprinted: boolean): string {
  const { prefix, versioning } = manifest.options
  return formatAssetPath(prefix, path, fingerprinted ? undefined : token, versioning)
}

function compressionTotals(files: readonly ReportFile[]): CompressionTotals {
  const compressed = files.filter((file) => file.br !== null || file.gzip !== null)
  return {
    files: compressed.length,
    identity: sum(compressed.map((file) => file.size)),
    br: sum(compressed.map((file) => file.br ?? file.size)),
    gzip: sum(compressed.map((file) => file.gzip ?? file.size)),
  }
}

/** The policy of each kind of URL, as vstatic's handler (and `vstatic nginx`) sends it by default. */
function cachePolicies(manifest: Manifest, files: readonly ReportFile[]): ReportCachePolicy[] {
  const policies = createCachePolicies({ maxAge: 0, immutableMaxAge: ONE_YEAR_SECONDS })
  // A stylesheet makes the clearest example, then the largest file.
  const versioned = files
    .filter((file) => !file.fingerprinted)
    .sort(
      (a, b) =>
        Number(categoryOf(b.contentType) === 'style') - Number(categoryOf(a.contentType) === 'style') ||
        b.size - a.size,
    )
  const bundled = files.filter((file) => file.fingerprinted)
  const aliases = Object.entries(DEFAULT_ALIASES).filter(([, path]) => manifest.assets[path] !== undefined)
  const kept = keptVersions(manifest)
  const rows: ReportCachePolicy[] = [
    row(
      'versioned URLs (current token)',
      versioned[0]?.url,
      versioned.length,
      policies.immutable.cacheControl,
    ),
    row('files a bundler fingerprinted', bundled[0]?.url, bundled.length, policies.immutable.cacheControl),
    row('versions kept from earlier builds', undefined, kept, policies.immutable.cacheControl),
    row(
      'plain URLs (no token)',
      plainUrl(manifest, versioned[0]),
      versioned.length,
      policies.plain.cacheControl,
    ),
    row('a stale or unknown token', undefined, versioned.length, policies.stale.cacheControl),
    row('root aliases', aliases[0]?.[0], aliases.length, policies.plain.cacheControl),
    // As for the prefix: an alias asked for with its file's current token is immutable.
    row(
      'root aliases with the current ?v=',
      aliases[0] === undefined ? undefined : `${aliases[0][0]}?v=${manifest.assets[aliases[0][1]]?.token}`,
      aliases.length,
      policies.immutable.cacheControl,
    ),
    row(`404 under ${manifest.options.prefix}`, undefined, 1, notFoundCacheControl(0)),
  ]
  return rows.filter((policy) => policy.count > 0)
}

/** The versions earlier builds kept that differ from the current one of their file. */
function keptVersions(manifest: Manifest): number {
  const versions = new Set<string>()
  for (const build of manifest.history) {
    for (const file of Object.values(build.files)) {
      if (manifest.assets[file.logicalPath]?.token !== file.token)
        versions.add(`${file.logicalPath}\0${file.token}`)
    }
  }
  return versions.size
}

function row(
  urls: string,
  example: string | undefined,
  count: number,
  cacheControl: string,
): ReportCachePolicy {
  return { urls, example, count, cacheControl }
}

function plainUrl(manifest: Manifest, file: ReportFile | undefined): string | undefined {
  const { prefix, versioning } = manifest.options
  return file === undefined ? undefined : formatAssetPath(prefix, file.path, undefined, versioning)
}
