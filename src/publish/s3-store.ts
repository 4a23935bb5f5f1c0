/**
 * The ObjectStore over `@aws-sdk/client-s3`, an optional peer dependency loaded here and only here,
 * on first use. Credentials, region and endpoint come from the SDK's default chain unless given;
 * a custom endpoint (R2, MinIO, Ceph, …) gets path-style addressing and checksums only where the
 * protocol requires them. Transient failures (5xx, throttling, reset connections) are retried by
 * the SDK's standard strategy, with exponential backoff and jitter.
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises'
import type * as S3 from '@aws-sdk/client-s3'
import type { ListedObject, ObjectHead, ObjectStore, PutRequest, PutResult } from './store.js'
import { PublishError } from './store.js'
import { formatTarget, type PublishTarget } from './target.js'

/** The package the S3 store needs, and the command that adds it. */
export const SDK_PACKAGE = '@aws-sdk/client-s3'

/** Where and how to connect. */
export interface S3StoreOptions {
  readonly target: PublishTarget
  /** An S3-compatible endpoint; undefined for AWS (or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`). */
  readonly endpoint?: string | undefined
  readonly region?: string | undefined
  /** Credentials; undefined for the SDK's default chain (environment, shared config, SSO, instance role). */
  readonly credentials?: S3Credentials | undefined
  /** Attempts per request, the first included. */
  readonly maxAttempts: number
  readonly signal?: AbortSignal | undefined
}

/** An access key, as the SDK takes it. */
export interface S3Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** Loads the SDK and returns a store for the target's bucket. */
export async function createS3Store(options: S3StoreOptions): Promise<ObjectStore> {
  const sdk = await importSdk()
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL
  const custom = endpoint !== undefined && endpoint !== ''
  const client = new sdk.S3Client({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(custom ? { endpoint, forcePathStyle: true } : {}),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // Stores other than AWS reject or mishandle the checksum headers the SDK adds by default
    // (aws/aws-sdk-js-v3#6810). The payload's SHA-256 is signed either way.
    ...(custom
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  })
  return new S3Store(
    sdk,
    client,
    options.target,
    custom ? endpoint : undefined,
    options.signal,
    options.maxAttempts,
  )
}

/** The message for a missing SDK: one line, with the command that adds it. */
export function missingSdkMessage(): string {
  return `vstatic publish needs the AWS SDK's S3 client, which is not installed: run "npm install ${SDK_PACKAGE}" in your project`
}

// --- internal ---

type Sdk = typeof S3

async function importSdk(): Promise<Sdk> {
  try {
    return await import('@aws-sdk/client-s3')
  } catch (error) {
    if (isMissingSdk(error)) throw new PublishError(missingSdkMessage(), { cause: error })
    throw error
  }
}

/** True when the SDK could not be found, here or in an error that wraps that one (loaders, test runners). */
function isMissingSdk(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' && current.message.includes(SDK_PACKAGE)) return true
    current = current.cause
  }
  return false
}

/** The error names S3 and compatible stores give refused credentials. */
const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AccessDenied',
  'Forbidden',
])

/** The base of the backoff between attempts to read a body: full jitter up to base × 2^attempt. */
const BODY_RETRY_BASE_MS = 50

/** Pages of a listing, at most: a bound on the loop, far past any build. */
const MAX_LIST_PAGES = 100_000

class S3Store implements ObjectStore {
  readonly location: string

  constructor(
    private readonly sdk: Sdk,
    private readonly client: S3.S3Client,
    private readonly target: PublishTarget,
    private readonly endpoint: string | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly maxAttempts: number,
  ) {
    this.location = formatTarget(target)
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const found: ListedObject[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const response = await this.send(`listing ${this.location}`, undefined, (client, options) =>
        client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.target.bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          options,
        ),
      )
      for (const item of response.Contents ?? []) {
        if (item.Key === undefined) continue
        found.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag })
      }
      token = response.IsTruncated === true ? response.NextContinuationToken : undefined
      if (token === undefined) return found
    }
    throw new PublishError(`listing ${this.location} did not end after ${MAX_LIST_PAGES} pages`)
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const response = await this.send(`reading the headers of ${key}`, key, (client, options) =>
        client.send(new this.sdk.HeadObjectCommand({ Bucket: this.target.bucket, Key: key }), options),
      )
      return {
        size: response.ContentLength ?? 0,
        etag: response.ETag,
        contentType: response.ContentType,
        cacheControl: response.CacheControl,
        contentEncoding: response.ContentEncoding,
        metadata: lowerCaseKeys(response.Metadata ?? {}),
      }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    // The SDK retries a request until its headers arrive; a body cut short after that is retried here.
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.send(`reading ${key}`, key, (client, options) =>
          client.send(new this.sdk.GetObjectCommand({ Bucket: this.target.bucket, Key: key }), options),
        )
        if (response.Body === undefined) return new Uint8Array()
        return await response.Body.transformToByteArray()
      } catch (error) {
        if (isNotFound(error)) return undefined
        if (error instanceof PublishError || this.signal?.aborted === true || attempt >= this.maxAttempts) {
          throw error instanceof PublishError ? error : this.explain(error, `reading ${key}`, key)
        }
        await delay(BODY_RETRY_BASE_MS * 2 ** attempt * Math.random())
      }
    }
  }

  async put(request: PutRequest): Promise<PutResult> {
    const { condition } = request
    try {
      await this.send(`writing ${request.key}`, request.key, (client, options) =>
        client.send(
          new this.sdk.PutObjectCommand({
            Bucket: this.target.bucket,
            Key: request.key,
            Body: request.body,
            ContentLength: request.body.byteLength,
            ContentType: request.contentType,
            CacheControl: request.cacheControl,
            ...(request.contentEncoding === undefined ? {} : { ContentEncoding: request.contentEncoding }),
            Metadata: { ...request.metadata },
            ...(condition.kind === 'absent' ? { IfNoneMatch: '*' } : {}),
            ...(condition.kind === 'etag' ? { IfMatch: condition.etag } : {}),
          }),
          options,
        ),
      )
      return 'written'
    } catch (error) {
      // 412: the condition does not hold; 409: another write to the key raced this one (S3's
      // ConditionalRequestConflict). Either way the caller looks at what the key holds now.
      const status = statusOf(error)
      if (condition.kind !== 'none' && (status === 412 || status === 409)) return 'precondition-failed'
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    // One DeleteObject per key: DeleteObjects needs a Content-MD5 or checksum that several
    // S3-compatible stores refuse (aws/aws-sdk-js-v3#6819).
    await this.send(`deleting ${key}`, key, (client, options) =>
      client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.target.bucket, Key: key }), options),
    )
  }

  /** Sends a command; a failure other than a missing key becomes a PublishError that says what was being done. */
  private async send<Output>(
    doing: string,
    key: string | undefined,
    operation: (client: S3.S3Client, options: { abortSignal?: AbortSignal }) => Promise<Output>,
  ): Promise<Output> {
    try {
      return await operation(this.client, this.signal === undefined ? {} : { abortSignal: this.signal })
    } catch (error) {
      if (isNotFound(error) && key !== undefined) throw error
      if (statusOf(error) === 412 || statusOf(error) === 409) throw error
      throw this.explain(error, doing, key)
    }
  }

  private explain(error: unknown, doing: string, key: string | undefined): PublishError {
    const name = (error as { name?: unknown } | null)?.name
    const message = error instanceof Error ? error.message : String(error)
    const code = (error as NodeJS.ErrnoException | null)?.code
    const where = this.endpoint === undefined ? this.location : `${this.location} at ${this.endpoint}`
    const options = { cause: error, ...(key === undefined ? {} : { key }) }
    if (name === 'AbortError') return new PublishError(`publish to ${where} aborted while ${doing}`, options)
    if (name === 'NoSuchBucket') {
      return new PublishError(
        `the bucket ${JSON.stringify(this.target.bucket)} does not exist (${where})`,
        options,
      )
    }
    if (typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) {
      return new PublishError(
        `${where} refused the credentials while ${doing} (${name}: ${message}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and the bucket's policy`,
        options,
      )
    }
    if (name === 'CredentialsProviderError') {
      return new PublishError(
        `no AWS credentials found for ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (${message})`,
        options,
      )
    }
    if (/region is missing/i.test(message)) {
      return new PublishError(
        `no region for ${where}: pass --region (or set AWS_REGION); S3-compatible stores often take "auto" or "us-east-1"`,
        options,
      )
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new PublishError(`cannot reach ${where} while ${doing} (${code}: ${message})`, options)
    }
    const status = statusOf(error)
    const detail = typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message
    return new PublishError(
      `${where} failed while ${doing}${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`,
      options,
    )
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'NotFound' || name === 'NoSuchKey' || (statusOf(error) === 404 && name !== 'NoSuchBucket')
}

function lowerCaseKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(record)) result[name.toLowerCase()] = value
  return result
}
