/**
 * The manifest index: loaded from a manifest written by `vstatic build`; assets are made on first use.
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import type { ResolvedOptions } from '../options.js'
import type { Asset } from '../types.js'
import { createAsset } from './asset.js'
import { type AssetIndex, addDirectories, byLogicalPath } from './asset-index.js'
import type { Manifest, RetainedFile } from './manifest.js'
import { rereadWithReferences, toGraphOptions } from './read.js'
import { refreshEntry } from './refresh.js'
import { toVariants } from './variants.js'

/** The index a manifest describes, for files under `options.root`. */
export function createManifestIndex(options: ResolvedOptions, manifest: Manifest): AssetIndex {
  const builtAtMs = Date.parse(manifest.builtAt)
  const sourceLayout = manifest.options.layout === 'source'
  const graphOptions = toGraphOptions(options)
  const entries = new Map(Object.entries(manifest.assets))
  const directories = new Set<string>()
  for (const logicalPath of entries.keys()) addDirectories(directories, logicalPath)
  // Assets are made on first use, so startup is the parse alone; each costs one stat then.
  const byPath = new Map<string, Asset>()

  function materialize(logicalPath: string): Asset | undefined {
    const entry = entries.get(logicalPath)
    if (entry === undefined) return undefined
    const absolutePath = path.join(options.root, entry.file ?? logicalPath)
    let body: Buffer | undefined
    let hash = entry.hash
    if (entry.rewritten && sourceLayout) {
      // The root holds the source files: rewrite their references with the manifest's tokens.
      const reread = rereadWithReferences(logicalPath, absolutePath, (target) => entries.get(target)?.token, {
        ...graphOptions,
        onWarning: () => {},
      })
      if (reread !== undefined) {
        body = reread.result.body
        hash = reread.result.hash
        if (hash !== entry.hash) {
          options.onWarning(
            `${logicalPath} changed since the manifest was built; rebuild it with "vstatic build"`,
          )
        }
      }
    }
    const asset = createAsset({
      logicalPath,
      absolutePath,
      size: body?.length ?? entry.size,
      // Manifests record no mtimes (builds must be reproducible): Last-Modified comes from one stat,
      // as nginx would send it for the same file, or the build time if the file is gone.
      mtimeMs: statSync(absolutePath, { throwIfNoEntry: false })?.mtimeMs ?? builtAtMs,
      hash,
      token: entry.token,
      body,
      encodings: toVariants(entry.encodings, options.root),
      fingerprinted: entry.fingerprinted ?? false,
      integrity: hash === entry.hash ? entry.integrity : undefined,
      references: entry.references ?? [],
      contentType: entry.contentType,
    })
    byPath.set(logicalPath, asset)
    return asset
  }

  const get = (logicalPath: string) => byPath.get(logicalPath) ?? materialize(logicalPath)

  const retainedFiles = new Map<string, { file: string; old: RetainedFile; builtAt: string }>()
  for (const build of manifest.history) {
    for (const [file, old] of Object.entries(build.files)) {
      const key = `${old.logicalPath}\0${old.token}`
      if (!retainedFiles.has(key)) retainedFiles.set(key, { file, old, builtAt: build.builtAt })
    }
  }
  const retained = new Map<string, Asset>()
  function getRetained(logicalPath: string, token: string): Asset | undefined {
    const key = `${logicalPath}\0${token}`
    const known = retained.get(key)
    if (known !== undefined) return known
    const found = retainedFiles.get(key)
    if (found === undefined) return undefined
    const retainedAtMs = Date.parse(found.builtAt)
    const absolutePath = path.join(options.root, found.file)
    const asset = createAsset({
      logicalPath,
      absolutePath,
      size: found.old.size,
      mtimeMs:
        statSync(absolutePath, { throwIfNoEntry: false })?.mtimeMs ??
        (Number.isNaN(retainedAtMs) ? builtAtMs : retainedAtMs),
      hash: found.old.hash,
      token: found.old.token,
      encodings: toVariants(found.old.encodings, options.root),
      contentType: found.old.contentType,
    })
    retained.set(key, asset)
    return asset
  }

  return {
    get,
    getRetained,
    isDirectory: (logicalPath) => directories.has(logicalPath),
    refresh: (logicalPath) => refreshEntry(get, byPath, logicalPath, options),
    assets: () =>
      [...entries.keys()]
        .map(get)
        .filter((asset): asset is Asset => asset !== undefined)
        .sort(byLogicalPath),
    count: () => entries.size,
  }
}
