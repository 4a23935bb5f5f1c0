/**
 * Public types shared by the core and the adapters.
 * @module
 */

/** Everything vstatic knows about one file of the root, computed once and frozen. */
export interface Asset {
  /** Path relative to the root, `/`-separated, no leading slash: `css/app.css`. */
  readonly logicalPath: string
  /** Filesystem path, only ever used to open the file. */
  readonly absolutePath: string
  /** Size in bytes. */
  readonly size: number
  /** Modification time in milliseconds, as read when the file was indexed. */
  readonly mtimeMs: number
  /** SHA-256 of the content, lowercase hex. */
  readonly hash: string
  /** Version token used in URLs: short, lowercase, URL-safe, the same for the same bytes everywhere. */
  readonly token: string
  /** Strong entity tag derived from the content hash, quoted: `"3f2a…"`. */
  readonly etag: string
  /** Content-Type header value, with `charset=utf-8` on text types. */
  readonly contentType: string
  /** Last-Modified header value: the mtime at whole-second precision as an IMF-fixdate. */
  readonly lastModified: string
}

/** Which caching rule a file response follows. */
export type CacheKind =
  /** The request named the file's current version token: cache forever. */
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

/** Options of {@link createStatic}. */
export interface StaticOptions {
  /** The static directory (Tornado's `static_path`), resolved against `process.cwd()`. */
  root: string
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
  index?: string | false
  /** `ignore`: dotfiles are neither indexed nor served (`.well-known/` excepted); `allow`: they are. @default 'ignore' */
  dotfiles?: 'ignore' | 'allow'
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
  /** What `url()` does with a path that is not in the index: throw a `MissingAssetError`, or warn once and return the unversioned URL. @default 'throw' */
  onMissing?: 'throw' | 'warn'
  /** Per-file header hook; runs last and wins. */
  setHeaders?: SetHeaders
  /** Pass requests the handler does not serve to `next()` when one is given (otherwise: 404). @default true */
  fallthrough?: boolean
  /** Files up to this size are answered from memory after their first request. @default 65536 */
  memoryMaxFileSize?: number
  /** Total bytes the in-memory body cache may hold. @default 33554432 (32 MiB) */
  memoryBudget?: number
  /** Called with a warning (a missing asset under `onMissing: 'warn'`, an asset that changed on disk). @default console.warn */
  onWarning?: (message: string) => void
}

/** Options of {@link StaticAssets.url}. */
export interface UrlOptions {
  /** Append `?v=<token>`. @default true */
  version?: boolean
}
