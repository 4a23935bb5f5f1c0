/**
 * createStatic(): the façade. Builds the asset index once and returns url(), handle() and friends.
 * @module
 */
import type { AssetIndex } from './catalog/asset-index.js'
import { createLiveIndex } from './catalog/dev-index.js'
import { createManifestIndex } from './catalog/manifest-index.js'
import { createScannedIndex } from './catalog/scanned-index.js'
import { StaticConfigError } from './errors.js'
import { createCachePolicies, notFoundCacheControl } from './http/cache-control.js'
import { toLogicalPath } from './logical-path.js'
import { createEntryCheck, type EntryCheck, loadManifest } from './manifest/check.js'
import type { Manifest } from './manifest/format.js'
import { probeDevServer } from './markup/dev-server.js'
import { createHints } from './markup/early-hints.js'
import {
  checkBundlerFiles,
  createEntry,
  createEntryFiles,
  createSourceLookup,
  readBundlerChunks,
} from './markup/entry-tags.js'
import { renderImportMap } from './markup/import-map.js'
import { createTagHelpers } from './markup/tag-helpers.js'
import { createUrl } from './markup/url.js'
import { type ResolvedOptions, resolveOptions, withBuiltOptions } from './options/options.js'
import { createBodyCache } from './serve/body-cache.js'
import { createBodySource } from './serve/open-body.js'
import { createPipeline } from './serve/pipeline.js'
import type { StaticAssets } from './static-assets.js'
import type { ImportMapOptions, StaticOptions, TagAttributes } from './types.js'

export type { NextFunction } from './serve/pipeline.js'
export type { StaticAssets } from './static-assets.js'

/** Read size of streamed files. */
const STREAM_CHUNK_BYTES = 256 * 1024

/**
 * Indexes `options.root` and returns the static assets. Options are validated here, so a bad
 * option fails at startup with a {@link StaticConfigError} naming it.
 * @example
 * const assets = await createStatic({ root: 'public' })
 * assets.url('images/logo.png') // → '/static/images/logo.png?v=5d41402abc4b2a76'
 */
export async function createStatic(options: StaticOptions): Promise<StaticAssets> {
  let resolved = resolveOptions(options)
  let manifest: Manifest | undefined
  let entryCheck: EntryCheck | undefined
  if (resolved.manifest !== undefined) {
    if (resolved.dev) {
      throw new StaticConfigError(
        'manifest',
        'cannot be used with dev: true (dev mode hashes files as they change)',
      )
    }
    const target = { ...resolved, root: resolved.roots.map(({ root }) => root) }
    // Startup checks the manifest's form and that it matches the root; each entry's real paths are
    // looked up when it is first used (and every open checks them again on the handle).
    manifest = loadManifest(resolved.manifest, target, { disk: 'on-first-use' })
    entryCheck = createEntryCheck(manifest, resolved.manifest, target)
    resolved = withBuiltOptions(resolved, options, manifest.options, resolved.manifest)
  }
  // The index kind is chosen once, here: a manifest, dev mode's live view of the disk, or a scan.
  const index: AssetIndex =
    manifest !== undefined
      ? createManifestIndex(resolved, manifest, entryCheck)
      : resolved.dev
        ? createLiveIndex(resolved)
        : createScannedIndex(resolved)
  return assemble(resolved, index, manifest)
}

// --- internal ---

function assemble(options: ResolvedOptions, index: AssetIndex, manifest: Manifest | undefined): StaticAssets {
  const { bodies, pipeline } = createServing(options, index, manifest)
  // Read once, for entry() and for url() of a source path the index lacks.
  const bundlerChunks = readBundlerChunks(options)
  checkBundlerFiles(options, bundlerChunks, (file) => index.get(file) !== undefined)
  const url = createUrl(options, index, createSourceLookup(options, bundlerChunks))
  const { integrity, target, tag } = createTagHelpers(options, index)
  const assets = () => index.assets()
  const entryFiles = createEntryFiles(options, bundlerChunks)
  const { earlyHints, linkHeader } = createHints({ options, url: (path) => url(path), entryFiles })
  const devServer = probeDevServer(options)
  return Object.freeze({
    root: options.root,
    roots: Object.freeze(options.roots.map(({ root }) => root)),
    prefix: options.prefix,
    aliases: Object.freeze([...options.aliases.keys()]),
    dev: options.dev,
    versioning: options.versioning,
    buildId: manifest?.buildId,
    url,
    integrity,
    script: (path: string, attributes?: TagAttributes) => tag('script', path, attributes),
    stylesheet: (path: string, attributes?: TagAttributes) => tag('stylesheet', path, attributes),
    entry: createEntry({ options, target, files: entryFiles, devServer }),
    earlyHints,
    linkHeader,
    importMap: (importMapOptions?: ImportMapOptions) =>
      renderImportMap({ options, assets, url, target }, importMapOptions),
    get(path: string) {
      const logicalPath = toLogicalPath(path)
      return logicalPath === undefined ? undefined : index.get(logicalPath)
    },
    assets,
    stats: () => ({
      files: index.count(),
      cachedBodyBytes: bodies.cache.size,
      memoryBudget: options.dev ? 0 : options.memoryBudget,
    }),
    respond: pipeline.respond,
    prepare: pipeline.prepare,
    handle: pipeline.handle,
    fetch: pipeline.fetch,
    async close() {
      devServer?.close()
      bodies.cache.clear()
    },
  })
}

/** The request side: the body source (with its memory cache) and the pipeline over the index. */
function createServing(options: ResolvedOptions, index: AssetIndex, manifest: Manifest | undefined) {
  const bodies = createBodySource(createBodyCache(options.dev ? 0 : options.memoryBudget), {
    memoryMaxFileSize: options.memoryMaxFileSize,
    verifyHash: !options.dev,
    streamChunkBytes: STREAM_CHUNK_BYTES,
  })
  const pipeline = createPipeline({
    index,
    resolve: { index, prefix: options.prefix, aliases: options.aliases, indexFile: options.indexFile },
    plan: {
      policies: createCachePolicies(options),
      setHeaders: options.setHeaders,
      cors: options.cors,
      reused: new WeakMap(),
      dictionaries: dictionaryScheme(options, manifest),
    },
    bodies,
    fallthrough: options.fallthrough,
    notFoundCacheControl: notFoundCacheControl(options.notFoundMaxAge),
  })
  return { bodies, pipeline }
}

/** A build with deltas announces its text files as dictionaries of their next versions. */
function dictionaryScheme(options: ResolvedOptions, manifest: Manifest | undefined) {
  return manifest?.options.deltas === true
    ? { prefix: options.prefix, versioning: options.versioning }
    : undefined
}
