/**
 * The scanned index (production without a manifest): the root is read and hashed once at startup;
 * then a request is a map lookup plus, at most once a second per file, one `stat`. An edit on disk
 * is served within about a second with its new token, ETag, length and Last-Modified, and the files
 * that reference it are rewritten with its new token.
 * @module
 */
import { byLogicalPath } from '../logical-path.js'
import type { ResolvedOptions } from '../options/options.js'
import { type RereadRules, toGraphOptions } from '../root/read-file.js'
import { readRoot, toRootAsset } from '../root/read-root.js'
import { rootNamed } from '../root/roots.js'
import type { Asset } from '../types.js'
import { type AssetIndex, addDirectories } from './asset-index.js'
import { rereadAsset } from './refresh.js'
import { createTracker } from './tracker.js'

/** Scans, reads and hashes the root once. */
export function createScannedIndex(options: ResolvedOptions): AssetIndex {
  const initial = readAssets(options)
  const directories = new Set<string>()
  for (const asset of initial) addDirectories(directories, asset.logicalPath)

  const rules: Omit<RereadRules, 'rule'> = {
    graphOptions: toGraphOptions(options),
    tokenOf: (logicalPath) => tracker.get(logicalPath)?.token,
    rewriteReferences: true,
  }
  const tracker = createTracker({
    initial,
    // Each file is read again under the rules of the root it was found in.
    reread: (current) =>
      rereadAsset(
        current,
        { ...rules, rule: rootNamed(options.roots, current.root) },
        undefined,
        options.onWarning,
      ),
    onReplaced(previous, next) {
      options.onWarning(
        `${next.logicalPath} changed on disk after it was indexed; serving its new bytes (token ${next.token})`,
        { kind: 'changed-on-disk', paths: [next.logicalPath] },
      )
      // Files that reference it name its old token: rewrite them with the new one.
      if (previous.token !== next.token) rereadReferrers(next.logicalPath)
    },
    // Files that reference a deleted file name a token that now answers 404: leave the reference as it is.
    onGone: (previous) => rereadReferrers(previous.logicalPath),
  })
  const rereadReferrers = (logicalPath: string) => {
    for (const asset of tracker.values()) {
      if (asset.references.includes(logicalPath))
        void tracker.refresh(asset.logicalPath).catch(() => undefined)
    }
  }

  return {
    get: (logicalPath) => tracker.get(logicalPath),
    getRetained: () => undefined,
    isDirectory: (logicalPath) => directories.has(logicalPath),
    verify: (asset) => tracker.verify(asset),
    isFresh: (asset) => tracker.isFresh(asset),
    refresh: (logicalPath) => tracker.refresh(logicalPath),
    assets: () => tracker.values().sort(byLogicalPath),
    count: () => tracker.values().length,
  }
}

// --- internal ---

/**
 * The assets of the root. Its own function, so that what was read to make them (texts, sources) is
 * garbage once they exist: a closure of createScannedIndex that named it would keep it alive as long
 * as the index.
 */
function readAssets(options: ResolvedOptions): Asset[] {
  const contents = readRoot(options)
  return contents.files.map((file) => toRootAsset(file, contents, options))
}
