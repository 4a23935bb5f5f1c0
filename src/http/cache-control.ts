/**
 * The cache policy of a file response, by kind: immutable for the current token, revalidate otherwise.
 * @module
 */
import type { CacheKind } from '../types.js'

/** The Cache-Control and Expires a response of one cache kind gets. */
export interface CachePolicy {
  readonly cacheControl: string
  /** Lifetime for Expires, in seconds; undefined sends no Expires. */
  readonly expiresInSeconds: number | undefined
}

/** Cache policies for each kind, from the resolved options. */
export function createCachePolicies(options: {
  maxAge: number
  immutableMaxAge: number
}): Readonly<Record<CacheKind, CachePolicy>> {
  const revalidate: CachePolicy = Object.freeze({ cacheControl: 'no-cache', expiresInSeconds: undefined })
  return Object.freeze({
    // Only the current token may promise "forever": the bytes behind it can never change.
    immutable: Object.freeze({
      cacheControl: `public, max-age=${options.immutableMaxAge}, immutable`,
      expiresInSeconds: options.immutableMaxAge,
    }),
    // A stale or forged token must not pin the current bytes to an old URL: revalidate every time.
    stale: revalidate,
    plain:
      options.maxAge === 0
        ? revalidate
        : Object.freeze({
            cacheControl: `public, max-age=${options.maxAge}`,
            expiresInSeconds: options.maxAge,
          }),
  })
}

/**
 * The Cache-Control of a 404 the handler answers itself: `no-cache` by default. Without one, a CDN
 * applies its default TTL and may keep serving the 404 after the file is deployed.
 */
export function notFoundCacheControl(maxAge: number): string {
  return maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`
}

/** The last Expires formatted for each lifetime, and the second it was formatted in. */
const lastExpires = new Map<number, { readonly second: number; readonly value: string }>()

/** The Expires value `lifetimeSeconds` from `nowMs`, formatted once per second and lifetime. */
export function formatExpires(nowMs: number, lifetimeSeconds: number): string {
  const second = Math.floor(nowMs / 1000)
  const last = lastExpires.get(lifetimeSeconds)
  if (last !== undefined && last.second === second) return last.value
  const value = new Date((second + lifetimeSeconds) * 1000).toUTCString()
  lastExpires.set(lifetimeSeconds, { second, value })
  return value
}
