import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashContent } from '../../src/hash.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { toPublishedObjects } from '../../src/publish/objects.js'
import { type PublishOptions, publish } from '../../src/publish/publish.js'
import { buildSite, type SiteBuild, siteTree } from '../helpers/publish-build.js'
import { getObject, headObject, listKeys, S3RVER_CREDENTIALS, type S3Server, startS3 } from '../helpers/s3.js'

const execFileAsync = promisify(execFile)

let s3: S3Server
let site: SiteBuild
let prefixes = 0

beforeAll(async () => {
  s3 = await startS3()
  site = await buildSite()
})
afterAll(async () => {
  await s3?.close()
  site?.remove()
})

/** A prefix of its own for each test, so they share one server. */
function freshPrefix(): string {
  prefixes++
  return `site${prefixes}/static`
}

function options(prefix: string, extra: Partial<PublishOptions> = {}): PublishOptions {
  return {
    outDir: site.outDir,
    manifest: site.manifest,
    to: `s3://${s3.bucket}/${prefix}`,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    ...extra,
  }
}

describe('publish to an S3-protocol server (s3rver)', () => {
  it('puts every object with the bytes and headers vstatic’s own handler sends for its URL', async () => {
    const prefix = freshPrefix()
    const summary = await publish(options(prefix, { variants: true }))
    const manifest = readManifest(site.manifest)
    const objects = toPublishedObjects(manifest, { variants: true, maxAge: 0 })
    expect(summary.uploaded.files).toBe(objects.length)
    expect(summary.skipped.files).toBe(0)
    expect(objects.some((object) => object.contentEncoding === 'br')).toBe(true)
    const assets = await createStatic({ root: site.outDir, manifest: site.manifest })
    try {
      for (const object of objects) {
        const key = `${prefix}/${object.file}`
        const stored = await headObject(s3, key)
        const bytes = await getObject(s3, key)
        expect(bytes, key).toEqual(readFileSync(path.join(site.outDir, object.file)))
        expect(hashContent(bytes ?? Buffer.alloc(0)), key).toBe(object.hash)
        // The URL whose response this object stands for: a variant stands for its original's URL
        // asked for with that coding.
        const encoding = object.contentEncoding
        const urlFile = encoding === undefined ? object.file : object.file.replace(/\.(?:br|gz)$/, '')
        const response = await assets.fetch(
          new Request(`http://app.test/static/${urlFile}`, {
            headers: { 'accept-encoding': encoding ?? 'identity' },
          }),
        )
        expect(response.status, key).toBe(200)
        expect(stored, key).toEqual({
          contentType: response.headers.get('content-type'),
          cacheControl: response.headers.get('cache-control'),
          contentEncoding: response.headers.get('content-encoding') ?? undefined,
          metadata: {
            sha256: object.hash,
            integrity: manifest.assets[object.logicalPath]?.integrity,
          },
        })
      }
    } finally {
      await assets.close()
    }
    // Spot checks of what the comparison covered.
    const css = manifest.assets['css/app.css']
    expect(await headObject(s3, `${prefix}/${css?.file}`)).toMatchObject({
      contentType: 'text/css; charset=utf-8',
      cacheControl: 'public, max-age=31536000, immutable',
    })
    expect(await headObject(s3, `${prefix}/css/app.css`)).toMatchObject({ cacheControl: 'no-cache' })
    expect(await headObject(s3, `${prefix}/notes/latin1.txt`)).toMatchObject({ contentType: 'text/plain' })
    expect(await headObject(s3, `${prefix}/assets/index-AbCd1234.js`)).toMatchObject({
      cacheControl: 'public, max-age=31536000, immutable',
    })
    expect(await headObject(s3, `${prefix}/static-manifest.json`)).toMatchObject({
      contentType: 'application/json; charset=utf-8',
      cacheControl: 'no-cache',
      metadata: { sha256: hashContent(readFileSync(site.manifest)), 'build-id': manifest.buildId },
    })
    expect(await getObject(s3, `${prefix}/static-manifest.json`)).toEqual(readFileSync(site.manifest))
  })

  it('leaves variants out by default', async () => {
    const prefix = freshPrefix()
    await publish(options(prefix))
    const keys = await listKeys(s3, `${prefix}/`)
    expect(keys.filter((key) => /\.(?:br|gz)$/.test(key) && !key.endsWith('.tar.gz'))).toEqual([])
    expect(keys).toContain(`${prefix}/css/app.css`)
  })

  it('writes nothing the second time the same build is published', async () => {
    const prefix = freshPrefix()
    const first = await publish(options(prefix, { variants: true }))
    const second = await publish(options(prefix, { variants: true }))
    expect(second.uploaded).toEqual({ files: 0, bytes: 0 })
    expect(second.skipped.files).toBe(first.uploaded.files)
    expect(second.manifestsWritten).toBe(0)
    expect(second.deleted).toEqual([])
    console.info(
      `publish of the test build: ${first.uploaded.files} objects, ${first.uploaded.bytes} bytes in ${first.durationMs} ms; ` +
        `again: ${second.uploaded.files} written, ${second.skipped.files} skipped in ${second.durationMs} ms`,
    )
  })

  it('uploads only what changed plus the manifest, and deletes only what none of the last --keep builds names', async () => {
    const prefix = freshPrefix()
    const own = await buildSite(siteTree(1))
    try {
      const at = (extra: Partial<PublishOptions> = {}) =>
        options(prefix, { outDir: own.outDir, manifest: own.manifest, keep: 2, ...extra })
      await publish(at())
      const first = readManifest(own.manifest)
      const firstCss = `${prefix}/${first.assets['css/app.css']?.file}`
      const firstBlob = `${prefix}/${first.assets['data/blob.bin']?.file}`

      await own.rebuild(siteTree(2))
      const second = await publish(at())
      // css/app.css and data/blob.bin changed: their plain names and fingerprinted copies.
      expect(second.uploaded.files).toBe(4)
      expect(second.manifestsWritten).toBe(2)
      expect(second.deleted).toEqual([])
      expect(await getObject(s3, firstCss)).toBeDefined()

      await own.rebuild(siteTree(3))
      const third = await publish(at())
      expect(third.uploaded.files).toBe(4)
      // The first build's copies go; the second's stay (it is one of the last two).
      expect(third.deleted.filter((key) => !key.includes('/.vstatic/')).sort()).toEqual(
        [firstBlob, firstCss].sort(),
      )
      expect(await getObject(s3, firstCss)).toBeUndefined()
      const secondCss = `${prefix}/${readManifest(own.manifest).assets['css/app.css']?.file}`
      expect(await getObject(s3, secondCss)).toBeDefined()
      expect(await listKeys(s3, `${prefix}/.vstatic/manifests/`)).toHaveLength(2)
      // A file all three builds share is never deleted.
      expect(await getObject(s3, `${prefix}/${first.assets['img/logo.svg']?.file}`)).toBeDefined()
    } finally {
      own.remove()
    }
  })

  it('rolls back by publishing the previous manifest, its plain names taken from the kept fingerprinted copies', async () => {
    const prefix = freshPrefix()
    const own = await buildSite(siteTree(1), 2)
    try {
      const at = (manifest: string) => options(prefix, { outDir: own.outDir, manifest, keep: 3 })
      await publish(at(own.manifest))
      const previous = path.join(path.dirname(own.manifest), 'previous-manifest.json')
      copyFileSync(own.manifest, previous)
      const oldCss = readFileSync(path.join(own.outDir, 'css/app.css'))
      await own.rebuild(siteTree(2))
      await publish(at(own.manifest))
      expect(await getObject(s3, `${prefix}/css/app.css`)).not.toEqual(oldCss)

      const rollback = await publish(at(previous))
      // Only the plain names that changed are written again; every fingerprinted copy is there.
      expect(rollback.uploaded.files).toBe(2)
      expect(await getObject(s3, `${prefix}/css/app.css`)).toEqual(oldCss)
      expect(await getObject(s3, `${prefix}/static-manifest.json`)).toEqual(readFileSync(previous))
      expect(await listKeys(s3, `${prefix}/.vstatic/manifests/`)).toHaveLength(3)
    } finally {
      own.remove()
    }
  })

  it('prints the plan and writes nothing with dryRun', async () => {
    const prefix = freshPrefix()
    const summary = await publish(options(prefix, { dryRun: true }))
    expect(summary.dryRun).toBe(true)
    expect(summary.plan.objects.every((planned) => planned.action === 'upload')).toBe(true)
    expect(summary.manifestsWritten).toBe(0)
    expect(await listKeys(s3, `${prefix}/`)).toEqual([])
  })

  it('refuses, naming the key, a content-addressed key that holds other bytes, and writes nothing', async () => {
    const prefix = freshPrefix()
    const manifest = readManifest(site.manifest)
    const key = `${prefix}/${manifest.assets['js/app.js']?.file}`
    const intruder = Buffer.from('not the bytes the token names')
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: intruder }))
    await expect(publish(options(prefix))).rejects.toThrow(
      expect.objectContaining({
        name: 'PublishError',
        key,
        message: expect.stringContaining(`${key} holds other bytes`),
      }),
    )
    expect(await listKeys(s3, `${prefix}/`)).toEqual([key])
    expect(await getObject(s3, key)).toEqual(intruder)
  })

  it('names the local file when the output directory does not hold the bytes the manifest records', async () => {
    const prefix = freshPrefix()
    const other = await buildSite(siteTree(5))
    try {
      await expect(publish(options(prefix, { outDir: other.outDir }))).rejects.toThrow(
        // Files are checked concurrently: whichever differing file is found first is named.
        /\/out\/[^ ]+ holds other bytes than the manifest records for "[^"]+"; rebuild, or pass the output directory this manifest was built into/,
      )
      expect(await listKeys(s3, `${prefix}/static-manifest.json`)).toEqual([])
    } finally {
      other.remove()
    }
  })

  it('refuses a manifest built without --out-dir', async () => {
    const prefix = freshPrefix()
    const source = await buildSite()
    try {
      const { buildManifest } = await import('../../src/builder/build.js')
      const sourceManifest = path.join(path.dirname(source.manifest), 'source-manifest.json')
      await buildManifest({ root: source.root, out: sourceManifest, onWarning: () => {} })
      await expect(publish(options(prefix, { manifest: sourceManifest }))).rejects.toThrow(
        /was built without --out-dir/,
      )
    } finally {
      source.remove()
    }
  })

  // CI installs Debian's awscli (.ci/run); elsewhere the test's title says why it did not run.
  const awsCli = hasAwsCli()
  const awsTitle = awsCli
    ? 'reads the same headers back with an independent client (awscli)'
    : 'reads the same headers back with awscli — skipped: `aws` is not on PATH (apt-get install awscli)'
  it.runIf(awsCli)(awsTitle, async () => {
    const prefix = freshPrefix()
    await publish(options(prefix))
    const manifest = readManifest(site.manifest)
    const key = `${prefix}/${manifest.assets['css/app.css']?.file}`
    // Asynchronously: s3rver runs in this process and must go on answering.
    const { stdout: output } = await execFileAsync(
      'aws',
      [
        's3api',
        'head-object',
        '--bucket',
        s3.bucket,
        '--key',
        key,
        '--endpoint-url',
        s3.endpoint,
        '--output',
        'json',
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    const head = JSON.parse(output) as Record<string, unknown>
    expect(head).toMatchObject({
      ContentType: 'text/css; charset=utf-8',
      CacheControl: 'public, max-age=31536000, immutable',
      Metadata: {
        sha256: manifest.assets['css/app.css']?.hash,
        integrity: manifest.assets['css/app.css']?.integrity,
      },
    })
  })
})

function hasAwsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 })
    return true
  } catch {
    return false
  }
}
