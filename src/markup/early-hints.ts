/**
 * `earlyHints()` and `linkHeader()`: the versioned URLs a page is about to load, as `Link: rel=preload`
 * values, sent in a 103 Early Hints response while the app still renders, or on the final response
 * for a CDN that turns them into 103s itself.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ResolvedOptions } from '../options/options.js'
import type { CrossOrigin, EarlyHintsOptions, HintList } from '../types.js'
import type { EntryFilesFunction } from './entry-tags.js'
import { isStylesheet } from './entry-tags.js'

/** The response `earlyHints()` writes to: node:http's `ServerResponse` or node:http2's `Http2ServerResponse`. */
export interface HintableResponse {
  readonly headersSent: boolean
  /** The request it answers (both node:http and node:http2 set it). */
  readonly req?: {
    readonly method?: string
    readonly httpVersionMajor?: number
    readonly httpVersionMinor?: number
    readonly headers: IncomingHttpHeaders
  }
  writeEarlyHints(hints: Record<string, string | string[]>, callback?: () => void): void
}

/** What the hints are made from: the façade's URLs and the bundler's entry files. */
export interface HintContext {
  readonly options: ResolvedOptions
  readonly url: (path: string) => string
  readonly entryFiles: EntryFilesFunction
}

/** `earlyHints()` and `linkHeader()` of the assets. */
export interface HintFunctions {
  earlyHints(res: HintableResponse, list: HintList, options?: EarlyHintsOptions): boolean
  linkHeader(list: HintList): string
}

/** `earlyHints()` and `linkHeader()` over `context`. */
export function createHints(context: HintContext): HintFunctions {
  // Once per response: browsers act on the first 103 only, and a second one would only cost bytes.
  const hinted = new WeakSet<object>()
  return {
    earlyHints(res, list, options) {
      const links = linkValues(context, list)
      const http1 = options?.http1 ?? context.options.earlyHints.http1
      if (links.length === 0 || hinted.has(res) || !mayHint(res, http1)) return false
      hinted.add(res)
      // Lowercase `link`: with any other spelling Node never finishes the write (nodejs/node#46464).
      res.writeEarlyHints({ link: links })
      return true
    },
    linkHeader: (list) => linkValues(context, list).join(', '),
  }
}

/** Reads a request header by lowercase name, repeated values joined with `, `. */
export type HeaderReader = (name: string) => string | undefined

/**
 * A top-level navigation, the only request a browser uses hints for: `Sec-Fetch-Mode: navigate` or
 * `Sec-Fetch-Dest: document`, or, from a client that sends no fetch metadata, an `Accept` that
 * prefers HTML to anything else.
 */
export function isNavigation(header: HeaderReader): boolean {
  const mode = header('sec-fetch-mode')
  const destination = header('sec-fetch-dest')
  if (mode !== undefined || destination !== undefined)
    return mode === 'navigate' || destination === 'document'
  return prefersHtml(header('accept'))
}

// --- internal ---

/** GET navigations whose headers were not sent, over HTTP/2 and later, or HTTP/1.1 when allowed. */
function mayHint(res: HintableResponse, http1: boolean): boolean {
  const req = res.req
  if (res.headersSent || req === undefined || req.method !== 'GET') return false
  const major = req.httpVersionMajor ?? 0
  // HTTP/1.0 clients must never get a 1xx (RFC 9110, section 15.2).
  if (major < 2 && !(http1 && major === 1 && (req.httpVersionMinor ?? 0) >= 1)) return false
  return isNavigation((name) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  })
}

/** The `Link` values of `list`, in its order, each URL once. */
function linkValues(context: HintContext, list: HintList): string[] {
  const links: string[] = []
  const seen = new Set<string>()
  const add = (url: string, value: string) => {
    if (seen.has(url)) return
    seen.add(url)
    links.push(value)
  }
  const { crossorigin } = context.options
  if (Array.isArray(list)) {
    for (const path of list as readonly unknown[]) {
      if (typeof path !== 'string')
        throw new TypeError(`earlyHints() expects paths of files of the root, got ${String(path)}`)
      const url = linkUrl(context.url(path), path)
      add(url, formatLink(url, preloadOf(path), crossorigin))
    }
    return links
  }
  if (list === null || typeof list !== 'object' || !('entry' in list)) {
    throw new TypeError(
      `earlyHints() expects a list of paths or { entry: 'src/main.ts' }, got ${String(list)}`,
    )
  }
  const files = context.entryFiles(list.entry)
  if (files === undefined) return links // dev mode with a dev server: its files are not the root's
  const hint = (file: string, kind: Preload) => {
    const url = linkUrl(context.url(file), file)
    add(url, formatLink(url, kind, crossorigin))
  }
  for (const file of files.stylesheets) hint(file, STYLE)
  for (const file of files.preloads) hint(file, MODULE)
  for (const file of files.entries) hint(file, isStylesheet(file) ? STYLE : MODULE)
  return links
}

/** How a file is preloaded: the `rel`, the `as` and whether the fetch is always in CORS mode. */
interface Preload {
  readonly rel: 'preload' | 'modulepreload'
  readonly as: string | undefined
  /** `crossorigin` whatever the option says (fonts are always fetched in CORS mode); false: never. */
  readonly cors: 'always' | 'option' | 'never'
}

const STYLE: Preload = { rel: 'preload', as: 'style', cors: 'option' }
const MODULE: Preload = { rel: 'modulepreload', as: undefined, cors: 'option' }

/**
 * Preloads by extension. Scripts get `rel=preload; as=script`, which a classic or a module script
 * with the same `crossorigin` reuses, and which never resolves imports, so it cannot run ahead of an
 * import map on the page (a `modulepreload` can, and then the map no longer applies).
 */
const BY_EXTENSION: ReadonlyArray<[RegExp, Preload]> = [
  [/\.css$/i, STYLE],
  [/\.m?js$/i, { rel: 'preload', as: 'script', cors: 'option' }],
  [/\.(?:woff2?|ttf|otf|eot)$/i, { rel: 'preload', as: 'font', cors: 'always' }],
  [/\.(?:png|jpe?g|gif|webp|avif|svg|ico)$/i, { rel: 'preload', as: 'image', cors: 'never' }],
  [/\.json$/i, { rel: 'preload', as: 'fetch', cors: 'always' }],
]

function preloadOf(path: string): Preload {
  const bare = path.replace(/[?#].*$/s, '')
  const found = BY_EXTENSION.find(([pattern]) => pattern.test(bare))
  if (found === undefined) {
    throw new TypeError(
      `earlyHints(): ${JSON.stringify(path)} is not a stylesheet, script, font, image or JSON file, which are what a browser preloads`,
    )
  }
  return found[1]
}

function formatLink(url: string, preload: Preload, crossorigin: CrossOrigin | false): string {
  let value = `<${url}>; rel=${preload.rel}`
  if (preload.as !== undefined) value += `; as=${preload.as}`
  const mode =
    preload.cors === 'never' ? false : preload.cors === 'always' ? crossorigin || 'anonymous' : crossorigin
  if (mode === 'anonymous') value += '; crossorigin'
  else if (mode === 'use-credentials') value += '; crossorigin=use-credentials'
  return value
}

/**
 * A URL as it goes between `<` and `>` of a `Link` value: visible ASCII without the characters that
 * would end it or the header. vstatic's URLs are percent-encoded, so only a query or fragment the
 * caller wrote after the path can fail this; it is refused rather than written into a header.
 */
function linkUrl(url: string, path: string): string {
  if (!/^[\x21-\x7e]+$/.test(url) || /[<>"\\,;]/.test(url)) {
    throw new TypeError(`earlyHints(): the URL of ${JSON.stringify(path)} cannot go in a Link header: ${url}`)
  }
  return url
}

/** True when `accept` ranks text/html (or XHTML) above every other type it lists, with a q above 0. */
function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false
  let html = 0
  let other = 0
  for (const member of accept.split(',')) {
    const [range = '', ...parameters] = member.split(';').map((part) => part.trim().toLowerCase())
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='))
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2))
    if (!Number.isFinite(q)) continue
    if (range === 'text/html' || range === 'application/xhtml+xml') html = Math.max(html, q)
    else other = Math.max(other, q)
  }
  return html > 0 && html >= other
}
