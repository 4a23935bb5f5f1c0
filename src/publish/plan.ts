/**
 * planPublish(): what a publish does with each object, decided from the build and what the bucket
 * holds. Pure: no I/O, so every case is a row of a table in its tests.
 * @module
 */
import { compareKeys, type PublishedObject } from './objects.js'

/** What the bucket holds under one key, as far as a publish compares it. */
export interface RemoteState {
  /** SHA-256 (hex) of its bytes: from the `sha256` metadata, or computed from the bytes when it had none. */
  readonly hash: string
  /** False when the object had no `sha256` metadata (another tool wrote it). */
  readonly hashFromMetadata: boolean
  readonly contentType: string | undefined
  readonly cacheControl: string | undefined
  readonly contentEncoding: string | undefined
}

/**
 * - `upload`: the key is free.
 * - `replace`: a name that is not content-addressed now holds other bytes; or any key holds these
 *   very bytes with other headers or no `sha256` metadata (rewriting the same bytes changes no URL's
 *   content).
 * - `skip`: the key holds these bytes with these headers.
 * - `conflict`: a content-addressed key holds other bytes. Never overwritten: the publish stops.
 */
export type ObjectAction = 'upload' | 'replace' | 'skip' | 'conflict'

export interface PlannedObject {
  readonly key: string
  readonly object: PublishedObject
  readonly action: ObjectAction
  /** Why, in a few words, for --dry-run and errors. */
  readonly reason: string
}

/** What a publish will do. */
export interface PublishPlan {
  /** Every object of the build, in key order. */
  readonly objects: readonly PlannedObject[]
  /** Keys to remove once the new manifest is up, in key order. */
  readonly deletions: readonly string[]
}

/** What {@link planPublish} decides from. */
export interface PlanInput {
  /** The key prefix (empty, or ending with `/`). */
  readonly prefix: string
  readonly objects: readonly PublishedObject[]
  /** What the bucket holds under the keys of `objects` that exist; a key missing here is free. */
  readonly remote: ReadonlyMap<string, RemoteState>
  /** Every key listed under the prefix. */
  readonly existing: ReadonlySet<string>
  /** Files (relative to the prefix) named by the manifests that stay: the new one and the last ones kept. */
  readonly kept: ReadonlySet<string>
  /** Files named by the published manifests that retention lets go. */
  readonly dropped: ReadonlySet<string>
}

/**
 * Decides each object's action, and the keys to delete: those named by a manifest that retention
 * lets go, by none that stays, and present in the bucket. Nothing is deleted that was not named by
 * a manifest vstatic published, whatever else the prefix holds.
 */
export function planPublish(input: PlanInput): PublishPlan {
  const objects = input.objects.map((object) => planObject(input.prefix + object.file, object, input.remote))
  const published = new Set(input.objects.map((object) => object.file))
  const deletions = [...input.dropped]
    .filter((file) => !input.kept.has(file) && !published.has(file))
    .map((file) => input.prefix + file)
    .filter((key) => input.existing.has(key))
    .sort(compareKeys)
  return { objects, deletions }
}

// --- internal ---

function planObject(
  key: string,
  object: PublishedObject,
  remote: ReadonlyMap<string, RemoteState>,
): PlannedObject {
  const found = remote.get(key)
  if (found === undefined) return { key, object, action: 'upload', reason: 'new' }
  if (found.hash !== object.hash) {
    if (object.contentAddressed) {
      return {
        key,
        object,
        action: 'conflict',
        reason: `holds other bytes (sha256 ${found.hash}, expected ${object.hash})`,
      }
    }
    return { key, object, action: 'replace', reason: 'changed' }
  }
  const differences = headerDifferences(object, found)
  if (!found.hashFromMetadata) differences.push('sha256 metadata')
  if (differences.length > 0) {
    return { key, object, action: 'replace', reason: `same bytes, other ${differences.join(', ')}` }
  }
  return { key, object, action: 'skip', reason: 'same bytes and headers' }
}

function headerDifferences(object: PublishedObject, found: RemoteState): string[] {
  const differences: string[] = []
  if (found.contentType !== object.contentType) differences.push('Content-Type')
  if (found.cacheControl !== object.cacheControl) differences.push('Cache-Control')
  if ((found.contentEncoding ?? undefined) !== object.contentEncoding) differences.push('Content-Encoding')
  return differences
}
