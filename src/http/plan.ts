/**
 * planResponse(): the HTTP decision for one asset and one request: status, headers and the body
 * to send. Pure protocol logic (RFC 9110) with no I/O and no framework types; every adapter writes
 * the same plan.
 * @module
 */

import type { Asset, CacheKind, EncodedVariant, RequestInfo, SetHeaders } from '../types.js'
import { type CachePolicy, formatExpires } from './cache-control.js'
import { evaluatePreconditions, isRangeCurrent, type Validators } from './conditional.js'
import { type DictionaryScheme, hasDeltas, isDeltaType, selectDelta, useAsDictionary } from './dictionary.js'
import { ENCODINGS, negotiateEncoding, preferenceOf } from './encoding.js'
import { parseRange } from './range.js'

/** The part of a file to send: bytes `start` to `end` inclusive, of the asset or one of its variants. */
export interface FileBody {
  readonly asset: Asset
  /** The precompressed variant to send, or undefined for the asset itself. */
  readonly variant: EncodedVariant | undefined
  readonly start: number
  readonly end: number
}

/** What to send. Header names are lowercase. */
export interface StaticResponse {
  readonly status: number
  readonly headers: Record<string, string>
  /** A file range, a short text (errors), or nothing (HEAD, 304, empty file). */
  readonly body: FileBody | string | null
}

/** What the plan needs from the configuration. */
export interface PlanContext {
  readonly policies: Readonly<Record<CacheKind, CachePolicy>>
  readonly setHeaders: SetHeaders | undefined
  /** Access-Control-Allow-Origin for file responses and 304s. */
  readonly cors: string | undefined
  /** Full 200 and 304 responses by asset, reused within the second they were built in (one per handler). */
  readonly reused: ReusedResponses
  /**
   * Set when the files come from a build with deltas (`--deltas`): versioned text files then carry
   * `Use-As-Dictionary`, so a browser keeps them as the dictionary of their next version.
   */
  readonly dictionaries?: DictionaryScheme | undefined
}

/** Responses kept for reuse, by asset and by the slot {@link reuseSlot} gives; never mutate them. */
export type ReusedResponses = WeakMap<Asset, Array<ReusedResponse | undefined>>

interface ReusedResponse {
  readonly second: number
  readonly response: StaticResponse
}

const ALLOWED_METHODS = 'GET, HEAD'

/**
 * Decides the response for a request that resolved to `asset`.
 * Order: method (405) → preconditions (412/304, RFC 9110 §13.2.2) → Range with If-Range (206/416) → 200.
 */
export function planResponse(
  asset: Asset,
  cacheKind: CacheKind,
  request: Pick<RequestInfo, 'method' | 'header'>,
  context: PlanContext,
  nowMs: number = Date.now(),
): StaticResponse {
  const method = request.method
  if (method !== 'GET' && method !== 'HEAD') {
    return planError(405, 'Method Not Allowed', method, { allow: ALLOWED_METHODS })
  }
  // Ranges are served from the identity bytes only, so a resumed download never mixes encodings.
  const rangeHeader = request.header('range')
  const variant = rangeHeader === undefined ? selectVariant(asset, request) : undefined
  const etag = variant?.etag ?? asset.etag
  const size = variant?.size ?? asset.size
  const validators: Validators = { etag, lastModifiedMs: Math.floor(asset.mtimeMs / 1000) * 1000 }
  const precondition = evaluatePreconditions(request.header, validators, nowMs)
  if (precondition === 'precondition-failed') {
    return planError(412, 'Precondition Failed', method, {})
  }

  // The common cases (a full 200, a 304) with no hook are the same response every time within a
  // second (Expires has one-second resolution): build each once and reuse it.
  // Slot -1 (a range, or a hook to run) is never kept, so looking it up finds nothing.
  // A delta is chosen by the dictionary too, which the slots do not count: it is planned each time.
  const reusable =
    rangeHeader === undefined && context.setHeaders === undefined && variant?.dictionary === undefined
  const slot = reusable ? reuseSlot(precondition, cacheKind, variant, method) : -1
  const second = Math.floor(nowMs / 1000)
  const cached = context.reused.get(asset)?.[slot]
  if (cached !== undefined && cached.second === second) return cached.response

  const headers = cacheHeaders(asset, cacheKind, etag, context, nowMs)
  if (precondition === 'not-modified') {
    return remember(context, asset, slot, second, finish(304, headers, null, asset, cacheKind, context))
  }
  const range =
    rangeHeader !== undefined && isRangeCurrent(request.header('if-range'), validators)
      ? parseRange(rangeHeader, size)
      : undefined
  const planned: PlannedContent = { asset, cacheKind, variant, size, method, headers }
  if (range?.kind === 'unsatisfiable') return planUnsatisfiable(size)
  if (range?.kind === 'single') return planPartial(planned, range, context)
  return remember(context, asset, slot, second, planFull(planned, context))
}

/**
 * The validators and cache headers, which go on 200, 206 and 304 alike (RFC 9110 §15.4.5). A 304
 * carries only those: the rest describe a body it does not have.
 */
function cacheHeaders(
  asset: Asset,
  cacheKind: CacheKind,
  etag: string,
  context: PlanContext,
  nowMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    etag,
    'last-modified': asset.lastModified,
    'cache-control': context.policies[cacheKind].cacheControl,
  }
  const lifetime = context.policies[cacheKind].expiresInSeconds
  if (lifetime !== undefined) headers.expires = formatExpires(nowMs, lifetime)
  // Every response of an asset that has variants varies by Accept-Encoding, identity and 304 included;
  // by Available-Dictionary too when some of them are deltas (RFC 9842 §6.2).
  if (asset.encodings.length > 0)
    headers.vary = hasDeltas(asset) ? 'Accept-Encoding, Available-Dictionary' : 'Accept-Encoding'
  if (context.cors !== undefined) {
    headers['access-control-allow-origin'] = context.cors
    // A single allowed origin makes the response depend on the request's Origin.
    if (context.cors !== '*') headers.vary = headers.vary === undefined ? 'Origin' : `${headers.vary}, Origin`
  }
  return headers
}

/** What a response with content (200 or 206) is planned from. */
interface PlannedContent {
  readonly asset: Asset
  readonly cacheKind: CacheKind
  readonly variant: EncodedVariant | undefined
  /** Size of the bytes sent: the variant's, or the asset's. */
  readonly size: number
  readonly method: string
  /** The cache headers; the content headers are added to them. */
  readonly headers: Record<string, string>
}

/** Adds the headers that describe the content to `planned.headers` and returns them. */
function contentHeaders(planned: PlannedContent): Record<string, string> {
  const { headers, asset, variant } = planned
  headers['accept-ranges'] = 'bytes'
  headers['x-content-type-options'] = 'nosniff'
  headers['content-type'] = asset.contentType
  if (variant !== undefined) headers['content-encoding'] = variant.encoding
  return headers
}

/**
 * `Use-As-Dictionary` on a whole version of a text file under its own token, from a build with
 * deltas: the browser keeps it, and asks for the next version with `Available-Dictionary`. Not on
 * a bundler's own names (their next version has another name), nor on bytes the token does not name.
 */
function dictionaryHeader(planned: PlannedContent, context: PlanContext): void {
  const { asset, cacheKind, headers } = planned
  const scheme = context.dictionaries
  if (
    scheme === undefined ||
    cacheKind !== 'immutable' ||
    asset.fingerprinted ||
    !asset.tokenMatchesBytes ||
    !isDeltaType(asset.contentType)
  )
    return
  headers['use-as-dictionary'] = useAsDictionary(asset.logicalPath, scheme)
}

/** 416: the range lies past the end of the bytes. */
function planUnsatisfiable(size: number): StaticResponse {
  return {
    status: 416,
    headers: {
      'accept-ranges': 'bytes',
      'content-range': `bytes */${size}`,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '0',
      'x-content-type-options': 'nosniff',
    },
    body: null,
  }
}

/** 206: one range of the bytes. */
function planPartial(
  planned: PlannedContent,
  range: { readonly start: number; readonly end: number },
  context: PlanContext,
): StaticResponse {
  const { asset, variant, size, method, cacheKind } = planned
  const headers = contentHeaders(planned)
  headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`
  headers['content-length'] = String(range.end - range.start + 1)
  const body = method === 'GET' ? { asset, variant, start: range.start, end: range.end } : null
  return finish(206, headers, body, asset, cacheKind, context)
}

/** 200: the whole of the bytes (no body for HEAD or an empty file). */
function planFull(planned: PlannedContent, context: PlanContext): StaticResponse {
  const { asset, variant, size, method, cacheKind } = planned
  const headers = contentHeaders(planned)
  headers['content-length'] = String(size)
  dictionaryHeader(planned, context)
  const body = method === 'GET' && size > 0 ? { asset, variant, start: 0, end: size - 1 } : null
  return finish(200, headers, body, asset, cacheKind, context)
}

/** Keeps `response` for reuse within `second`, unless its slot is -1; returns it. */
function remember(
  context: PlanContext,
  asset: Asset,
  slot: number,
  second: number,
  response: StaticResponse,
): StaticResponse {
  if (slot < 0) return response
  let perAsset = context.reused.get(asset)
  if (perAsset === undefined) {
    perAsset = []
    context.reused.set(asset, perAsset)
  }
  perAsset[slot] = { second, response }
  return response
}

/**
 * Where a response is kept for reuse: a number, so a request looks it up without building a key.
 * One slot per outcome (200, 304) × cache kind × coding or none × GET or HEAD.
 */
function reuseSlot(
  precondition: 'proceed' | 'not-modified',
  cacheKind: CacheKind,
  variant: EncodedVariant | undefined,
  method: string,
): number {
  const outcome = precondition === 'not-modified' ? 1 : 0
  const kind = cacheKind === 'immutable' ? 0 : cacheKind === 'stale' ? 1 : 2
  const coding = variant === undefined ? 0 : preferenceOf(variant.encoding) + 1
  return ((outcome * 3 + kind) * (ENCODINGS.length + 1) + coding) * 2 + (method === 'HEAD' ? 1 : 0)
}

/** A short text response for errors the handler answers itself (400, 404, 405, 412, 503). */
export function planError(
  status: number,
  text: string,
  method: string,
  extraHeaders: Record<string, string>,
): StaticResponse {
  const body = `${text}\n`
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-content-type-options': 'nosniff',
      ...extraHeaders,
    },
    body: method === 'HEAD' ? null : body,
  }
}

/**
 * 404s: no servable file at the URL (and no `next()` to pass the request to), sent with
 * `cacheControl` so that a CDN does not keep one for a file that the next deploy adds. GET's and
 * HEAD's are built once: never mutate them.
 */
export function createNotFound(cacheControl: string): (method: string) => StaticResponse {
  const headers = { 'cache-control': cacheControl }
  const get = planError(404, 'Not Found', 'GET', headers)
  const head = planError(404, 'Not Found', 'HEAD', headers)
  return (method) =>
    method === 'GET' ? get : method === 'HEAD' ? head : planError(404, 'Not Found', method, headers)
}

/** 503 with Retry-After: out of file descriptors, or a file that kept changing while it was opened. */
export function planBusy(method: string): StaticResponse {
  return planError(503, 'Service Unavailable', method, { 'retry-after': '1' })
}

/** 301 to the slash form of a directory URL. */
export function planRedirect(location: string, method: string): StaticResponse {
  return planError(301, `Redirecting to ${location}`, method, { location, 'cache-control': 'no-cache' })
}

// --- internal ---

/**
 * The variant to send: a delta against the dictionary the request names, when there is one it
 * accepts; else the best precompressed coding Accept-Encoding allows (deltas never count there).
 */
function selectVariant(asset: Asset, request: Pick<RequestInfo, 'header'>): EncodedVariant | undefined {
  // Most assets have no variants: skip reading Accept-Encoding for them.
  if (asset.encodings.length === 0) return undefined
  const acceptEncoding = request.header('accept-encoding')
  const delta = selectDelta(asset, request.header('available-dictionary'), acceptEncoding)
  if (delta !== undefined) return delta
  const available = new Set(asset.encodings.map((variant) => variant.encoding))
  const coding = negotiateEncoding(acceptEncoding, available)
  return asset.encodings.find((variant) => variant.encoding === coding && variant.dictionary === undefined)
}

function finish(
  status: number,
  headers: Record<string, string>,
  body: FileBody | null,
  asset: Asset,
  cacheKind: CacheKind,
  context: PlanContext,
): StaticResponse {
  // The user's hook runs last, so its headers win (the most requested feature of the peers' users).
  context.setHeaders?.(headers, { logicalPath: asset.logicalPath, status, cacheKind })
  return { status, headers, body }
}
