/**
 * The `server {}` block of the nginx configuration: content types, the protocol settings that make
 * nginx answer like vstatic, the location of the prefix, one per root alias, and the proxy to the app.
 * @module
 */
import type { Manifest } from '../catalog/manifest.js'

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
}

/** What the server block is made from. */
export interface ServerSettings {
  readonly manifest: Manifest
  /** The directory nginx serves, ending in `/`. */
  readonly root: string
  readonly listen: string
  readonly serverName: string
  /** URL path → logical path. */
  readonly aliases: Readonly<Record<string, string>>
  /** File extension → Content-Type. */
  readonly types: ReadonlyMap<string, string>
  /** True when the maps list versions kept from earlier builds. */
  readonly retained: boolean
  readonly brotli: boolean
  /** True when the rest goes to the `vstatic_app` upstream. */
  readonly proxy: boolean
  readonly caching: Caching
}

/** The `server {}` block. */
export function serverLines(settings: ServerSettings): string[] {
  return [
    'server {',
    `    listen ${settings.listen};`,
    `    server_name ${settings.serverName};`,
    '',
    ...protocolLines(settings),
    '',
    ...prefixLocationLines(settings),
    ...aliasLocationLines(settings),
    ...(settings.proxy ? proxyLocationLines() : []),
    '}',
  ]
}

/** A string as an nginx quoted string. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

// --- internal ---

/** Types, validators, ranges and precompressed files as vstatic serves them. */
function protocolLines({ types, brotli }: ServerSettings): string[] {
  return [
    '    # Content types as vstatic sends them (mime-db, charset=utf-8 on text types).',
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
function prefixLocationLines({ manifest, root, retained, caching }: ServerSettings): string[] {
  const { prefix, tokenLength } = manifest.options
  // At server level: a rewrite inside the aliased location is refused by nginx.
  const rewriteRetained = [
    '    if ($vstatic_retained) {',
    '        rewrite ^ $vstatic_retained last;',
    '    }',
  ]
  return [
    ...(retained ? rewriteRetained : []),
    `    location ^~ ${prefix} {`,
    `        alias ${root};`,
    '        if ($vstatic_known = 0) {',
    '            return 404;',
    '        }',
    ...staticHeaderLines('$vstatic_cache_control', '$vstatic_expires', caching.cors),
    '        # A token that is not current: serve the current file, with revalidation (never immutable).',
    '        error_page 404 = @vstatic_current;',
    '    }',
    '    location @vstatic_current {',
    `        rewrite "^${escapeRegex(prefix)}(.+)\\.[0-9a-f]{${tokenLength}}(\\.[^./]+)?$" ${prefix}$1$2 last;`,
    '        return 404;',
    '    }',
  ]
}

/** One exact location per root alias whose file is in the build. */
function aliasLocationLines({ manifest, root, aliases, caching }: ServerSettings): string[] {
  const lines: string[] = []
  for (const [urlPath, logicalPath] of Object.entries(aliases)) {
    if (manifest.assets[logicalPath] === undefined || /[\s"\\;{}$]/.test(urlPath + logicalPath)) continue
    lines.push(
      `    location = ${urlPath} {`,
      `        alias ${root}${logicalPath};`,
      ...staticHeaderLines(quote(caching.defaultCache), caching.defaultExpires, caching.cors),
      '    }',
    )
  }
  return lines
}

function proxyLocationLines(): string[] {
  return [
    '',
    '    location / {',
    '        proxy_pass http://vstatic_app;',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '    }',
  ]
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
