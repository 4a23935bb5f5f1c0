/**
 * The objects a build becomes on object storage: every file its manifest names in the output
 * directory, each with the headers vstatic's own handler sends for it (Content-Type with charset,
 * immutable Cache-Control exactly for content-addressed names, Content-Encoding on variants) and
 * its SHA-256 and SRI as metadata.
 * @module
 */
import { createCachePolicies } from '../http/cache-control.js'
import { ENCODINGS, encodingExtension } from '../http/encoding.js'
import type { Manifest, ManifestVariant } from '../manifest/format.js'
import { ONE_YEAR_SECONDS } from '../options/options.js'
import type { Encoding } from '../types.js'
import { PublishError } from './store.js'

/** One object to publish, under the target's prefix. */
export interface PublishedObject {
  /** Its path in the output directory, which is its key under the prefix. */
  readonly file: string
  /** The logical path it serves, for messages. */
  readonly logicalPath: string
  /** SHA-256 (hex) of the bytes stored: the encoded bytes for a variant. */
  readonly hash: string
  readonly size: number
  /** The type of the file as served (a variant has its original's). */
  readonly contentType: string
  readonly cacheControl: string
  readonly contentEncoding: Encoding | undefined
  /**
   * True when the name carries the content's token (a fingerprinted copy, a bundler's fingerprinted
   * file, a file kept from an earlier build, and their variants): written once, with
   * `If-None-Match: *`, never overwritten with other bytes.
   */
  readonly contentAddressed: boolean
  /** SRI of the response a browser checks (the decoded bytes, for a variant); undefined when the manifest has none. */
  readonly integrity: string | undefined
  /** Files of the output directory that hold these bytes, in the order they are tried. */
  readonly sources: readonly string[]
}

/** Options of {@link toPublishedObjects}. */
export interface ObjectOptions {
  /** Publish the precompressed variants under their own keys. */
  readonly variants: boolean
  /** `max-age` of names that are not content-addressed; 0 sends `no-cache`, as vstatic's handler. */
  readonly maxAge: number
}

/**
 * Every object of `manifest`, sorted by key: the current files under their logical paths and
 * fingerprinted names, the files of the builds it keeps (`build --keep`), and with `variants` their
 * precompressed variants. A name two entries claim with different bytes is an error.
 */
export function toPublishedObjects(manifest: Manifest, options: ObjectOptions): PublishedObject[] {
  const policies = createCachePolicies({ maxAge: options.maxAge, immutableMaxAge: ONE_YEAR_SECONDS })
  const cache: CachePair = { immutable: policies.immutable.cacheControl, plain: policies.plain.cacheControl }
  const objects = new Map<string, PublishedObject>()
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    for (const object of currentObjects(logicalPath, entry, cache, options.variants))
      addObject(objects, object)
  }
  for (const build of manifest.history) {
    for (const [file, retained] of Object.entries(build.files)) {
      for (const object of keptObjects(file, retained, cache.immutable, options.variants))
        addObject(objects, object)
    }
  }
  return [...objects.values()].sort((a, b) => compareKeys(a.file, b.file))
}

/** The Cache-Control of content-addressed keys and of the others. */
interface CachePair {
  readonly immutable: string
  readonly plain: string
}

/** Adds `object` under its key; the same key twice must hold the same bytes. */
function addObject(objects: Map<string, PublishedObject>, object: PublishedObject): void {
  const existing = objects.get(object.file)
  if (existing === undefined) {
    objects.set(object.file, object)
    return
  }
  if (existing.hash !== object.hash) {
    throw new PublishError(
      `the manifest names ${JSON.stringify(object.file)} twice with different bytes (for ${JSON.stringify(existing.logicalPath)} and ${JSON.stringify(object.logicalPath)}); rebuild it`,
      { key: object.file },
    )
  }
  // The same bytes as a current file and as a kept one: content-addressed wins, as in the handler.
  if (object.contentAddressed && !existing.contentAddressed) objects.set(object.file, object)
}

/** The objects of a current file: its plain name, its fingerprinted copy, and their variants. */
function currentObjects(
  logicalPath: string,
  entry: Manifest['assets'][string],
  cache: CachePair,
  withVariants: boolean,
): PublishedObject[] {
  const fingerprinted = entry.fingerprinted === true
  const base = {
    logicalPath,
    hash: entry.hash,
    size: entry.size,
    contentType: entry.contentType,
    contentEncoding: undefined,
    integrity: entry.integrity,
  }
  const copies = entry.file === undefined ? [logicalPath] : [logicalPath, entry.file]
  const objects: PublishedObject[] = [
    {
      ...base,
      file: logicalPath,
      cacheControl: fingerprinted ? cache.immutable : cache.plain,
      contentAddressed: fingerprinted,
      sources: copies,
    },
  ]
  if (entry.file !== undefined) {
    objects.push({
      ...base,
      file: entry.file,
      cacheControl: cache.immutable,
      contentAddressed: true,
      sources: [entry.file, logicalPath],
    })
  }
  if (!withVariants) return objects
  for (const [encoding, variant] of variantsOf(entry.encodings)) {
    const variantBase = { ...base, hash: variant.hash, size: variant.size, contentEncoding: encoding }
    const plainName = logicalPath + encodingExtension(encoding)
    // The variant beside the fingerprinted copy (or beside a bundler's fingerprinted file).
    const addressed = entry.file !== undefined || fingerprinted
    objects.push({
      ...variantBase,
      file: variant.file,
      cacheControl: addressed ? cache.immutable : cache.plain,
      contentAddressed: addressed,
      sources: [variant.file, plainName],
    })
    if (variant.file !== plainName) {
      objects.push({
        ...variantBase,
        file: plainName,
        cacheControl: fingerprinted ? cache.immutable : cache.plain,
        contentAddressed: fingerprinted,
        sources: [plainName, variant.file],
      })
    }
  }
  return objects
}

/** The objects of a file kept from an earlier build: content-addressed, with its variants. */
function keptObjects(
  file: string,
  retained: Manifest['history'][number]['files'][string],
  immutable: string,
  withVariants: boolean,
): PublishedObject[] {
  const base = {
    logicalPath: retained.logicalPath,
    contentType: retained.contentType,
    cacheControl: immutable,
    contentAddressed: true,
    integrity: undefined,
  }
  const objects: PublishedObject[] = [
    { ...base, file, hash: retained.hash, size: retained.size, contentEncoding: undefined, sources: [file] },
  ]
  if (!withVariants) return objects
  for (const [encoding, variant] of variantsOf(retained.encodings)) {
    objects.push({
      ...base,
      file: variant.file,
      hash: variant.hash,
      size: variant.size,
      contentEncoding: encoding,
      sources: [variant.file],
    })
  }
  return objects
}

/**
 * Every name a manifest's URLs can reach in the output directory, variants included (published or
 * not): what retention keeps while the manifest is among the last `keep` published.
 */
export function referencedFiles(manifest: Manifest): Set<string> {
  const files = new Set<string>()
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    files.add(logicalPath)
    if (entry.file !== undefined) files.add(entry.file)
    for (const encoding of ENCODINGS) files.add(logicalPath + encodingExtension(encoding))
    for (const [, variant] of variantsOf(entry.encodings)) files.add(variant.file)
  }
  for (const build of manifest.history) {
    for (const [file, retained] of Object.entries(build.files)) {
      files.add(file)
      for (const [, variant] of variantsOf(retained.encodings)) files.add(variant.file)
    }
  }
  return files
}

/** Orders keys by code unit, as S3 lists them (UTF-8 byte order agrees for the paths a manifest holds). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

// --- internal ---

function variantsOf(
  encodings: Readonly<Partial<Record<Encoding, ManifestVariant>>> | undefined,
): Array<[Encoding, ManifestVariant]> {
  if (encodings === undefined) return []
  const found: Array<[Encoding, ManifestVariant]> = []
  for (const encoding of ENCODINGS) {
    const variant = encodings[encoding]
    if (variant !== undefined) found.push([encoding, variant])
  }
  return found
}
