/**
 * The `server {}` block of the nginx configuration: content types, the protocol settings that make
 * nginx answer like vstatic, the location of the prefix (with an exact-match location for each file
 * whose type is not its extension's), one per root alias, and the proxy to the app.
 * @module
 */
import type { Manifest } from '../manifest/format.js'

/** The caching the configuration writes. */
export interface Caching {
  /** Cache-Control of unversioned responses: `no-cache`, or `public` with a max-age from `expires`. */
  readonly defaultCache: string
  /** `expires` of unversioned responses: `off`, or their max-age in seconds. */
  readonly defaultExpires: string
  /** max-age of immutable responses, in seconds. */
  readonly immutableMaxAge: number
  /** Access-Control-Allow-Origin, or undefined for none. */
  readonly cors: string | undefined
  /** Cache-Control of a 404 under the prefix, as vstatic sends on its own 404s. */
  readonly notFound: string
}

/** What the server block is made from. */
export interface ServerSettings {
  readonly manifest: Manifest
  /** The directories nginx serves, each ending in `/`: one, or the roots of a source build of several. */
  readonly roots: readonly string[]
  readonly listen: string
  readonly serverName: string
  /** URL path → logical path. */
  readonly aliases: Readonly<Record<string, string>>
  /** URL path → Content-Type of every file nginx can serve under the prefix. */
  readonly served: ReadonlyMap<string, string>
  /** True when some versioned URLs are served from the copy their token names (`$vstatic_copy`). */
  readonly copies: boolean
  readonly brotli: boolean
  /** True when the rest goes to the `vstatic_app` upstream. */
  readonly proxy: boolean
  /** True when the app's 103 Early Hints are passed on (`$vstatic_early_hints` decides for which requests). */
  readonly earlyHints: boolean
  readonly caching: Caching
}

/** The `server {}` block. */
export function serverLines(settings: ServerSettings): string[] {
  const types = typesByExtension(settings.manifest)
  // A file whose type is not its extension's (text that is not UTF-8 has no charset) gets its own.
  const exceptions = [...settings.served].filter(([urlPath, type]) => type !== typeOfUrl(types, urlPath))
  return [
    'server {',
    `    listen ${settings.listen};`,
    `    server_name ${settings.serverName};`,
    '',
    ...protocolLines(types, settings.brotli),
    '',
    ...prefixLocationLines(settings, exceptions),
    ...aliasLocationLines(settings, types),
    ...(settings.proxy ? proxyLocationLines(settings.earlyHints) : []),
    '}',
  ]
}

/** A string as an nginx quoted string. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

// --- internal ---

/** Each extension's type: the one most of its files have (the first, on a tie). */
function typesByExtension(manifest: Manifest): Map<string, string> {
  const counts = new Map<string, Map<string, number>>()
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    const extension = extensionOf(logicalPath)
    if (extension === undefined) continue
    const byType = counts.get(extension) ?? new Map<string, number>()
    byType.set(entry.contentType, (byType.get(entry.contentType) ?? 0) + 1)
    counts.set(extension, byType)
  }
  const types = new Map<string, string>()
  for (const [extension, byType] of counts) {
    let best: [string, number] | undefined
    for (const candidate of byType) if (best === undefined || candidate[1] > best[1]) best = candidate
    if (best !== undefined) types.set(extension, best[0])
  }
  return types
}

/** The type nginx gives a path from the `types` block, or its `default_type`. */
function typeOfUrl(types: ReadonlyMap<string, string>, urlPath: string): string {
  const extension = extensionOf(urlPath)
  return (extension === undefined ? undefined : types.get(extension)) ?? 'application/octet-stream'
}

function extensionOf(logicalPath: string): string | undefined {
  const name = logicalPath.slice(logicalPath.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? undefined : name.slice(dot + 1).toLowerCase()
}

/** Types, validators, ranges and precompressed files as vstatic serves them. */
function protocolLines(types: ReadonlyMap<string, string>, brotli: boolean): string[] {
  return [
    '    # Content types as vstatic sends them (mime-db; charset=utf-8 on text whose bytes are UTF-8).',
    '    types {',
    ...[...types.keys()]
      .sort()
      .map((extension) => `        ${quote(types.get(extension) ?? '')} ${quote(extension)};`),
    '    }',
    '    default_type application/octet-stream;',
    '    charset off;',
    '    etag on;',
    '    max_ranges 1;  # several ranges get the whole file, as in vstatic',
    '    gzip_static on;',
    '    gzip_vary on;',
    brotli
      ? '    brotli_static on;'
      : '    # brotli_static on;  # with the ngx_brotli static module (vstatic nginx --brotli)',
  ]
}

/** The prefix: known files only, caching by the exact URL, and a stale token served from the current file. */
function prefixLocationLines(
  { manifest, roots, copies, caching }: ServerSettings,
  exceptions: ReadonlyArray<readonly [string, string]>,
): string[] {
  const { prefix, tokenLength } = manifest.options
  // At server level: a rewrite inside the aliased location is refused by nginx.
  const rewriteToCopy = ['    if ($vstatic_copy) {', '        rewrite ^ $vstatic_copy last;', '    }']
  return [
    ...(copies ? rewriteToCopy : []),
    `    location ^~ ${prefix} {`,
    // With several roots, the map by URL path names the root that holds each file.
    `        alias ${roots.length > 1 ? '$vstatic_root' : roots[0]};`,
    '        if ($vstatic_known = 0) {',
    '            return 404;',
    '        }',
    // "always": a 404 gets its Cache-Control too (the map gives the other errors none).
    ...staticHeaderLines('$vstatic_response_cache_control always', '$vstatic_url_expires', caching.cors),
    '        # A token that is not current, or whose copy is gone: the current file, with revalidation.',
    '        error_page 404 = @vstatic_current;',
    ...exceptionLines(exceptions),
    '    }',
    '    location @vstatic_current {',
    // Marks the response as a fallback: immutable only where the token names the current file's bytes.
    '        set $vstatic_fallback 1;',
    `        rewrite "^${escapeRegex(prefix)}(.+)\\.[0-9a-f]{${tokenLength}}(\\.[^./]+)?$" ${prefix}$1$2 last;`,
    `        add_header Cache-Control ${quote(caching.notFound)} always;`,
    '        return 404;',
    '    }',
  ]
}

/** Inside the prefix location: an exact-match location for each file whose type is not its extension's. */
function exceptionLines(exceptions: ReadonlyArray<readonly [string, string]>): string[] {
  if (exceptions.length === 0) return []
  return [
    "        # Files whose type is not their extension's, e.g. text that is not UTF-8 (sent without a charset).",
    ...exceptions.flatMap(([urlPath, type]) => [
      `        location = ${quote(urlPath)} {`,
      ...exactTypeLines(type, '            '),
      '        }',
    ]),
  ]
}

/** One exact location per root alias whose file is in the build. */
function aliasLocationLines(
  { manifest, roots, aliases, caching }: ServerSettings,
  types: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = []
  for (const [urlPath, logicalPath] of Object.entries(aliases)) {
    const entry = manifest.assets[logicalPath]
    if (entry === undefined || /[\s"\\;{}$]/.test(urlPath + logicalPath)) continue
    const ownType =
      entry.contentType === typeOfUrl(types, logicalPath) ? [] : exactTypeLines(entry.contentType, '        ')
    lines.push(
      `    location = ${urlPath} {`,
      `        alias ${roots[entry.root ?? 0] ?? roots[0]}${logicalPath};`,
      ...ownType,
      ...staticHeaderLines(quote(caching.defaultCache), caching.defaultExpires, caching.cors),
      '    }',
    )
  }
  return lines
}

function proxyLocationLines(earlyHints: boolean): string[] {
  return [
    '',
    '    location / {',
    '        proxy_pass http://vstatic_app;',
    ...(earlyHints ? ['        early_hints $vstatic_early_hints;'] : []),
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $host;',
    // Set, never passed through: a client's own X-Real-IP would name any address it likes.
    '        proxy_set_header X-Real-IP $remote_addr;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '    }',
  ]
}

/** Directives that make a location send exactly `type`, whatever the extension. */
function exactTypeLines(type: string, indent: string): string[] {
  return [`${indent}types { }`, `${indent}default_type ${quote(type)};`]
}

/** The headers of a static response: caching, nosniff, and CORS when configured. */
function staticHeaderLines(cacheControl: string, expires: string, cors: string | undefined): string[] {
  return [
    `        expires ${expires};`,
    `        add_header Cache-Control ${cacheControl};`,
    '        add_header X-Content-Type-Options nosniff;',
    ...(cors === undefined ? [] : [`        add_header Access-Control-Allow-Origin ${quote(cors)};`]),
  ]
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
