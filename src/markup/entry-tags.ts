/**
 * `entry()`: the tags that load one entry of a bundler's manifest (stylesheets, module preloads, the
 * module script, each with its integrity), or, in dev mode with a dev server, the dev server's
 * client and the entry from the dev server.
 * @module
 */

import { MissingAssetError, StaticConfigError } from '../errors.js'
import { formatAssetPath } from '../http/versioned-path.js'
import { toLogicalPath } from '../logical-path.js'
import type { ResolvedOptions } from '../options/options.js'
import type { ResolvedVite } from '../options/paths.js'
import type { TagAttributes } from '../types.js'
import {
  type BundlerChunks,
  createBundlerManifest,
  type EntryFiles,
  entryFiles,
  findMissingFile,
} from './bundler-manifest.js'
import type { DevServerProbe } from './dev-server.js'
import type { TagTarget } from './tag-helpers.js'
import { renderInlineScript, renderTag, type TagKind } from './tags.js'
import type { SourceLookup } from './url.js'
import { suggestPaths } from './url-input.js'

/** Renders the tags of one entry, or of several sharing their chunks once. */
export type EntryRenderer = (name: string | readonly string[], attributes?: TagAttributes) => string

/** What `entry()` renders production tags with: the façade's own checked lookups and entry files. */
export interface EntryContext {
  readonly options: ResolvedOptions
  /**
   * A file's URL and SRI value from one checked lookup: the plain URL and no integrity while it is
   * being re-read. Throws a MissingAssetError for a file the index lacks.
   */
  readonly target: (path: string) => TagTarget
  /** The files of some entries, from {@link createEntryFiles}. */
  readonly files: EntryFilesFunction
  /** In dev mode with a dev server: checked (in the background) on each render. */
  readonly devServer?: DevServerProbe
}

/**
 * The files some entries need, in the order `entry()` renders their tags; undefined in dev mode with
 * a dev server, where the files come from the dev server.
 */
export type EntryFilesFunction = (name: string | readonly string[]) => EntryFiles | undefined

/**
 * The files of the bundler's entries, read from its manifest (once, or whenever it changes in dev
 * mode): throws a StaticConfigError now when the manifest is needed and unusable, and a
 * MissingAssetError naming the manifest for an entry it does not list.
 */
export function createEntryFiles(
  options: ResolvedOptions,
  bundlerChunks = readBundlerChunks(options),
): EntryFilesFunction {
  const vite = options.vite
  if (vite === undefined) {
    return () => {
      throw new StaticConfigError(
        'vite',
        'is not set: entry() renders the entries of a bundler manifest, e.g. createStatic({ root, vite: true })',
      )
    }
  }
  if (options.dev && vite.devServer !== undefined) {
    return (name) => {
      toNames(name)
      return undefined
    }
  }
  const chunks = bundlerChunks ?? createBundlerManifest(vite.manifest, options.dev)
  return (name) => {
    const names = toNames(name)
    const current = chunks()
    for (const entryName of names) {
      const file = current.get(entryName)?.file
      if (file !== undefined && !isScript(file) && !isStylesheet(file))
        throw notLoadable(entryName, file, vite)
    }
    const files = entryFiles(current, names)
    if ('missing' in files) {
      // A typo in a template names an entry one edit away from a listed one, as url() says.
      const suggestions = suggestPaths(files.missing, current.keys())
      throw new MissingAssetError(
        files.missing,
        options.root,
        `the bundler manifest ${JSON.stringify(vite.manifest)}`,
        {
          suggestions,
        },
      )
    }
    return files
  }
}

/**
 * The chunks of the bundler manifest that `options.vite` names, read now (a StaticConfigError when
 * it is unusable) and, in dev mode, again whenever it changes; undefined without `vite`, and in dev
 * mode with a dev server, which serves the sources itself.
 */
export function readBundlerChunks(options: ResolvedOptions): BundlerChunks | undefined {
  const vite = options.vite
  if (vite === undefined || (options.dev && vite.devServer !== undefined)) return undefined
  return createBundlerManifest(vite.manifest, options.dev)
}

/**
 * In production, throws a StaticConfigError now for a file that the manifest names and the root
 * lacks (a partial deploy, a build into another folder), naming the entry or chunk, the file and the
 * manifest, rather than at the first page that renders it. Dev mode follows a build in progress.
 */
export function checkBundlerFiles(
  options: ResolvedOptions,
  bundlerChunks: BundlerChunks | undefined,
  has: (file: string) => boolean,
): void {
  if (options.dev || options.vite === undefined || bundlerChunks === undefined) return
  const missing = findMissingFile(bundlerChunks(), has)
  if (missing === undefined) return
  const where = options.roots.map(({ root }) => JSON.stringify(root)).join(' or ')
  throw new StaticConfigError(
    'vite',
    `manifest ${JSON.stringify(options.vite.manifest)} lists ${JSON.stringify(missing.key)} as ${JSON.stringify(missing.file)}, ` +
      `which is not in ${where}; deploy the whole output of vite build, or build again`,
  )
}

/**
 * Where url() looks for a path the index lacks, with `vite` on: a source path of the bundler
 * manifest (`src/images/logo.svg`) is its built file; in dev mode with a dev server, the dev
 * server's URL of the path. Undefined without `vite`.
 */
export function createSourceLookup(
  options: ResolvedOptions,
  bundlerChunks: BundlerChunks | undefined,
): SourceLookup | undefined {
  const devServer = options.dev ? options.vite?.devServer : undefined
  if (devServer !== undefined) return (logicalPath) => ({ href: devServerUrl(devServer, logicalPath) })
  if (bundlerChunks === undefined) return undefined
  return (logicalPath) => {
    const file = bundlerChunks().get(logicalPath)?.file
    return file === undefined ? undefined : { file }
  }
}

/** The `entry()` of the assets. */
export function createEntry(context: EntryContext): EntryRenderer {
  const { options } = context
  const vite = options.vite
  if (vite !== undefined && options.dev && vite.devServer !== undefined)
    return devServerEntry(options.root, vite, vite.devServer, context.devServer)
  return (name, attributes) => builtEntry(context, context.files(name) as EntryFiles, attributes)
}

/** Whether an entry's own file is a stylesheet (a CSS entry) rather than a module script. */
export function isStylesheet(file: string): boolean {
  return /\.css$/i.test(file)
}

// --- internal ---

function builtEntry(context: EntryContext, files: EntryFiles, attributes: TagAttributes | undefined): string {
  const shared = sharedAttributes(attributes)
  const tag = (kind: TagKind, file: string, extra: TagAttributes | undefined) => {
    const { href, integrity } = context.target(file)
    return renderTag(kind, href, integrity, context.options.crossorigin, extra)
  }
  return [
    ...files.stylesheets.map((file) => tag('stylesheet', file, shared)),
    ...files.preloads.map((file) => tag('modulepreload', file, shared)),
    ...files.entries.map((file) =>
      isStylesheet(file) ? tag('stylesheet', file, shared) : tag('module', file, attributes),
    ),
  ].join('\n')
}

/** Dev mode with a dev server: its client, then each entry from it (React's preamble first, when asked for). */
function devServerEntry(
  root: string,
  vite: ResolvedVite,
  devServer: string,
  probe: DevServerProbe | undefined,
): EntryRenderer {
  return (name, attributes) => {
    const names = toNames(name)
    // In the background: a stopped dev server is reported once, the page renders as it is.
    probe?.check()
    const shared = sharedAttributes(attributes)
    const fromServer = (path: string) => new URL(path, devServer).href
    const tags: string[] = []
    if (vite.reactRefresh)
      tags.push(renderInlineScript('module', reactPreamble(fromServer('@react-refresh')), shared))
    tags.push(renderTag('module', fromServer('@vite/client'), undefined, false, shared))
    for (const entryName of names) {
      const logicalPath = toLogicalPath(entryName)
      if (logicalPath === undefined) throw new MissingAssetError(entryName, root, JSON.stringify(devServer))
      tags.push(renderTag('module', devServerUrl(devServer, logicalPath), undefined, false, attributes))
    }
    return tags.join('\n')
  }
}

/** The dev server's URL of a source path, under the dev server's own base. */
function devServerUrl(devServer: string, logicalPath: string): string {
  return new URL(formatAssetPath('', logicalPath, undefined, 'query'), devServer).href
}

/** What @vitejs/plugin-react's Fast Refresh needs on the page before any module runs. */
function reactPreamble(runtimeUrl: string): string {
  return [
    '',
    `import RefreshRuntime from ${JSON.stringify(runtimeUrl)}`,
    'RefreshRuntime.injectIntoGlobalHook(window)',
    'window.$RefreshReg$ = () => {}',
    'window.$RefreshSig$ = () => (type) => type',
    'window.__vite_plugin_react_preamble_installed__ = true',
    '',
  ].join('\n')
}

function toNames(name: string | readonly string[]): readonly string[] {
  const names = typeof name === 'string' ? [name] : name
  if (!Array.isArray(names) || names.length === 0 || !names.every((item) => typeof item === 'string')) {
    throw new TypeError(
      `entry() expects an entry name such as "src/main.ts" or a list of them, got ${String(name)}`,
    )
  }
  return names
}

/** The attributes every tag of an entry carries: a CSP nonce, which each inline or loaded element needs. */
function sharedAttributes(attributes: TagAttributes | undefined): TagAttributes | undefined {
  return attributes?.nonce === undefined ? undefined : { nonce: attributes.nonce }
}

/** What a module script can load: the JavaScript a bundler writes for an entry. */
function isScript(file: string): boolean {
  return /\.m?js$/i.test(file)
}

/**
 * An entry whose file no tag of `entry()` can load (an image, a font, a JSON file that the bundler
 * listed because a script imports it): a mistake in the template, said as such rather than rendered
 * as a `<script type="module">` that the browser would refuse.
 */
function notLoadable(name: string, file: string, vite: ResolvedVite): TypeError {
  return new TypeError(
    `entry(${JSON.stringify(name)}): the bundler manifest ${JSON.stringify(vite.manifest)} maps it to ${JSON.stringify(file)}, ` +
      `which is neither a script (.js, .mjs) nor a stylesheet (.css); entry() renders the tags that load a script or stylesheet entry. ` +
      `For the URL of another asset, use url(${JSON.stringify(file)})`,
  )
}
