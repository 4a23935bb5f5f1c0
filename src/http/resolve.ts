/**
 * resolveRequest(): a raw request URL → the asset it names, a redirect, a 400, or "not ours".
 * Decoding, NUL and traversal rejection, the prefix, root aliases and directory index live here.
 * @module
 */
import { hasOnlyNamedSegments } from '../logical-path.js'
import type { Asset, CacheKind } from '../types.js'
import { parseVersionedPath, parseVersionToken } from './versioned-path.js'

/** What a request URL resolves to. */
export type Target =
  /** Outside the prefix and the aliases: not ours at all. */
  | { readonly kind: 'none' }
  /** Under the prefix (or an alias) but no servable file: 404, or the framework carries on. */
  | { readonly kind: 'not-found' }
  /** Under our prefix but undecodable (malformed escape, NUL byte). */
  | { readonly kind: 'bad-request'; readonly reason: string }
  /** A directory URL without its trailing slash: 301 to `location`. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** A file to serve, with the caching rule the URL earns. */
  | { readonly kind: 'asset'; readonly asset: Asset; readonly cacheKind: CacheKind }

/** The lookups resolution makes; the asset index provides them. */
export interface AssetLookup {
  /** The asset for a logical path, or undefined. */
  get(logicalPath: string): Asset | undefined
  /** A file of an earlier build kept in the output directory, by logical path and its old token. */
  getRetained(logicalPath: string, token: string): Asset | undefined
  /** True when the logical path names a directory that holds at least one servable file. */
  isDirectory(logicalPath: string): boolean
}

/** What resolution needs to know besides the URL. */
export interface ResolveContext {
  readonly index: AssetLookup
  readonly prefix: string
  readonly aliases: ReadonlyMap<string, string>
  readonly indexFile: string | false
}

const NONE: Target = Object.freeze({ kind: 'none' })
const NOT_FOUND: Target = Object.freeze({ kind: 'not-found' })

/**
 * Resolves a request target such as `/static/css/app.css?v=3f2a9c1b7d0e4a51`. The path is
 * percent-decoded exactly once; `.`/`..`/empty segments never resolve, so no URL can name a
 * file outside the index (production) or the root (dev mode).
 */
export function resolveRequest(requestTarget: string, context: ResolveContext): Target {
  const rawUrl = requestTarget.startsWith('/') ? requestTarget : toOriginForm(requestTarget)
  if (rawUrl === undefined) return NONE
  const questionMark = rawUrl.indexOf('?')
  const rawPath = questionMark === -1 ? rawUrl : rawUrl.slice(0, questionMark)
  const query = rawUrl.slice(rawPath.length + 1)

  const aliasTarget = context.aliases.get(rawPath)
  if (aliasTarget !== undefined) {
    // An alias honours `?v=` exactly as the prefix does: the current token earns `immutable`.
    const asset = context.index.get(aliasTarget)
    return asset === undefined ? NOT_FOUND : toAssetTarget(asset, parseVersionToken(query), context)
  }
  if (!rawPath.startsWith(context.prefix)) {
    // The prefix itself without its slash is the root directory: redirect like any other directory.
    // (The path starts with `/` and no prefix holds `//`, so the path `/` is never this.)
    if (`${rawPath}/` === context.prefix && context.indexFile !== false) {
      if (context.index.get(context.indexFile) !== undefined) {
        return { kind: 'redirect', location: `${context.prefix}${questionMark === -1 ? '' : `?${query}`}` }
      }
    }
    return NONE
  }

  const rawRest = rawPath.slice(context.prefix.length)
  let rest = rawRest
  if (rawRest.includes('%')) {
    try {
      rest = decodeURIComponent(rawRest)
    } catch {
      return { kind: 'bad-request', reason: 'malformed percent-encoding in the URL path' }
    }
  }
  if (rest.includes('\0')) return { kind: 'bad-request', reason: 'NUL byte in the URL path' }

  if (rest === '' || rest.endsWith('/')) return resolveDirectory(rest.slice(0, -1), context)
  if (!hasOnlyNamedSegments(rest)) return NOT_FOUND

  const asset = context.index.get(rest)
  if (asset !== undefined) return toAssetTarget(asset, parseVersionToken(query), context)
  // The exact path was tried first, so a file that is really named like a versioned one still wins.
  const versioned = resolveVersioned(rest, query, context)
  if (versioned !== undefined) return versioned
  if (context.indexFile !== false && context.index.isDirectory(rest)) {
    if (context.index.get(`${rest}/${context.indexFile}`) !== undefined) {
      // The Location is built from our own validated path, never from a client-controlled host part.
      return { kind: 'redirect', location: `${rawPath}/${questionMark === -1 ? '' : `?${query}`}` }
    }
  }
  return NOT_FOUND
}

// --- internal ---

/** The path and query of an absolute-form target (`http://host/static/a.css`, RFC 9112 §3.2.2). */
function toOriginForm(requestTarget: string): string | undefined {
  const match = /^https?:\/\/[^/?#]*/i.exec(requestTarget)
  if (match === null) return undefined
  const rest = requestTarget.slice(match[0].length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

function resolveDirectory(directory: string, context: ResolveContext): Target {
  if (context.indexFile === false) return NOT_FOUND
  if (directory !== '' && !hasOnlyNamedSegments(directory)) return NOT_FOUND
  const logicalPath = directory === '' ? context.indexFile : `${directory}/${context.indexFile}`
  const asset = context.index.get(logicalPath)
  return asset === undefined ? NOT_FOUND : { kind: 'asset', asset, cacheKind: 'plain' }
}

/**
 * A versioned URL whose path is no file of the index: the fingerprinted name (`site.<token>.css`) of
 * a current file, or an old token of a file that a newer build deleted but whose version is still
 * kept (`--keep`). Pages rendered by the build that had the file keep finding it, `immutable`,
 * for as long as that build is kept (in either spelling of the token), as nginx serves it too.
 */
function resolveVersioned(rest: string, query: string, context: ResolveContext): Target | undefined {
  const readings = parseVersionedPath(rest)
  for (const reading of readings) {
    const current = context.index.get(reading.logicalPath)
    if (current !== undefined) return toAssetTarget(current, reading.token, context)
  }
  const queryToken = parseVersionToken(query)
  const kept = queryToken === undefined ? readings : [{ logicalPath: rest, token: queryToken }, ...readings]
  for (const { logicalPath, token } of kept) {
    const retained = context.index.getRetained(logicalPath, token)
    if (retained !== undefined) return { kind: 'asset', asset: retained, cacheKind: 'immutable' }
  }
  return undefined
}

/**
 * The caching a request earns: forever only for the current token, a retained old token (its bytes
 * never change), or a bundler's own fingerprinted name; revalidation for anything else.
 */
function toAssetTarget(asset: Asset, token: string | undefined, context: ResolveContext): Target {
  if (token === undefined)
    return { kind: 'asset', asset, cacheKind: asset.fingerprinted ? 'immutable' : 'plain' }
  // Forever only when the token names the very bytes served (not a manifest entry edited since).
  if (token === asset.token)
    return { kind: 'asset', asset, cacheKind: asset.tokenMatchesBytes ? 'immutable' : 'stale' }
  const retained = context.index.getRetained(asset.logicalPath, token)
  if (retained !== undefined) return { kind: 'asset', asset: retained, cacheKind: 'immutable' }
  return { kind: 'asset', asset, cacheKind: 'stale' }
}
