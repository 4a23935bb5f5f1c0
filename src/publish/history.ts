/**
 * The manifests a publish leaves under the prefix: the current one, which apps and the next publish
 * read, and a copy of each published manifest under `.vstatic/manifests/`, oldest first by name, so
 * that the next publish knows what the last `keep` of them named.
 * @module
 */
import { compareKeys } from './objects.js'
import type { ListedObject } from './store.js'

/** The folder, under the prefix, of the published manifests. */
export const HISTORY_FOLDER = '.vstatic/manifests/'

/**
 * The key of a published manifest: the time of the publish, to the millisecond, then the build id,
 * so that key order is publish order.
 * @example historyKey('static/', new Date('2026-12-06T11:54:46.085Z'), '84cc35348b9dcfdd')
 * // → 'static/.vstatic/manifests/20261206T115446085Z-84cc35348b9dcfdd.json'
 */
export function historyKey(prefix: string, publishedAt: Date, buildId: string): string {
  const stamp = publishedAt.toISOString().replace(/[-:.]/g, '')
  return `${prefix}${HISTORY_FOLDER}${stamp}-${buildId}.json`
}

/** The published manifests among the listed objects, oldest first. */
export function historyOf(listed: readonly ListedObject[], prefix: string): ListedObject[] {
  const folder = prefix + HISTORY_FOLDER
  const pattern = /^\d{8}T\d{9}Z-[0-9a-zA-Z]+\.json$/
  return listed
    .filter((object) => object.key.startsWith(folder) && pattern.test(object.key.slice(folder.length)))
    .sort((a, b) => compareKeys(a.key, b.key))
}

/** Which published manifests stay and which retention lets go. */
export interface Retention<Item> {
  /** Published manifests that stay besides the new one, oldest first. */
  readonly kept: readonly Item[]
  readonly dropped: readonly Item[]
}

/**
 * Splits the history (oldest first) for `keep` manifests, the new one included. When the newest
 * published manifest is the one being published (`newestIsCurrent`), it counts as the new one and is
 * not written again.
 * @example splitRetention(['a', 'b', 'c'], 2, false) // → { kept: ['c'], dropped: ['a', 'b'] }
 */
export function splitRetention<Item>(
  history: readonly Item[],
  keep: number,
  newestIsCurrent: boolean,
): Retention<Item> {
  const stays = newestIsCurrent ? keep : keep - 1
  const cut = Math.max(0, history.length - stays)
  return { kept: history.slice(cut), dropped: history.slice(0, cut) }
}
