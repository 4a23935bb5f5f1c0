/**
 * Public types shared by the core and the adapters.
 * @module
 */

/**
 * What identifies the bytes of a file on disk, as fstat reports it on an open handle: any write
 * changes the size, the mtime or the ctime, and a different file has another device or inode.
 */
export interface FileIdentity {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
}

/**
 * A content coding vstatic serves precompressed (`Content-Encoding`). Its file suffix and
 * preference order live in one table, `ENCODINGS` in `http/encoding.ts`.
 */
export type Encoding = 'br' | 'gzip'

/**
 * A dictionary-compressed coding of RFC 9842: the file compressed against an earlier version that
 * the client already holds (`dcz`: Zstandard, `dcb`: Brotli). Its table is `DELTA_ENCODINGS` in
 * `http/dictionary.ts`.
 */
export type DeltaEncoding = 'dcz' | 'dcb'

/** The closed sets of option values, each listed once; the option types below are derived from them. */
export const VERSIONINGS = ['query', 'filename'] as const
export const INTEGRITY_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const
export const CROSS_ORIGINS = ['anonymous', 'use-credentials'] as const
export const DOTFILES = ['ignore', 'allow'] as const
export const ON_MISSING = ['throw', 'warn'] as const

/** Where the version token goes in URLs: `query` (`app.css?v=<token>`) or `filename` (`app.<token>.css`). */
export type Versioning = (typeof VERSIONINGS)[number]
/** Hash algorithm of Subresource Integrity values. */
export type IntegrityAlgorithm = (typeof INTEGRITY_ALGORITHMS)[number]
/** Value of the `crossorigin` attribute of rendered tags. */
export type CrossOrigin = (typeof CROSS_ORIGINS)[number]
/** Whether dotfiles are indexed and served (`.well-known/` always is). */
export type Dotfiles = (typeof DOTFILES)[number]
/** What `url()` does with a path that is not in the index. */
export type OnMissing = (typeof ON_MISSING)[number]

/**
 * A precompressed form of an asset, found next to it (`app.css.br`, `app.css.gz`), or a delta
 * against an earlier version (`dcz`, `dcb`) that a build recorded.
 */
export interface EncodedVariant {
  /** The Content-Encoding it is served with. */
  readonly encoding: Encoding | DeltaEncoding
  /** For a delta: SHA-256 (hex) of the dictionary, the earlier version's bytes it decodes against. */
  readonly dictionary?: string
  readonly absolutePath: string
  readonly size: number
  /** SHA-256 of the compressed bytes. */
  readonly hash: string
  /** Its own strong ETag, so caches never mix encodings. */
  readonly etag: string
  /** The file whose bytes `hash` names; undefined until they were read (a manifest's variant before its first use). */
  readonly identity: FileIdentity | undefined
}

/** Everything vstatic knows about one file of the root, computed once and frozen. */
export interface Asset {
  /** Path relative to the root, `/`-separated, no leading slash: `css/app.css`. */
  readonly logicalPath: string
  /** The root the file was found in: with several roots, the first that has it. */
  readonly root: string
  /** Filesystem path, only ever used to open the file. */
  readonly absolutePath: string
  /** Size in bytes of what is served (the rewritten bytes, for a rewritten stylesheet). */
  readonly size: number
  /** Modification time in milliseconds, as read when the file was indexed. */
  readonly mtimeMs: number
  /** SHA-256 of the bytes served, lowercase hex. */
  readonly hash: string
  /** Version token used in URLs: short, lowercase, URL-safe, the same for the same bytes everywhere. */
  readonly token: string
  /**
   * True when `token` was made from the bytes served (their hash, or the shared version of a
   * reference cycle). Only then does a request for the token earn `immutable`. False for a manifest
   * entry whose file was edited after the build: its URL keeps the manifest's token, and it is
   * revalidated until rebuilt.
   */
  readonly tokenMatchesBytes: boolean
  /** Strong entity tag derived from the content hash, quoted: `"3f2a…"`. */
  readonly etag: string
  /** Content-Type header value, with `charset=utf-8` on text types whose bytes are UTF-8. */
  readonly contentType: string
  /** Last-Modified header value: the mtime at whole-second precision as an IMF-fixdate. */
  readonly lastModified: string
  /** The bytes to serve when they differ from the file (references rewritten); undefined otherwise. */
  readonly body: Buffer | undefined
  /** Precompressed variants, best first. */
  readonly encodings: readonly EncodedVariant[]
  /** Named by a bundler with its own hash (`assets/index-4f3a2b1c.js`): immutable under that name. */
  readonly fingerprinted: boolean
  /** Subresource Integrity value from a manifest (`sha384-…`); computed on demand otherwise. */
  readonly integrity: string | undefined
  /** Logical paths this asset references (CSS `url()`, `@import`, source maps). */
  readonly references: readonly string[]
  /**
   * The file on disk whose bytes `hash` names, as fstat saw it when they were read. Every open
   * checks it; undefined while a manifest entry has not been read yet.
   */
  readonly identity: FileIdentity | undefined
}

/** A request described without a framework: what the handler needs from any of them. */
export interface RequestInfo {
  /** HTTP method, uppercase. */
  readonly method: string
  /** The request target: path and query, as received (still percent-encoded). */
  readonly url: string
  /** Reads a request header by lowercase name; repeated headers are joined with `, `. */
  readonly header: (name: string) => string | undefined
}

/** Which caching rule a file response follows. */
export type CacheKind =
  /** The request named the file's current version token (or a retained old one, or a bundler's own name): cache forever. */
  | 'immutable'
  /** The request carried a version token that is not the current one (stale or forged). */
  | 'stale'
  /** No version token, or a root alias such as `/favicon.ico`. */
  | 'plain'

/** What the per-file header hook is told about the response it may change. */
export interface HeaderContext {
  /** The asset's logical path. */
  readonly logicalPath: string
  /** 200, 206 or 304. */
  readonly status: number
  /** The caching rule the default headers follow. */
  readonly cacheKind: CacheKind
}

/**
 * Per-file header hook. It runs last, on every 200, 206 and 304 of a file, and what it sets wins.
 * Header names are lowercase; delete a key to drop a header.
 */
export type SetHeaders = (headers: Record<string, string>, context: HeaderContext) => void

/**
 * A file or directory named in the options: a path, resolved against `process.cwd()`, or a `file:`
 * URL, so a module can anchor it to itself: `new URL('./public', import.meta.url)`.
 */
export type PathOption = string | URL

/** Options of {@link createStatic}. */
export interface StaticOptions {
  /**
   * The static directory (Tornado's `static_path`), or several: the first root that has a logical
   * path serves it (load paths, like Django's `STATICFILES_DIRS`); a file that a later root also
   * has is reported once through `onWarning`. Must exist, except in dev mode with
   * `vite.devServer`, before the first `vite build`.
   */
  root: PathOption | readonly PathOption[]
  /**
   * A manifest written by `vstatic build`: the index is loaded from it instead of hashing the root,
   * so startup is one file read and every process agrees on every URL.
   */
  manifest?: PathOption
  /**
   * Glob patterns (fast-glob syntax) matched against logical paths: matching files, and everything
   * under matching folders, are neither indexed nor served (`['**\/*.scss', 'drafts']`).
   * @default []
   */
  ignore?: readonly string[]
  /**
   * Render the entries of a bundler's manifest with `entry()`: `true` reads Vite's
   * `.vite/manifest.json` under the root; `devServer` sends dev mode to Vite's dev server instead.
   */
  vite?: boolean | ViteOptions
  /**
   * Where the token goes: `query` (`app.css?v=<token>`, Tornado's scheme) or `filename`
   * (`app.<token>.css`, for CDNs and proxies that ignore query strings). @default 'query'
   */
  versioning?: Versioning
  /**
   * Files a bundler already fingerprinted: served immutable under their own names, never renamed
   * or rewritten. `false` for none. @default Vite's `assets/name-<8 chars>.ext` and webpack's `name.<20+ hex>.ext`
   */
  fingerprinted?: RegExp | false
  /** Hash algorithm of Subresource Integrity values. @default 'sha384' */
  integrity?: IntegrityAlgorithm
  /** `crossorigin` attribute of the tags `script()` and `stylesheet()` render; `false` for none. @default 'anonymous' */
  crossorigin?: CrossOrigin | false
  /**
   * Origin that `url()` puts in front of every URL, for assets served from a CDN:
   * `'https://cdn.example.com'` gives `https://cdn.example.com/static/app.css?v=…`.
   */
  host?: string
  /**
   * Send `Access-Control-Allow-Origin` on file responses and 304s: `true` for `*`, or one origin.
   * Fonts and SRI-checked scripts loaded from a CDN origin need it. @default false
   */
  cors?: boolean | string
  /** URL prefix the files are served under (Tornado's `static_url_prefix`). @default '/static/' */
  prefix?: string
  /**
   * Root-level URLs served from files of the root. Entries are added to the defaults;
   * map a default to `null` to drop it.
   * @default { '/favicon.ico': 'favicon.ico', '/robots.txt': 'robots.txt' }
   */
  aliases?: Readonly<Record<string, string | null>>
  /**
   * Dev mode (Tornado's `static_hash_cache=False`): versions follow edits, new and deleted files
   * at once, without a restart. Files are checked on disk for every `url()` and request.
   * @default false
   */
  dev?: boolean
  /** File served for a directory URL (`/static/docs/` → `docs/index.html`); `false` for none. @default false */
  indexFile?: string | false
  /** @deprecated Use `indexFile`, which this is another name for. */
  index?: string | false
  /** `ignore`: dotfiles are neither indexed nor served (`.well-known/` excepted); `allow`: they are. @default 'ignore' */
  dotfiles?: Dotfiles
  /** Index symlinks whose target lies outside the root. @default false */
  followSymlinksOutsideRoot?: boolean
  /**
   * `max-age` in seconds for responses without a current version token (plain paths, aliases,
   * stale tokens). 0 sends `no-cache`: the browser revalidates every time and gets a 304.
   * @default 0
   */
  maxAge?: number
  /** `max-age` in seconds for requests that carry the current version token; sent with `immutable`. @default 31536000 */
  immutableMaxAge?: number
  /**
   * `max-age` in seconds for the 404s the handler answers itself (no `next()`, `fallthrough: false`,
   * `fetch()`). 0 sends `no-cache`, so a CDN with a default TTL cannot keep a 404 for a file that
   * the next deploy adds. @default 0
   */
  notFoundMaxAge?: number
  /** What `url()` does with a path that is not in the index: throw a `MissingAssetError`, or warn once and return the unversioned URL. @default 'throw' */
  onMissing?: OnMissing
  /** Per-file header hook; runs last and wins. */
  setHeaders?: SetHeaders
  /** Pass requests the handler does not serve to `next()` when one is given (otherwise: 404). @default true */
  fallthrough?: boolean
  /** Files up to this size are answered from memory after their first request (while the budget lasts). @default 2097152 (2 MiB) */
  memoryMaxFileSize?: number
  /** Total bytes the in-memory body cache may hold. @default 67108864 (64 MiB) */
  memoryBudget?: number
  /**
   * Called with a warning (a missing asset under `onMissing: 'warn'`, an asset that changed on disk, a
   * reference left as is), and for those about particular files, what they concern. @default console.warn
   */
  onWarning?: OnWarning
  /**
   * How `earlyHints()` (and the adapters' `earlyHints` option) send 103 Early Hints. They always go
   * over HTTP/2 and later; `http1: true` sends them over HTTP/1.1 too, which only Firefox acts on and
   * which some proxies and clients mishandle. @default { http1: false }
   */
  earlyHints?: EarlyHintsSettings
}

/** The `earlyHints` option of {@link StaticOptions}. */
export interface EarlyHintsSettings {
  /** Send 103 responses to HTTP/1.1 clients too (never to HTTP/1.0). @default false */
  http1?: boolean
}

/**
 * What `earlyHints()` and `linkHeader()` announce: files of the root (`['css/app.css', 'js/app.js']`),
 * or the entries of the bundler's manifest (`{ entry: 'src/main.ts' }`, option `vite`), whose
 * stylesheets, imported chunks and module script are listed in the order `entry()` renders them.
 */
export type HintList = readonly string[] | { readonly entry: string | readonly string[] }

/** Options of {@link StaticAssets.earlyHints}. */
export interface EarlyHintsOptions {
  /** Overrides the `earlyHints.http1` option of `createStatic()` for this response. */
  http1?: boolean
}

/** The bundler manifest and dev server that `entry()` renders from. */
export interface ViteOptions {
  /**
   * The manifest Vite writes with `build.manifest`, relative to the root as in Vite's own option
   * (or absolute, or a `file:` URL). It is read, never served. @default '.vite/manifest.json'
   */
  manifest?: PathOption
  /**
   * The dev server's URL, with Vite's `base` if one is set (`'http://localhost:5173'`). In dev mode
   * `entry()` then loads the entry and Vite's client from it, the root may not exist yet (no
   * `vite build` has run), and a dev server that does not answer is reported through `onWarning`
   * (`dev-server-down`); without dev mode, from the manifest.
   */
  devServer?: string
  /** In dev-server mode, also render the preamble @vitejs/plugin-react needs for Fast Refresh. @default false */
  reactRefresh?: boolean
}

/** Options of {@link StaticAssets.importMap}. */
export interface ImportMapOptions {
  /**
   * Folders of the root whose JavaScript modules (`.js`, `.mjs`) the map covers, as logical paths
   * (`['js', 'vendor']`). @default every module of the root
   */
  folders?: readonly string[]
  /** Bare specifiers for the whole page: name → logical path of a module (`{ lit: 'vendor/lit.js' }`) or a URL. */
  imports?: Readonly<Record<string, string>>
  /**
   * Bare specifiers for the modules of one folder only (the import map's `scopes`):
   * folder → { name → logical path or URL }.
   */
  scopes?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /**
   * Modules to load at once with a `<link rel="modulepreload">` after the map, so a buildless page
   * does not fetch its imports as a waterfall: bare specifiers of `imports` (`'lit'`) or logical
   * paths of modules (`'js/app.js'`). @default []
   */
  preload?: readonly string[]
  /** Extra attributes of the `<script type="importmap">` tag (and the preload links), e.g. a CSP `nonce`. */
  attributes?: TagAttributes
}

/**
 * What a warning is about, passed to `onWarning` after the message for the warnings that concern
 * particular files, so that a caller can keep the ones about its files or treat some as errors.
 * More kinds may be added.
 */
export interface WarningContext {
  readonly kind: WarningKind
  /** The logical paths the warning concerns. */
  readonly paths: readonly string[]
}

/**
 * What a warning is about, so that an `onWarning` can filter them:
 * - `unresolved-reference`: a stylesheet names a file that is not in the root (left as is).
 * - `reference-cycle`: files that reference each other, which share one version.
 * - `case-collision`: paths that differ only in case (`vstatic build`).
 * - `shadowed`: files a later root also has, whose copies there are not served (one warning for all
 *   the files of a pair of roots, at startup or build).
 * - `changed-on-disk`: a file of a scanned index changed after it was indexed.
 * - `manifest-mismatch`: a file does not hold what the manifest records (edited after the build?), or
 *   a manifest entry's real path is one the root's rules refuse (found on first use; not served).
 * - `stale-variant`: a `.br`/`.gz`/`.zst` sibling that does not decompress to its file.
 * - `missing-asset`: `url()` of a path not in the index, under `onMissing: 'warn'`.
 * - `deltas-unsupported`: `--deltas` on a Node that cannot compress with a dictionary.
 * - `dev-server-down`: in dev mode, the bundler's dev server (`vite.devServer`) does not answer (once
 *   each time it stops answering).
 */
export type WarningKind =
  | 'unresolved-reference'
  | 'reference-cycle'
  | 'case-collision'
  | 'shadowed'
  | 'changed-on-disk'
  | 'manifest-mismatch'
  | 'stale-variant'
  | 'missing-asset'
  | 'deltas-unsupported'
  | 'dev-server-down'

/** Receives the warnings of an index or a build. */
export type OnWarning = (message: string, context?: WarningContext) => void

/** Options of {@link StaticAssets.url}. */
export interface UrlOptions {
  /** Include the version token. @default true */
  version?: boolean
  /** Override the `host` option for this URL: another origin, or `false` for a path-only URL. */
  host?: string | false
}

/** Extra attributes for the tags `script()` and `stylesheet()` render. */
export type TagAttributes = Readonly<Record<string, string | boolean | undefined>>

/** A precompressed variant (or a delta) recorded in the manifest. */
export interface ManifestVariant {
  /** The variant's file, relative to the root. */
  readonly file: string
  readonly size: number
  readonly hash: string
}
