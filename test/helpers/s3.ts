/**
 * A real S3-protocol server for the publish tests: s3rver on 127.0.0.1, on an ephemeral port, with
 * one bucket, stopped when the test file ends; and a client of the AWS SDK to read it back.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'

/** s3rver accepts these keys only (an unknown access key id is refused). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string
  readonly bucket: string
  /** A client of the bucket's server, for reading back what a publish wrote. */
  readonly client: S3Client
  close(): Promise<void>
}

/** Starts s3rver with `bucket`; call close() (in afterAll) to stop it and remove its files. */
export async function startS3(bucket = 'assets'): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'vstatic-s3rver-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const client = readerFor(endpoint)
  return {
    endpoint,
    bucket,
    client,
    async close() {
      client.destroy()
      server.httpServer?.closeAllConnections()
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** An SDK client for `endpoint`, configured as publish configures one for an S3-compatible store. */
export function readerFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

/** An object's headers as a publish sets them. */
export interface StoredHeaders {
  readonly contentType: string | undefined
  readonly cacheControl: string | undefined
  readonly contentEncoding: string | undefined
  readonly metadata: Record<string, string>
}

export async function headObject(s3: S3Server, key: string): Promise<StoredHeaders | undefined> {
  try {
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))
    return {
      contentType: head.ContentType,
      cacheControl: head.CacheControl,
      contentEncoding: head.ContentEncoding,
      metadata: head.Metadata ?? {},
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound') return undefined
    throw error
  }
}

/**
 * The object's bytes, or undefined for a missing key. A response cut short (s3rver aborts one whose
 * file is deleted while it is sent) is read again, a few times.
 */
export async function getObject(s3: S3Server, key: string): Promise<Buffer | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
      return Buffer.from((await response.Body?.transformToByteArray()) ?? [])
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined
      if (attempt >= 5) throw error
    }
  }
}

/** Every key under `prefix`, sorted. */
export async function listKeys(s3: S3Server, prefix = ''): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  for (let page = 0; page < 1000; page++) {
    const response = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }),
    )
    for (const item of response.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key)
    token = response.IsTruncated === true ? response.NextContinuationToken : undefined
    if (token === undefined) break
  }
  return keys.sort()
}
