/**
 * The destination of a publish: `s3://bucket/prefix`, parsed and checked.
 * @module
 */
import { StaticConfigError } from '../errors.js'

/** A bucket and the key prefix every object of the build goes under. */
export interface PublishTarget {
  readonly bucket: string
  /** Empty, or ends with `/`: `static/`. */
  readonly prefix: string
}

/**
 * Parses `s3://bucket/prefix` (the prefix may be empty; a trailing `/` is added when missing).
 * @example parseTarget('s3://example-static/static') // → { bucket: 'example-static', prefix: 'static/' }
 */
export function parseTarget(value: string): PublishTarget {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value)
  const bucket = match?.[1]
  if (match === null || bucket === undefined) {
    throw new StaticConfigError('to', `must look like s3://bucket/prefix, got ${JSON.stringify(value)}`)
  }
  // S3's rules for new buckets, loosely: stores that allow more (dots, capitals) still parse.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new StaticConfigError(
      'to',
      `names an invalid bucket ${JSON.stringify(bucket)} in ${JSON.stringify(value)}`,
    )
  }
  const rawPrefix = match[2] ?? ''
  const segments = rawPrefix.split('/').filter((segment) => segment !== '')
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new StaticConfigError('to', `must not have "." or ".." in its prefix, got ${JSON.stringify(value)}`)
  }
  return { bucket, prefix: segments.length === 0 ? '' : `${segments.join('/')}/` }
}

/** `s3://bucket/prefix` for messages. */
export function formatTarget(target: PublishTarget): string {
  return `s3://${target.bucket}/${target.prefix}`
}
