/**
 * rereadAsset(): the asset a file of the index makes now, read again through an identity-checked
 * open. Whatever the bytes say wins: a changed file gets its new hash, size and validators, and
 * loses what described the old bytes (variants, a bundler's fingerprint, a recorded integrity).
 * @module
 */

import { contentTypeFor, createAsset } from '../root/asset.js'
import { type RereadRules, rereadFile } from '../root/read-file.js'
import { recheckVariants } from '../root/variants.js'
import type { Asset } from '../types.js'
import type { Reread } from './tracker.js'

/** A token that URLs keep, and the hash of the bytes it names (a manifest's entry). */
export interface KeptToken {
  readonly token: string
  readonly hash: string
}

/**
 * Re-reads `current`. With `kept`, URLs keep naming the asset by that token, which earns
 * `immutable` only while the bytes still hash to what it names; otherwise the token is the new
 * bytes' own. `warn` hears of precompressed variants dropped because they no longer match.
 */
export async function rereadAsset(
  current: Asset,
  rules: RereadRules,
  kept: KeptToken | undefined,
  warn: (message: string) => void,
): Promise<Reread> {
  const reread = await rereadFile(current.logicalPath, current.absolutePath, rules)
  if (typeof reread === 'string') return reread
  const unchanged = reread.result.hash === current.hash
  return createAsset({
    logicalPath: current.logicalPath,
    root: current.root,
    absolutePath: current.absolutePath,
    size: reread.size,
    mtimeMs: reread.mtimeMs,
    hash: reread.result.hash,
    token: kept?.token ?? reread.result.token,
    tokenMatchesBytes: kept === undefined || reread.result.hash === kept.hash,
    body: reread.result.body,
    encodings: unchanged
      ? await recheckVariants(current.encodings, rules.rule, (variant) =>
          warn(
            `${variant.absolutePath} changed on disk; ${current.logicalPath} is no longer served as ${variant.encoding}`,
          ),
        )
      : [],
    fingerprinted: unchanged && current.fingerprinted,
    integrity: unchanged ? current.integrity : undefined,
    references: reread.result.references,
    // New bytes may be in another encoding: their charset is decided again.
    contentType: unchanged ? current.contentType : contentTypeFor(current.logicalPath, reread.utf8),
    identity: reread.identity,
  })
}
