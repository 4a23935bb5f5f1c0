/**
 * formatNginxConfig(): an nginx configuration that serves a build the way vstatic's own handler does,
 * for sites that put nginx in front of their Node processes. This file writes the maps (which URL is
 * immutable, which files exist) and the upstream; `nginx-locations.ts` writes the server block.
 * @module
 */

import { StaticConfigError } from '../errors.js'
import { notFoundCacheControl } from '../http/cache-control.js'
import { formatAssetPath } from '../http/versioned-path.js'
import type { Manifest } from '../manifest/format.js'
import { DEFAULT_ALIASES, ONE_YEAR_SECONDS } from '../options/options.js'
import { type Caching, quote, serverLines } from './locations.js'
import { rootMapLines, toNginxRoots } from './roots.js'

/** Options of {@link formatNginxConfig}. */
export interface NginxOptions {
  /**
   * Absolute path of the directory nginx serves: the build's output directory, or the root (the
   * roots of a source build of several, in the order it read them).
   */
  readonly root: string | readonly string[]
  /** Where the manifest was read from, for the header comment. */
  readonly manifestPath: string
  /** App servers to proxy the rest to (`127.0.0.1:8000`); none for a static-only server. */
  readonly upstreams?: readonly string[]
  /** The `listen` parameter. @default '80' */
  readonly listen?: string
  /** The `server_name`. @default '_' */
  readonly serverName?: string
  /** Root aliases, URL path → logical path. @default /favicon.ico and /robots.txt */
  readonly aliases?: Readonly<Record<string, string>>
  /** `max-age` for unversioned responses; 0 sends `no-cache`. @default 0 */
  readonly maxAge?: number
  /** `max-age` for current versioned URLs, sent with `immutable`. @default 31536000 */
  readonly immutableMaxAge?: number
  /** `max-age` for 404s under the prefix; 0 sends `no-cache`. @default 0 */
  readonly notFoundMaxAge?: number
  /** Serve `.br` variants too; needs the ngx_brotli static module. @default false */
  readonly brotli?: boolean
  /** Access-Control-Allow-Origin for static responses. */
  readonly cors?: string
  /** Emit the map hash sizes a large manifest needs (drop them if nginx.conf sets its own). @default true */
  readonly hashSizes?: boolean
  /**
   * Pass the app's 103 Early Hints on to HTTP/2 clients for navigations (`early_hints`, nginx
   * 1.29.0 or later). Needs `upstreams`. @default false
   */
  readonly earlyHints?: boolean
}

/** The `http {}`-level configuration for a build: maps, an optional upstream, and a server block. */
export function formatNginxConfig(manifest: Manifest, options: NginxOptions): string {
  refuseRewrittenSources(manifest, options.manifestPath)
  const roots = toNginxRoots(options.root, manifest.options.roots ?? 1)
  const maxAge = options.maxAge ?? 0
  const caching: Caching = {
    defaultCache: maxAge === 0 ? 'no-cache' : 'public',
    defaultExpires: maxAge === 0 ? 'off' : String(maxAge),
    immutableMaxAge: options.immutableMaxAge ?? ONE_YEAR_SECONDS,
    cors: options.cors,
    notFound: notFoundCacheControl(options.notFoundMaxAge ?? 0),
  }
  const urls = collectUrls(manifest)
  const upstreams = options.upstreams ?? []
  const earlyHints = options.earlyHints === true
  if (earlyHints && upstreams.length === 0) {
    throw new StaticConfigError(
      'earlyHints',
      'needs an upstream: nginx passes on the 103 Early Hints of the app it proxies to',
    )
  }
  const lines = [
    ...headerLines(manifest, options),
    ...mapLines(urls, caching),
    ...(roots.length > 1 ? rootMapLines(manifest, roots) : []),
    ...upstreamLines(upstreams),
    ...(earlyHints ? EARLY_HINTS_MAP : []),
    ...serverLines({
      manifest,
      roots,
      listen: options.listen ?? '80',
      serverName: options.serverName ?? '_',
      aliases: options.aliases ?? DEFAULT_ALIASES,
      served: urls.served,
      copies: urls.copies.size > 0,
      brotli: options.brotli === true,
      proxy: upstreams.length > 0,
      earlyHints,
      caching,
    }),
  ]
  return `${lines.join('\n')}\n`
}

// --- internal ---

/**
 * A build without `--out-dir` that rewrote files (versioned `url()` and `@import`) has their bytes only
 * in memory: vstatic rewrites them at load, nginx would send the source file under the token of the
 * rewritten bytes, as `immutable`, with other references inside. No configuration can serve those bytes
 * from that root, so there is none: the build to put behind nginx is an `--out-dir` build.
 */
function refuseRewrittenSources(manifest: Manifest, manifestPath: string): void {
  if (manifest.options.layout !== 'source') return
  const rewritten = Object.keys(manifest.assets).filter(
    (logicalPath) => manifest.assets[logicalPath]?.rewritten,
  )
  if (rewritten.length === 0) return
  const shown = rewritten.slice(0, 3).map((logicalPath) => JSON.stringify(logicalPath))
  throw new StaticConfigError(
    'manifest',
    `${JSON.stringify(manifestPath)} is a build without --out-dir that rewrote ${rewritten.length} file(s) ` +
      `(${rewritten.length > 3 ? 'e.g. ' : ''}${shown.join(', ')}): their served bytes exist only in vstatic's memory, ` +
      'and nginx would send the unrewritten source under their tokens. Build with "vstatic build --out-dir <dir>" ' +
      'and give nginx that directory as --root',
  )
}

/** The URLs and files of a build, as the maps list them. */
interface BuildUrls {
  /** URLs that earn `immutable`: current versioned URLs and those of retained builds. */
  readonly immutable: string[]
  /**
   * The versioned URLs that stay immutable when the fallback for a token that is not current serves
   * them: a token written into no file name (a build served from its root), whose file is the current
   * one. A token that has its own copy is served from that copy or not as immutable at all.
   */
  readonly fallbackImmutable: string[]
  /** URL paths (decoded, as nginx's `$uri`) of every file of the build. */
  readonly known: string[]
  /** Versioned URLs that do not spell their copy's name → the URL path of that copy, whose bytes the token names. */
  readonly copies: Map<string, string>
  /** URL path → Content-Type of every file nginx can serve, for the per-file exceptions to the types. */
  readonly served: Map<string, string>
}

function collectUrls(manifest: Manifest): BuildUrls {
  const { prefix, versioning } = manifest.options
  const urls: BuildUrls = {
    immutable: [],
    fallbackImmutable: [],
    known: [],
    copies: new Map(),
    served: new Map(),
  }
  // vstatic's handler reads a token in either spelling, whatever the build's versioning: both are
  // immutable here too.
  const bothSpellings = (logicalPath: string, token: string) => [
    formatAssetPath(prefix, logicalPath, token, 'filename'),
    formatAssetPath(prefix, logicalPath, token, 'query'),
  ]
  // An output directory holds a copy named by each token: a versioned URL is served from that copy,
  // never from the file under the logical name, which the next build overwrites with other bytes.
  const servedFrom = (url: string, file: string) => {
    if (url !== formatAssetPath(prefix, file, undefined, versioning) && !urls.copies.has(url))
      urls.copies.set(url, prefix + file)
  }
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    if (/[\n\r"\\]/.test(logicalPath)) continue // cannot be written into nginx's configuration; never served
    urls.known.push(prefix + logicalPath)
    if (entry.file !== undefined) urls.known.push(prefix + entry.file)
    urls.served.set(prefix + logicalPath, entry.contentType)
    if (entry.file !== undefined) urls.served.set(prefix + entry.file, entry.contentType)
    if (entry.fingerprinted) {
      urls.immutable.push(formatAssetPath(prefix, logicalPath, undefined, versioning))
      continue
    }
    const spellings = bothSpellings(logicalPath, entry.token)
    urls.immutable.push(...spellings)
    const { file } = entry
    if (file === undefined || /[\n\r"\\]/.test(file)) urls.fallbackImmutable.push(...spellings)
    else for (const url of spellings) servedFrom(url, file)
  }
  for (const build of manifest.history) {
    for (const [file, old] of Object.entries(build.files)) {
      if (/[\n\r"\\]/.test(file)) continue
      urls.known.push(prefix + file)
      if (!urls.served.has(prefix + file)) urls.served.set(prefix + file, old.contentType)
      const spellings = bothSpellings(old.logicalPath, old.token)
      urls.immutable.push(formatAssetPath(prefix, file, undefined, versioning), ...spellings)
      // A file unchanged across kept builds appears in each of them: one rewrite per URL.
      for (const url of spellings) servedFrom(url, file)
    }
  }
  return urls
}

function headerLines(manifest: Manifest, options: NginxOptions): string[] {
  const lines = [
    `# nginx configuration for vstatic build ${manifest.buildId} (${options.manifestPath}),`,
    '# generated by `vstatic nginx`. Include it inside the http {} block, e.g. as /etc/nginx/conf.d/vstatic.conf.',
    '# Far-future caching goes exactly where vstatic gives it: the current (and retained) versioned URLs.',
    '',
  ]
  if (options.hashSizes !== false) {
    lines.push(
      '# Large enough for one entry per file; remove these two lines if nginx.conf sets its own.',
      'map_hash_max_size 262144;',
      'map_hash_bucket_size 256;',
      '',
    )
  }
  return lines
}

/** The maps from the requested URL to its caching, and from the path to whether the build has it. */
function mapLines(urls: BuildUrls, caching: Caching): string[] {
  return [...cacheMapLines(urls, caching), ...knownMapLines(urls), ...copyMapLines(urls), '']
}

/** Cache-Control and Expires by the URL requested, before and after the fallback, and for a 404. */
function cacheMapLines(urls: BuildUrls, caching: Caching): string[] {
  const immutable = [...new Set(urls.immutable)]
  const fallbackImmutable = [...new Set(urls.fallbackImmutable)]
  return [
    '# Cache-Control and Expires by the exact URL requested (as vstatic’s url() writes it).',
    'map $request_uri $vstatic_cache_control {',
    `    default ${quote(caching.defaultCache)};`,
    ...immutable.map((url) => `    ${quote(url)} "public, immutable";`),
    '}',
    'map $request_uri $vstatic_expires {',
    `    default ${caching.defaultExpires};`,
    ...immutable.map((url) => `    ${quote(url)} ${caching.immutableMaxAge};`),
    '}',
    '# After the fallback to the current file, only a token that names its bytes stays immutable.',
    'map $request_uri $vstatic_fallback_cache_control {',
    `    default ${quote(caching.defaultCache)};`,
    ...fallbackImmutable.map((url) => `    ${quote(url)} "public, immutable";`),
    '}',
    'map $request_uri $vstatic_fallback_expires {',
    `    default ${caching.defaultExpires};`,
    ...fallbackImmutable.map((url) => `    ${quote(url)} ${caching.immutableMaxAge};`),
    '}',
    'map $vstatic_fallback $vstatic_url_cache_control {',
    '    volatile;',
    '    default $vstatic_cache_control;',
    '    1 $vstatic_fallback_cache_control;',
    '}',
    'map $vstatic_fallback $vstatic_url_expires {',
    '    volatile;',
    '    default $vstatic_expires;',
    '    1 $vstatic_fallback_expires;',
    '}',
    "# A file gets its URL's policy; a 404 gets its own, so a CDN cannot keep it past the next deploy.",
    'map $status $vstatic_response_cache_control {',
    '    volatile;',
    ...['200', '206', '304'].map((status) => `    ${status} $vstatic_url_cache_control;`),
    `    404 ${quote(caching.notFound)};`,
    '    default "";',
    '}',
  ]
}

/** Whether the build has the path: anything else under the prefix is 404, as in vstatic. */
function knownMapLines(urls: BuildUrls): string[] {
  return [
    '# The files of the build: anything else under the prefix is 404, as in vstatic (dotfiles included).',
    'map $uri $vstatic_known {',
    '    volatile;',
    '    default 0;',
    ...[...new Set(urls.known)].map((url) => `    ${quote(url)} 1;`),
    '}',
  ]
}

/** The copy a versioned URL is served from, when the build keeps copies named by their token. */
function copyMapLines(urls: BuildUrls): string[] {
  const lines: string[] = []
  if (urls.copies.size > 0) {
    // A map's value is a template: a `$` from a file name would name a variable (a request
    // header, even). nginx has no escape for it, so a `$` is spelled through a variable that holds one.
    if ([...urls.copies.values()].some((file) => file.includes('$'))) {
      lines.push(
        '# A literal "$" for file names that contain one.',
        'geo $vstatic_dollar {',
        '    default "$";',
        '}',
      )
    }
    lines.push(
      '# Versioned URLs served from the copy named by their token (the current build and those kept',
      '# with vstatic build --keep), never from a file that a later build overwrites.',
      'map $request_uri $vstatic_copy {',
      '    default "";',
      ...[...urls.copies].map(([url, file]) => `    ${quote(url)} ${quoteTemplate(file)};`),
      '}',
    )
  }
  return lines
}

function upstreamLines(upstreams: readonly string[]): string[] {
  if (upstreams.length === 0) return []
  for (const upstream of upstreams) {
    if (!/^[\w.:[\]/-]+$/.test(upstream)) {
      throw new StaticConfigError(
        'upstream',
        `must be host:port or unix:/path, got ${JSON.stringify(upstream)}`,
      )
    }
  }
  return [
    'upstream vstatic_app {',
    ...upstreams.map((upstream) => `    server ${upstream};`),
    '    keepalive 16;',
    '}',
    '',
  ]
}

/**
 * Which requests get the app's 103 passed on: navigations over HTTP/2, as browsers use hints for
 * nothing else, and as a 103 over HTTP/1.1 can stall a client that does not expect one. Needs
 * nginx 1.29.0 or later; add `$http3` to the value on a server built with HTTP/3.
 */
const EARLY_HINTS_MAP: readonly string[] = [
  '# 103 Early Hints from the app, passed on to HTTP/2 navigations only (early_hints: nginx 1.29.0+).',
  'map $http_sec_fetch_mode $vstatic_early_hints {',
  '    default "";',
  '    navigate $http2;',
  '}',
  '',
]

/** How a literal `$` is written where nginx expands variables. */
const DOLLAR = ['$', '{vstatic_dollar}'].join('')

/** A string as an nginx quoted string in a place where variables are expanded: every `$` stays literal. */
function quoteTemplate(value: string): string {
  return quote(value).replaceAll('$', DOLLAR)
}
