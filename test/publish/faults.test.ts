/**
 * Publishing through a store that fails: a proxy between publisher and s3rver drops connections and
 * answers 500/503 at random points (seeded), and in front of s3rver enforces S3's conditional writes,
 * which s3rver alone ignores. The invariant checked throughout: every content-addressed key that a
 * published manifest in force names (the current one and the last --keep in the history) answers
 * with the bytes its hash names, and every name such a manifest lists exists (plain names may move
 * to the new bytes before the manifest that names them goes up: they revalidate).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashContent } from '../../src/hash.js'
import { parseManifest, readManifest } from '../../src/manifest/format.js'
import { toPublishedObjects } from '../../src/publish/objects.js'
import { type PublishOptions, publish } from '../../src/publish/publish.js'
import { buildSite, type SiteBuild, siteTree } from '../helpers/publish-build.js'
import { getObject, listKeys, S3RVER_CREDENTIALS, type S3Server, startS3 } from '../helpers/s3.js'
import { type S3Proxy, startS3Proxy } from '../helpers/s3-proxy.js'

const KEEP = 2

let s3: S3Server
beforeAll(async () => {
  s3 = await startS3()
})
afterAll(async () => {
  await s3?.close()
})

function through(
  endpoint: string,
  site: SiteBuild,
  prefix: string,
  extra: Partial<PublishOptions> = {},
): PublishOptions {
  return {
    outDir: site.outDir,
    manifest: site.manifest,
    to: `s3://${s3.bucket}/${prefix}`,
    endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    keep: KEEP,
    variants: true,
    concurrency: 4,
    ...extra,
  }
}

/** The manifests in force, by the SHA-256 of their bytes: the current one and the last KEEP published. */
async function manifestsInForce(prefix: string): Promise<Map<string, { key: string; text: string }>> {
  const history = await listKeys(s3, `${prefix}/.vstatic/manifests/`)
  const inForce = new Map<string, { key: string; text: string }>()
  for (const key of [`${prefix}/static-manifest.json`, ...history.slice(-KEEP)]) {
    const bytes = await getObject(s3, key)
    if (bytes !== undefined) inForce.set(hashContent(bytes), { key, text: bytes.toString('utf8') })
  }
  return inForce
}

/**
 * The invariant's breaches, read straight from s3rver. A breach counts only if its manifest is still
 * in force once the objects were read: a manifest in force before and after was in force when the
 * object was found missing (a publish never brings a manifest it let go back in force).
 */
async function breaches(prefix: string): Promise<string[]> {
  const before = await manifestsInForce(prefix)
  const found: Array<{ manifest: string; breach: string }> = []
  for (const [manifestHash, { key: manifestKey, text }] of before) {
    const manifest = parseManifest(text, manifestKey)
    for (const object of toPublishedObjects(manifest, { variants: true, maxAge: 0 })) {
      const key = `${prefix}/${object.file}`
      const bytes = await getObject(s3, key)
      if (bytes === undefined)
        found.push({ manifest: manifestHash, breach: `404 ${key} (named by ${manifestKey})` })
      else if (object.contentAddressed && hashContent(bytes) !== object.hash)
        found.push({ manifest: manifestHash, breach: `other bytes under ${key}` })
    }
  }
  if (found.length === 0) return []
  const after = await manifestsInForce(prefix)
  return found.filter(({ manifest }) => after.has(manifest)).map(({ breach }) => breach)
}

/** Checks the invariant over and over while `work` runs; resolves with what it found. */
async function watch(prefix: string, work: Promise<unknown>): Promise<string[]> {
  let done = false
  const settled = work.then(
    () => undefined,
    () => undefined,
  )
  void settled.then(() => {
    done = true
  })
  const found: string[] = []
  for (let round = 0; round < 400 && !done; round++) found.push(...(await breaches(prefix)))
  await settled
  found.push(...(await breaches(prefix)))
  return found
}

describe('publish through faults', () => {
  let proxy: S3Proxy
  let site: SiteBuild
  beforeAll(async () => {
    proxy = await startS3Proxy(s3.endpoint, { faultRate: 0, seed: 7, conditional: true })
    site = await buildSite(siteTree(1))
  })
  afterAll(async () => {
    await proxy?.close()
    site?.remove()
  })

  it('retries dropped connections and 500/503 answers with backoff, and completes', async () => {
    const prefix = 'retries/static'
    proxy.setFaultRate(0.15)
    try {
      const summary = await publish(through(proxy.endpoint, site, prefix, { maxAttempts: 8 }))
      expect(summary.uploaded.files + summary.skipped.files).toBe(summary.plan.objects.length)
    } finally {
      proxy.setFaultRate(0)
    }
    const injected = Object.values(proxy.faults).reduce((sum, count) => sum + count, 0)
    expect(injected).toBeGreaterThan(3)
    expect(await breaches(prefix)).toEqual([])
    const again = await publish(through(s3.endpoint, site, prefix))
    expect(again.uploaded.files).toBe(0)
  })

  it('a publish cut short at random points and run again completes, and no published URL ever breaks', async () => {
    const prefix = 'rerun/static'
    const own = await buildSite(siteTree(1))
    try {
      await publish(through(proxy.endpoint, own, prefix))
      let failures = 0
      for (let version = 2; version <= 4; version++) {
        await own.rebuild(siteTree(version))
        // First attempts: no retries, many faults, and a kill at a random moment.
        proxy.setFaultRate(0.3)
        for (let attempt = 0; attempt < 3; attempt++) {
          const controller = new AbortController()
          const timer = setTimeout(() => controller.abort(), 20 + ((version * 37 + attempt * 53) % 150))
          const run = publish(
            through(proxy.endpoint, own, prefix, { maxAttempts: 1, signal: controller.signal }),
          )
          const found = await watch(prefix, run)
          clearTimeout(timer)
          expect(found).toEqual([])
          if (
            await run.then(
              () => false,
              () => true,
            )
          )
            failures++
        }
        proxy.setFaultRate(0)
        const found = await watch(prefix, publish(through(proxy.endpoint, own, prefix)))
        expect(found).toEqual([])
        const current = await getObject(s3, `${prefix}/static-manifest.json`)
        expect(current?.toString('utf8')).toBe(`${JSON.stringify(readManifest(own.manifest), null, 2)}\n`)
      }
      // The faults did cut runs short (otherwise this test proves nothing).
      expect(failures).toBeGreaterThanOrEqual(6)
      const history = await listKeys(s3, `${prefix}/.vstatic/manifests/`)
      expect(history).toHaveLength(KEEP)
    } finally {
      proxy.setFaultRate(0)
      own.remove()
    }
  }, 60_000)

  it('recognises its own retried write that had landed (If-None-Match: * answered 412)', async () => {
    const prefix = 'landed/static'
    const lossy = await startS3Proxy(s3.endpoint, {
      faultRate: 0.3,
      seed: 11,
      conditional: true,
      faultKinds: ['drop-after'],
    })
    try {
      const summary = await publish(through(lossy.endpoint, site, prefix, { maxAttempts: 8 }))
      expect(lossy.faults['drop-after']).toBeGreaterThan(0)
      expect(lossy.refused.length).toBeGreaterThan(0)
      expect(summary.uploaded.files + summary.skipped.files).toBe(summary.plan.objects.length)
      expect(await breaches(prefix)).toEqual([])
    } finally {
      await lossy.close()
    }
  })

  it('refuses a content-addressed key written with other bytes during the publish, and never overwrites it', async () => {
    const prefix = 'race/static'
    const manifest = readManifest(site.manifest)
    const target = `${prefix}/${manifest.assets['css/app.css']?.file}`
    const intruder = Buffer.from('written by someone else in the meantime')
    // Another writer puts other bytes under the key just before this publish's PUT reaches the
    // store; the conditional check in front of s3rver then answers 412, as S3 does.
    const racing = await startS3Proxy(s3.endpoint, {
      conditional: true,
      beforeForward: async (method, key) => {
        if (method === 'PUT' && key === target) {
          await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: target, Body: intruder }))
        }
      },
    })
    try {
      await expect(publish(through(racing.endpoint, site, prefix))).rejects.toThrow(
        expect.objectContaining({
          name: 'PublishError',
          key: target,
          message: expect.stringContaining(`${target} was written with other bytes while this publish ran`),
        }),
      )
      expect(racing.refused).toContain(target)
      expect(await getObject(s3, target)).toEqual(intruder)
      expect(await getObject(s3, `${prefix}/static-manifest.json`)).toBeUndefined()
    } finally {
      await racing.close()
    }
  })
})
