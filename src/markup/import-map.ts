/**
 * `importMap()`: a `<script type="importmap">` that sends every JavaScript module of the root from
 * its plain URL to its versioned URL, with an `integrity` section, so `import './util.js'` inside a
 * versioned module loads a versioned, cache-safe URL, and bare specifiers name files of the root.
 * @module
 */
import { MissingAssetError } from '../errors.js'
import { formatAssetPath } from '../http/versioned-path.js'
import { toLogicalPath } from '../logical-path.js'
import type { ResolvedOptions } from '../options/options.js'
import type { Asset, ImportMapOptions, UrlOptions } from '../types.js'
import type { TagTarget } from './tag-helpers.js'
import { renderInlineScript, renderTag } from './tags.js'
import { suggestPaths } from './url-input.js'

/** The import map document (the HTML standard's `imports`, `scopes` and `integrity`). */
export interface ImportMap {
  readonly imports: Readonly<Record<string, string>>
  readonly scopes?: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly integrity: Readonly<Record<string, string>>
}

/** What the map is made from: the façade's index, URLs and integrity values. */
export interface ImportMapContext {
  readonly options: ResolvedOptions
  readonly assets: () => Asset[]
  readonly url: (path: string, options?: UrlOptions) => string
  /**
   * A file's URL and SRI value from one checked lookup: while it is being re-read, its plain URL
   * and no integrity (the map then sends the module to no token and lists no value for it).
   */
  readonly target: (path: string) => TagTarget
}

/** Renders the import map of the modules `options` selects. */
export function renderImportMap(context: ImportMapContext, options: ImportMapOptions = {}): string {
  const map = buildImportMap(context, options)
  // JSON inside a script element: `<` and `>` as escapes, so no content can end the element.
  const json = JSON.stringify(map, null, 2).replace(/</g, '\\u003c').replace(/>/g, '\\u003e')
  const script = renderInlineScript('importmap', json, options.attributes)
  const preloads = toPreloads(context, map, options.preload)
  if (preloads.length === 0) return script
  // After the map: a module fetched before it would resolve its imports without it.
  const nonce = options.attributes?.nonce === undefined ? undefined : { nonce: options.attributes.nonce }
  const links = preloads.map(({ url, integrity }) =>
    renderTag('modulepreload', url, integrity, context.options.crossorigin, nonce),
  )
  return [script, ...links].join('\n')
}

// --- internal ---

/** JavaScript modules: what the browser loads through `import`. */
const MODULE = /\.m?js$/i
/** A URL with a scheme, or scheme-relative: left as it is. */
const EXTERNAL = /^(?:[a-z][a-z\d+.-]*:|\/\/)/i

function buildImportMap(context: ImportMapContext, options: ImportMapOptions): ImportMap {
  const folders = options.folders === undefined ? [''] : toFolders(options.folders, 'folders')
  const modules = context.assets().filter((asset) => MODULE.test(asset.logicalPath))
  const imports: Record<string, string> = {}
  const integrity: Record<string, string> = {}
  const pin = (logicalPath: string) => {
    const { href, integrity: value } = context.target(logicalPath)
    if (value !== undefined) integrity[href] = value
    return href
  }
  const covered = new Set<string>()
  for (const asset of modules) {
    const folder = folders.find((candidate) => isUnder(asset.logicalPath, candidate))
    if (folder === undefined) continue
    covered.add(folder)
    const plain = context.url(asset.logicalPath, { version: false })
    const versioned = pin(asset.logicalPath)
    if (plain !== versioned) imports[plain] = versioned
  }
  if (covered.size < folders.length) requireModulesUnder(context.options, folders, covered, modules)
  const specifiers = (given: unknown, where: string) => {
    const mapped: Record<string, string> = {}
    for (const [specifier, target] of entriesOf(given, where)) {
      if (specifier.endsWith('/') && target.endsWith('/') && !EXTERNAL.test(target)) {
        // A folder: one entry per module under it, so each loads under its version.
        const [folder] = toFolders([target], where)
        for (const asset of modules) {
          if (folder !== undefined && isUnder(asset.logicalPath, folder))
            mapped[specifier + asset.logicalPath.slice(folder.length + 1)] = pin(asset.logicalPath)
        }
      } else {
        mapped[specifier] = EXTERNAL.test(target) ? target : pin(target)
      }
    }
    return mapped
  }
  Object.assign(imports, specifiers(options.imports, 'imports'))
  const scopes: Record<string, Record<string, string>> = {}
  for (const [folder, given] of Object.entries(options.scopes ?? {})) {
    const [logicalFolder] = toFolders([folder], 'scopes')
    const { host, prefix, versioning } = context.options
    scopes[`${host}${formatAssetPath(prefix, logicalFolder ?? '', undefined, versioning)}/`] = specifiers(
      given,
      `scopes[${JSON.stringify(folder)}]`,
    )
  }
  return Object.keys(scopes).length === 0 ? { imports, integrity } : { imports, scopes, integrity }
}

/**
 * The modules of `preload`, each once: a specifier of the map's `imports` loads what it maps to, a
 * logical path of a module its versioned URL; the integrity is the map's.
 */
function toPreloads(
  context: ImportMapContext,
  map: ImportMap,
  preload: unknown,
): Array<{ url: string; integrity: string | undefined }> {
  if (preload === undefined) return []
  if (!Array.isArray(preload))
    throw new TypeError(`importMap() preload must be a list of specifiers or modules, got ${String(preload)}`)
  const urls = new Map<string, string | undefined>()
  for (const item of preload as unknown[]) {
    if (typeof item !== 'string' || item === '')
      throw new TypeError(`importMap() preload: ${JSON.stringify(item)} is not a specifier or a module`)
    if (Object.hasOwn(map.imports, item)) {
      const url = map.imports[item] as string
      urls.set(url, map.integrity[url])
      continue
    }
    const logicalPath = toLogicalPath(item)
    if (logicalPath === undefined || !MODULE.test(logicalPath)) {
      throw new TypeError(
        `importMap() preload: ${JSON.stringify(item)} is neither a specifier of the map's imports nor a JavaScript module of the root`,
      )
    }
    const { href, integrity } = context.target(logicalPath)
    urls.set(href, integrity)
  }
  return [...urls].map(([url, integrity]) => ({ url, integrity }))
}

/**
 * Throws a MissingAssetError for the first of `folders` with no module under it: a typo or a moved
 * folder would otherwise leave its modules out of the map without a word. `covered` folders hold one.
 */
function requireModulesUnder(
  options: ResolvedOptions,
  folders: readonly string[],
  covered: ReadonlySet<string>,
  modules: readonly Asset[],
): void {
  for (const folder of folders) {
    if (covered.has(folder) || modules.some((asset) => isUnder(asset.logicalPath, folder))) continue
    const where = options.roots.map(({ root }) => JSON.stringify(root)).join(' or ')
    const suggestions = suggestPaths(folder, foldersOf(modules)).map((near) => `${near}/`)
    throw new MissingAssetError(
      `${folder}/`,
      options.root,
      `${where} as a folder of JavaScript modules (importMap() folders)`,
      { suggestions },
    )
  }
}

/** Every folder that holds a module, at any depth: `js/deep/helper.mjs` → `js/deep`, `js`. */
function foldersOf(modules: readonly Asset[]): Set<string> {
  const folders = new Set<string>()
  for (const { logicalPath } of modules) {
    for (let at = logicalPath.lastIndexOf('/'); at > 0; at = logicalPath.lastIndexOf('/', at - 1))
      folders.add(logicalPath.slice(0, at))
  }
  return folders
}

/** Folders given as logical paths (`js`, `/js/`), without their slashes. */
function toFolders(folders: unknown, where: string): string[] {
  if (!Array.isArray(folders))
    throw new TypeError(`importMap() ${where} must be a list of folders, got ${String(folders)}`)
  return folders.map((folder: unknown) => {
    const logicalPath = typeof folder === 'string' ? toLogicalPath(folder.replace(/\/+$/, '')) : undefined
    if (logicalPath === undefined)
      throw new TypeError(`importMap() ${where}: ${JSON.stringify(folder)} is not a folder of the root`)
    return logicalPath
  })
}

function entriesOf(given: unknown, where: string): Array<[string, string]> {
  if (given === undefined) return []
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new TypeError(`importMap() ${where} must map specifiers to files, got ${String(given)}`)
  const entries = Object.entries(given as Record<string, unknown>)
  for (const [specifier, target] of entries) {
    if (specifier === '' || typeof target !== 'string' || target === '') {
      throw new TypeError(
        `importMap() ${where}: ${JSON.stringify(specifier)} must map to a file of the root or a URL`,
      )
    }
  }
  return entries as Array<[string, string]>
}

function isUnder(logicalPath: string, folder: string): boolean {
  return folder === '' || logicalPath.startsWith(`${folder}/`)
}
