/**
 * publish(): `vstatic publish`. Puts a build's output directory on S3-compatible object storage,
 * exactly (each object with the headers vstatic's handler sends), idempotently (a key that holds the
 * same SHA-256 is skipped) and in order: assets, a check that they are all there, the manifest last,
 * then the removal of what no kept manifest names.
 * @module
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { StaticConfigError } from '../errors.js'
import { hashContent } from '../hash.js'
import { type Manifest, parseManifest } from '../manifest/format.js'
import { contentTypeFor } from '../root/asset.js'
import { forEachConcurrent } from './concurrent.js'
import { HISTORY_FOLDER, historyKey, historyOf, splitRetention } from './history.js'
import { type PublishedObject, referencedFiles, toPublishedObjects } from './objects.js'
import { type PlannedObject, type PublishPlan, planPublish, type RemoteState } from './plan.js'
import { createS3Store, type S3Credentials } from './s3-store.js'
import { type ListedObject, type ObjectStore, PublishError, type PutRequest } from './store.js'
import { parseTarget } from './target.js'

export type { ObjectAction, PlannedObject, PublishPlan } from './plan.js'
export type { S3Credentials } from './s3-store.js'
export { PublishError } from './store.js'

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The build's output directory (`vstatic build --out-dir`). */
  readonly outDir: string
  /** The manifest of that build. @default 'static-manifest.json' */
  readonly manifest?: string
  /** Where to: `s3://bucket/prefix`. The prefix is the manifest's URL prefix as the CDN maps it. */
  readonly to: string
  /**
   * The manifest's key under the prefix, whatever the local file is called (so that publishing an
   * older manifest to roll back replaces the current one). @default 'static-manifest.json'
   */
  readonly manifestKey?: string
  /** An S3-compatible endpoint (R2, MinIO, Ceph, …), addressed path-style. @default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS */
  readonly endpoint?: string
  /** @default the SDK's chain: AWS_REGION, the profile's region */
  readonly region?: string
  /** @default the SDK's chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE, SSO, instance roles */
  readonly credentials?: S3Credentials
  /** How many published builds keep their objects, this one included (as `build --keep`). @default 2 */
  readonly keep?: number
  /** Plan only: read the bucket, write nothing. @default false */
  readonly dryRun?: boolean
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number
  /**
   * Also publish the precompressed variants under their own keys, with `Content-Encoding`. Object
   * storage cannot negotiate: a CDN rule must pick them (see the publish guide). @default false
   */
  readonly variants?: boolean
  /** `max-age` for names that are not content-addressed, as vstatic's `maxAge`; 0 sends `no-cache`. @default 0 */
  readonly maxAge?: number
  /** Attempts per request, with exponential backoff, on 5xx, throttling and reset connections. @default 5 */
  readonly maxAttempts?: number
  readonly onProgress?: (progress: PublishProgress) => void
  readonly onWarning?: (message: string) => void
  /** Stops the publish between requests; what was written stays valid (the manifest goes last). */
  readonly signal?: AbortSignal
  /** The time recorded in the published manifest's history key. @default now */
  readonly now?: Date
}

/** Where a publish is. */
export interface PublishProgress {
  readonly phase: 'check' | 'upload' | 'verify' | 'delete'
  readonly done: number
  readonly total: number
  /** Bytes uploaded so far (the upload phase). */
  readonly bytes: number
}

/** Files and bytes. */
export interface PublishCount {
  readonly files: number
  readonly bytes: number
}

/** What a publish did (or, with `dryRun`, would do). */
export interface PublishSummary {
  /** `s3://bucket/prefix/`. */
  readonly location: string
  readonly buildId: string
  /** The key of the current manifest. */
  readonly manifestKey: string
  readonly dryRun: boolean
  /** Objects written (new keys and replaced ones), the manifests not counted. */
  readonly uploaded: PublishCount
  readonly skipped: PublishCount
  /** Objects removed: those no kept manifest names, then the published manifests let go. */
  readonly deleted: readonly string[]
  /** Manifest objects written: the current one and its copy in the history (0 when both held it). */
  readonly manifestsWritten: number
  /** Published manifests kept, the new one included. */
  readonly keptManifests: number
  readonly plan: PublishPlan
  readonly warnings: readonly string[]
  readonly durationMs: number
}

/** Publishes a build. Throws PublishError (or StaticConfigError for a bad option) and writes no manifest on failure. */
export async function publish(options: PublishOptions): Promise<PublishSummary> {
  const started = performance.now()
  const settings = resolveSettings(options)
  const warnings: string[] = []
  const warn = (message: string) => {
    warnings.push(message)
    options.onWarning?.(message)
  }
  const build = readBuild(settings, warn)
  const store = await createS3Store({
    target: settings.target,
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials,
    maxAttempts: settings.maxAttempts,
    signal: options.signal,
  })
  const run = new PublishRun(store, settings, build, options.onProgress, warn, options.signal)
  const state = await run.readBucket()
  const plan = planPublish({
    prefix: settings.target.prefix,
    objects: build.objects,
    remote: state.remote,
    existing: state.existing,
    kept: state.kept,
    dropped: state.dropped,
  })
  const conflicts = plan.objects.filter((planned) => planned.action === 'conflict')
  if (conflicts.length > 0) throw conflictError(conflicts, store.location)
  const writes = plan.objects.filter((planned) => planned.action === 'upload' || planned.action === 'replace')
  let raced: PlannedObject[] = []
  let manifestsWritten = 0
  let deleted: string[] = []
  if (!settings.dryRun) {
    raced = await run.upload(writes)
    await run.verify()
    manifestsWritten = await run.writeManifest(state)
    deleted = await run.remove(plan.deletions, state)
  }
  const written = writes.filter((planned) => !raced.includes(planned))
  const skipped = plan.objects.filter((planned) => planned.action === 'skip' || raced.includes(planned))
  return {
    location: store.location,
    buildId: build.manifest.buildId,
    manifestKey: build.manifestKey,
    dryRun: settings.dryRun,
    uploaded: count(written),
    skipped: count(skipped),
    deleted,
    manifestsWritten,
    keptManifests: state.retention.kept.length + 1,
    plan,
    warnings,
    durationMs: Math.round(performance.now() - started),
  }
}

// --- internal ---

interface Settings {
  readonly outDir: string
  readonly manifestPath: string
  readonly manifestKey: string
  readonly target: ReturnType<typeof parseTarget>
  readonly keep: number
  readonly concurrency: number
  readonly variants: boolean
  readonly maxAge: number
  readonly maxAttempts: number
  readonly dryRun: boolean
  readonly now: Date | undefined
}

function resolveSettings(options: PublishOptions): Settings {
  const whole = (option: string, value: number | undefined, fallback: number, least: number): number => {
    const resolved = value ?? fallback
    if (!Number.isSafeInteger(resolved) || resolved < least) {
      throw new StaticConfigError(
        option,
        `must be a whole number, ${least} or more, got ${JSON.stringify(value)}`,
      )
    }
    return resolved
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw new StaticConfigError(
      'outDir',
      'must name the output directory of the build (vstatic build --out-dir)',
    )
  }
  return {
    outDir: path.resolve(options.outDir),
    manifestPath: path.resolve(options.manifest ?? 'static-manifest.json'),
    manifestKey: checkManifestKey(options.manifestKey ?? 'static-manifest.json'),
    target: parseTarget(options.to),
    keep: whole('keep', options.keep, 2, 1),
    concurrency: whole('concurrency', options.concurrency, 8, 1),
    variants: options.variants === true,
    maxAge: whole('maxAge', options.maxAge, 0, 0),
    maxAttempts: whole('maxAttempts', options.maxAttempts, 5, 1),
    dryRun: options.dryRun === true,
    now: options.now,
  }
}

/** The build being published, read once. */
interface Build {
  readonly manifest: Manifest
  /** The manifest file's bytes, published as they are. */
  readonly manifestBytes: Buffer
  readonly manifestHash: string
  /** The key of the current manifest: the prefix and the manifest file's name. */
  readonly manifestKey: string
  readonly objects: readonly PublishedObject[]
  /** Every file the new manifest names (variants included), kept whatever the retention. */
  readonly referenced: ReadonlySet<string>
}

function readBuild(settings: Settings, warn: (message: string) => void): Build {
  const { manifestPath, target } = settings
  let manifestBytes: Buffer
  try {
    manifestBytes = readFileSync(manifestPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new StaticConfigError(
      'manifest',
      `${JSON.stringify(manifestPath)} ${code === 'ENOENT' ? 'does not exist; run "vstatic build --out-dir <dir>" to create it' : `cannot be read (${code ?? String(error)})`}`,
      { cause: error },
    )
  }
  const manifest = parseManifest(manifestBytes.toString('utf8'), manifestPath)
  if (manifest.options.layout !== 'out-dir') {
    throw new StaticConfigError(
      'manifest',
      `${JSON.stringify(manifestPath)} was built without --out-dir; publish needs the output directory, with its fingerprinted copies: run "vstatic build <root> --out-dir <dir>"`,
    )
  }
  if (manifest.options.versioning === 'query') {
    warn(
      `${path.basename(manifestPath)} uses query versioning: its URLs (app.css?v=…) name the plain keys, which revalidate, and many CDNs ignore the query; build with --versioning filename for immutable URLs`,
    )
  }
  const objects = toPublishedObjects(manifest, { variants: settings.variants, maxAge: settings.maxAge })
  const manifestName = settings.manifestKey
  for (const object of objects) {
    if (object.file === manifestName || object.file.startsWith(HISTORY_FOLDER)) {
      throw new PublishError(
        `the build has a file ${JSON.stringify(object.file)} where publish keeps its manifests (${manifestName}, ${HISTORY_FOLDER}); pass another manifestKey or leave the file out`,
        { key: target.prefix + object.file },
      )
    }
  }
  return {
    manifest,
    manifestBytes,
    manifestHash: hashContent(manifestBytes),
    manifestKey: target.prefix + manifestName,
    objects,
    referenced: referencedFiles(manifest),
  }
}

/** What the bucket holds, read before anything is written. */
interface BucketState {
  readonly existing: ReadonlySet<string>
  readonly listed: ReadonlyMap<string, ListedObject>
  readonly remote: ReadonlyMap<string, RemoteState>
  readonly retention: { readonly kept: readonly ListedObject[]; readonly dropped: readonly ListedObject[] }
  /** True when the newest published manifest is this one: its history copy is not written again. */
  readonly newestIsCurrent: boolean
  /** The current manifest object, as listed, and whether it already holds these bytes and headers. */
  readonly currentManifest: { readonly listed: ListedObject | undefined; readonly upToDate: boolean }
  readonly kept: ReadonlySet<string>
  readonly dropped: ReadonlySet<string>
  /** Published manifests let go whose files are known, so the manifest itself may go after them. */
  readonly droppedManifests: readonly string[]
}

/** The headers every manifest object gets: JSON as vstatic types it, always revalidated. */
const MANIFEST_HEADERS = {
  contentType: contentTypeFor('manifest.json', true),
  cacheControl: 'no-cache',
} as const

class PublishRun {
  private uploadedBytes = 0

  constructor(
    private readonly store: ObjectStore,
    private readonly settings: Settings,
    private readonly build: Build,
    private readonly onProgress: ((progress: PublishProgress) => void) | undefined,
    private readonly warn: (message: string) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Lists the prefix, reads the published manifests and the headers of every key the build has. */
  async readBucket(): Promise<BucketState> {
    const { prefix } = this.settings.target
    const listing = await this.store.list(prefix)
    const listed = new Map(listing.map((object) => [object.key, object]))
    const history = historyOf(listing, prefix)
    // The newest published manifests, as many as could stay, read to know what they name.
    const candidates = history.slice(Math.max(0, history.length - this.settings.keep))
    const newest = candidates.at(-1)
    const newestBytes = newest === undefined ? undefined : await this.store.get(newest.key)
    const newestIsCurrent = newestBytes !== undefined && hashContent(newestBytes) === this.build.manifestHash
    const retention = splitRetention(history, this.settings.keep, newestIsCurrent)
    const kept = new Set(this.build.referenced)
    let keptKnown = true
    for (const item of retention.kept) {
      const files = await this.readReferences(item.key)
      if (files === undefined) keptKnown = false
      else for (const file of files) kept.add(file)
    }
    // The manifest in force until this publish replaces it: apps rendered with it may still be running.
    const current = listed.get(this.build.manifestKey)
    let upToDate = false
    if (current !== undefined) {
      const head = await this.store.head(current.key)
      upToDate =
        head?.metadata.sha256 === this.build.manifestHash &&
        head.contentType === MANIFEST_HEADERS.contentType &&
        head.cacheControl === MANIFEST_HEADERS.cacheControl
      const files = upToDate ? this.build.referenced : await this.readReferences(current.key)
      if (files === undefined) keptKnown = false
      else for (const file of files) kept.add(file)
    }
    const dropped = new Set<string>()
    const droppedManifests: string[] = []
    if (keptKnown) {
      for (const item of retention.dropped) {
        const files = await this.readReferences(item.key)
        if (files === undefined) continue
        for (const file of files) dropped.add(file)
        droppedManifests.push(item.key)
      }
    } else {
      this.warn('a kept manifest cannot be read, so nothing is deleted this time')
    }
    const remote = await this.readRemote(listed)
    return {
      existing: new Set(listed.keys()),
      listed,
      remote,
      retention,
      newestIsCurrent,
      currentManifest: { listed: current, upToDate },
      kept,
      dropped,
      droppedManifests,
    }
  }

  /** Writes the objects to upload or replace; returns those another writer had already put in place. */
  async upload(writes: readonly PlannedObject[]): Promise<PlannedObject[]> {
    const raced: PlannedObject[] = []
    let done = 0
    this.progress('upload', 0, writes.length)
    await forEachConcurrent(writes, this.settings.concurrency, async (planned) => {
      this.throwIfAborted()
      const body = await this.readSource(planned.object)
      const result = await this.store.put(this.toPut(planned, body))
      if (result === 'precondition-failed') {
        // The key was written in the meantime (a retried request that had landed, or another
        // publish): fine if it holds these bytes, a conflict otherwise.
        const head = await this.store.head(planned.key)
        if (head?.metadata.sha256 !== planned.object.hash) {
          throw new PublishError(
            `${planned.key} was written with other bytes while this publish ran (sha256 ${head?.metadata.sha256 ?? 'unknown'}, expected ${planned.object.hash}); nothing was overwritten`,
            { key: planned.key },
          )
        }
        raced.push(planned)
      } else {
        this.uploadedBytes += body.byteLength
      }
      this.progress('upload', ++done, writes.length)
    })
    return raced
  }

  /** Checks that every object of the build is in the bucket with its bytes, before the manifest names them. */
  async verify(): Promise<void> {
    const { objects } = this.build
    const { prefix } = this.settings.target
    let done = 0
    this.progress('verify', 0, objects.length)
    await forEachConcurrent(objects, this.settings.concurrency, async (object) => {
      this.throwIfAborted()
      const key = prefix + object.file
      const head = await this.store.head(key)
      if (head === undefined) {
        throw new PublishError(`${key} is missing after the upload; the manifest was not published`, { key })
      }
      if (head.metadata.sha256 !== object.hash) {
        throw new PublishError(
          `${key} holds other bytes after the upload (sha256 ${head.metadata.sha256 ?? 'not recorded'}, expected ${object.hash}); the manifest was not published`,
          { key },
        )
      }
      this.progress('verify', ++done, objects.length)
    })
  }

  /** Writes the manifest's copy in the history, then the current manifest. Returns the objects written. */
  async writeManifest(state: BucketState): Promise<number> {
    const { manifest, manifestBytes, manifestHash, manifestKey } = this.build
    const metadata = { sha256: manifestHash, 'build-id': manifest.buildId }
    let written = 0
    this.throwIfAborted()
    if (!state.newestIsCurrent) {
      const key = historyKey(this.settings.target.prefix, this.settings.now ?? new Date(), manifest.buildId)
      await this.putOrFail({
        key,
        body: manifestBytes,
        ...MANIFEST_HEADERS,
        contentEncoding: undefined,
        metadata,
        condition: { kind: 'absent' },
      })
      written++
    }
    if (!state.currentManifest.upToDate) {
      const etag = state.currentManifest.listed?.etag
      // A compare-and-swap where the store supports it: another publish in between is an error, not a lost update.
      const condition =
        state.currentManifest.listed === undefined
          ? ({ kind: 'absent' } as const)
          : etag === undefined
            ? ({ kind: 'none' } as const)
            : ({ kind: 'etag', etag } as const)
      await this.putOrFail({
        key: manifestKey,
        body: manifestBytes,
        ...MANIFEST_HEADERS,
        contentEncoding: undefined,
        metadata,
        condition,
      })
      written++
    }
    return written
  }

  /** Deletes what retention lets go: the objects first, then the manifests that named them. */
  async remove(deletions: readonly string[], state: BucketState): Promise<string[]> {
    const keys = [...deletions, ...state.droppedManifests]
    let done = 0
    this.progress('delete', 0, keys.length)
    // The objects before the manifests: a publish stopped in between deletes the rest next time.
    for (const group of [deletions, state.droppedManifests]) {
      await forEachConcurrent(group, this.settings.concurrency, async (key) => {
        this.throwIfAborted()
        await this.store.delete(key)
        this.progress('delete', ++done, keys.length)
      })
    }
    return keys
  }

  // --- helpers ---

  /** The files a published manifest names, or undefined (with a warning) when it cannot be read. */
  private async readReferences(key: string): Promise<Set<string> | undefined> {
    const bytes = await this.store.get(key)
    if (bytes === undefined) return new Set()
    try {
      return referencedFiles(
        parseManifest(
          Buffer.from(bytes).toString('utf8'),
          `${this.store.location}${key.slice(this.settings.target.prefix.length)}`,
        ),
      )
    } catch (error) {
      this.warn(
        `the published manifest ${key} cannot be read (${(error as Error).message}); the files it names are left in place`,
      )
      return undefined
    }
  }

  /** The headers and SHA-256 of the build's keys that exist (the bytes hashed when the metadata has none). */
  private async readRemote(listed: ReadonlyMap<string, ListedObject>): Promise<Map<string, RemoteState>> {
    const { prefix } = this.settings.target
    const present = this.build.objects.filter((object) => listed.has(prefix + object.file))
    const remote = new Map<string, RemoteState>()
    let done = 0
    this.progress('check', 0, present.length)
    await forEachConcurrent(present, this.settings.concurrency, async (object) => {
      this.throwIfAborted()
      const key = prefix + object.file
      const head = await this.store.head(key)
      if (head !== undefined) {
        let hash = head.metadata.sha256
        const hashFromMetadata = hash !== undefined && /^[0-9a-f]{64}$/.test(hash)
        if (!hashFromMetadata) {
          const bytes = await this.store.get(key)
          hash = bytes === undefined ? undefined : hashContent(bytes)
        }
        if (hash !== undefined) {
          remote.set(key, {
            hash,
            hashFromMetadata,
            contentType: head.contentType,
            cacheControl: head.cacheControl,
            contentEncoding: head.contentEncoding,
          })
        }
      }
      this.progress('check', ++done, present.length)
    })
    return remote
  }

  /** The bytes of an object, from the first file of the output directory that holds them. */
  private async readSource(object: PublishedObject): Promise<Buffer> {
    const found: string[] = []
    for (const source of object.sources) {
      const file = path.join(this.settings.outDir, source)
      let bytes: Buffer
      try {
        bytes = await readFile(file)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') continue
        throw new PublishError(`cannot read ${file}: ${(error as Error).message}`, { cause: error })
      }
      if (hashContent(bytes) === object.hash) return bytes
      found.push(file)
    }
    const where = object.sources.map((source) => path.join(this.settings.outDir, source)).join(' or ')
    throw new PublishError(
      found.length > 0
        ? `${found.join(', ')} holds other bytes than the manifest records for ${JSON.stringify(object.file)}; rebuild, or pass the output directory this manifest was built into`
        : `${where} is missing: the manifest names ${JSON.stringify(object.file)}; pass the output directory this manifest was built into`,
    )
  }

  private toPut(planned: PlannedObject, body: Buffer): PutRequest {
    const { object } = planned
    const integrity = object.integrity ?? (object.contentEncoding === undefined ? this.sri(body) : undefined)
    return {
      key: planned.key,
      body,
      contentType: object.contentType,
      cacheControl: object.cacheControl,
      contentEncoding: object.contentEncoding,
      metadata: { sha256: object.hash, ...(integrity === undefined ? {} : { integrity }) },
      // A content-addressed key is only ever created: If-None-Match: *. Rewriting one with the very
      // same bytes (to mend its headers) and replacing a plain name are unconditional.
      condition:
        object.contentAddressed && planned.action === 'upload' ? { kind: 'absent' } : { kind: 'none' },
    }
  }

  /** Writes a manifest object; a refused condition is fine only when the key already holds these bytes (a retried write of ours that had landed). */
  private async putOrFail(request: PutRequest): Promise<void> {
    const result = await this.store.put(request)
    if (result === 'written') return
    const head = await this.store.head(request.key)
    if (head !== undefined && head.metadata.sha256 === request.metadata.sha256) return
    throw new PublishError(
      `${request.key} changed while this publish ran (another publish?); nothing was overwritten: run it again`,
      { key: request.key },
    )
  }

  /** SRI of bytes the manifest has none for (files kept from earlier builds), in the build's algorithm. */
  private sri(body: Buffer): string {
    const algorithm = this.build.manifest.options.integrity
    return `${algorithm}-${createHash(algorithm).update(body).digest('base64')}`
  }

  private progress(phase: PublishProgress['phase'], done: number, total: number): void {
    this.onProgress?.({ phase, done, total, bytes: this.uploadedBytes })
  }

  private throwIfAborted(): void {
    const { signal } = this
    if (signal?.aborted === true) {
      throw new PublishError(`publish to ${this.store.location} aborted; run it again to finish`, {
        cause: signal.reason,
      })
    }
  }
}

function checkManifestKey(name: string): string {
  if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..') {
    throw new StaticConfigError('manifestKey', `must be a file name without "/", got ${JSON.stringify(name)}`)
  }
  return name
}

function conflictError(conflicts: readonly PlannedObject[], location: string): PublishError {
  const [first] = conflicts
  const listed = conflicts
    .slice(0, 5)
    .map((planned) => `${planned.key} ${planned.reason}`)
    .join('; ')
  const more = conflicts.length > 5 ? ` and ${conflicts.length - 5} more` : ''
  return new PublishError(
    `${location} already has other bytes under ${conflicts.length} content-addressed key(s), which are never overwritten: ${listed}${more}. Nothing was written`,
    first === undefined ? undefined : { key: first.key },
  )
}

function count(items: readonly PlannedObject[]): PublishCount {
  return { files: items.length, bytes: items.reduce((sum, planned) => sum + planned.object.size, 0) }
}
