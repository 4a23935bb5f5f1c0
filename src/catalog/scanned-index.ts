import { createScratch } from '../hash.js'
import type { ResolvedOptions } from '../options.js'
import { resolveGraph } from '../rewrite/asset-graph.js'
import type { Asset } from '../types.js'
import { createAsset } from './asset.js'
import { type AssetIndex, addDirectories } from './asset-index.js'
import { type ReadFile, readSourceSync, toGraphOptions } from './read.js'
import { refreshEntry } from './refresh.js'
import { type ScannedFile, scanRoot, splitVariants } from './scan.js'
import { checkVariants } from './variants.js'

/** Scans, reads and hashes the root once; a request is then a map lookup. */
export function createSnapshotIndex(options: ResolvedOptions): AssetIndex {
  const scanned = scanRoot(options.realRoot, options)
  const { originals, variants } = splitVariants(scanned)
  const scratch = createScratch()
  const reads = new Map<string, { file: ScannedFile; read: ReadFile }>()
  for (const file of originals) {
    const read = readSourceSync(file.logicalPath, file.absolutePath, scratch, options.isFingerprinted)
    if (read !== undefined) reads.set(file.logicalPath, { file, read })
  }
  const sources = new Map([...reads].map(([logicalPath, { read }]) => [logicalPath, read.source]))
  const resolved = resolveGraph(sources, toGraphOptions(options))

  const byPath = new Map<string, Asset>()
  const directories = new Set<string>()
  for (const [logicalPath, { file, read }] of reads) {
    const result = resolved.get(logicalPath)
    if (result === undefined) continue
    const encodings = checkVariants(variants.get(logicalPath) ?? [], result.hash, options.onWarning)
    byPath.set(
      logicalPath,
      createAsset({
        logicalPath,
        absolutePath: file.absolutePath,
        size: result.body?.length ?? read.size,
        mtimeMs: read.mtimeMs,
        hash: result.hash,
        token: result.token,
        body: result.body,
        encodings,
        fingerprinted: options.isFingerprinted(logicalPath),
        references: result.references,
      }),
    )
    addDirectories(directories, logicalPath)
  }
  return {
    get: (logicalPath) => byPath.get(logicalPath),
    getRetained: () => undefined,
    isDirectory: (logicalPath) => directories.has(logicalPath),
    refresh: (logicalPath) => refreshEntry((target) => byPath.get(target), byPath, logicalPath, options),
    assets: () => [...byPath.values()],
    count: () => byPath.size,
  }
}
