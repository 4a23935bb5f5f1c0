/**
 * The object store a publish writes to, as an interface of the five calls it makes (list, head,
 * get, put, delete), and the one error class a publish throws.
 * @module
 */

/** An object found by listing a prefix. */
export interface ListedObject {
  readonly key: string
  readonly size: number
  /** The store's ETag, quoted as sent; used as the `If-Match` of the manifest's replacement. */
  readonly etag: string | undefined
}

/** What a HEAD of an object says: the headers a publish sets, and its user metadata. */
export interface ObjectHead {
  readonly size: number
  readonly etag: string | undefined
  readonly contentType: string | undefined
  readonly cacheControl: string | undefined
  readonly contentEncoding: string | undefined
  /** User metadata (`x-amz-meta-*`), names in lower case without the prefix. */
  readonly metadata: Readonly<Record<string, string>>
}

/** One object to write. */
export interface PutRequest {
  readonly key: string
  readonly body: Uint8Array
  readonly contentType: string
  readonly cacheControl: string
  readonly contentEncoding: string | undefined
  readonly metadata: Readonly<Record<string, string>>
  /**
   * The write's precondition: `absent` sends `If-None-Match: *` (the key must not exist), `etag`
   * sends `If-Match` (the key must still hold that version), `none` writes unconditionally.
   */
  readonly condition:
    | { readonly kind: 'absent' }
    | { readonly kind: 'etag'; readonly etag: string }
    | { readonly kind: 'none' }
}

/** The outcome of a conditional write the store refused: the key did not meet the condition. */
export type PutResult = 'written' | 'precondition-failed'

/** A bucket and a prefix, with the calls a publish makes. Keys are full keys (prefix included). */
export interface ObjectStore {
  /** Where it writes, for messages: `s3://bucket/prefix`. */
  readonly location: string
  /** Every object under `prefix`, in key order. */
  list(prefix: string): Promise<ListedObject[]>
  /** The object's headers and metadata, or undefined when there is no such key. */
  head(key: string): Promise<ObjectHead | undefined>
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>
  put(request: PutRequest): Promise<PutResult>
  /** Removes the key; removing a key that is not there is not an error. */
  delete(key: string): Promise<void>
}

/**
 * A publish that cannot go on: bad credentials, a missing bucket, a refused write, a key that holds
 * other bytes, a file of the output directory that is not what the manifest says. The message names
 * the key, file or option at fault; the CLI prints it and exits with code 1.
 */
export class PublishError extends Error {
  readonly code = 'ERR_STATIC_PUBLISH'
  /** The object key at fault, when there is one. */
  readonly key: string | undefined

  constructor(message: string, options?: { cause?: unknown; key?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PublishError'
    this.key = options?.key
  }
}
