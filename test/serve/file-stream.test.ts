import { utimesSync } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { createBodyCache } from '../../src/serve/body-cache.js'
import { createBodySource, openBody } from '../../src/serve/open-body.js'
import type { Asset } from '../../src/types.js'
import { useTempRoot } from '../helpers/fixtures.js'

/** Larger than one chunk, so the check runs after earlier chunks went out. */
const BYTES = Buffer.alloc(600 * 1024, 'F')
const CHUNK = 256 * 1024

/**
 * Reads a stream to its end or its failure, calling `afterFirst` once the first chunk arrived: the
 * bytes it gave, and the error if it failed.
 */
async function drain(
  stream: Readable,
  afterFirst: () => void = () => {},
): Promise<{ bytes: Buffer; error: Error | undefined }> {
  const chunks: Buffer[] = []
  try {
    for await (const chunk of stream) {
      if (chunks.length === 0) afterFirst()
      chunks.push(chunk as Buffer)
    }
    return { bytes: Buffer.concat(chunks), error: undefined }
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error: error as Error }
  }
}

async function setup() {
  const root = useTempRoot({ 'big.bin': BYTES })
  const assets = await createStatic({ root, onWarning: () => {} })
  const asset = assets.get('big.bin') as Asset
  // No memory: every body is streamed from an open descriptor.
  const source = createBodySource(createBodyCache(0), {
    memoryMaxFileSize: 0,
    verifyHash: true,
    streamChunkBytes: CHUNK,
  })
  const rereads: string[] = []
  const open = async (bodyAsset: Asset, start: number, end: number, afterFirst?: () => void) => {
    const opened = await openBody({ asset: bodyAsset, variant: undefined, start, end }, source, () =>
      rereads.push(bodyAsset.logicalPath),
    )
    if (opened.kind !== 'stream') throw new Error(`expected a stream, got ${opened.kind}`)
    return drain(opened.stream, afterFirst)
  }
  return { root, asset, open, rereads, source }
}

describe('a streamed body is checked before its last chunk', () => {
  it('ends a whole body and a range whose file is unchanged', async () => {
    const { asset, open, rereads } = await setup()
    const whole = await open(asset, 0, BYTES.length - 1)
    expect(whole.error).toBeUndefined()
    expect(whole.bytes.equals(BYTES)).toBe(true)
    const range = await open(asset, 10, BYTES.length - 11)
    expect(range.error).toBeUndefined()
    expect(range.bytes.equals(BYTES.subarray(10, BYTES.length - 10))).toBe(true)
    expect(rereads).toEqual([])
  })

  it('fails a whole body whose bytes do not hash to the indexed hash, even with the file times unchanged', async () => {
    const { asset, open, rereads } = await setup()
    // What a rewrite within one tick of the file system's clock looks like: same identity, other bytes.
    const outdated: Asset = { ...asset, hash: '0'.repeat(64) }
    const whole = await open(outdated, 0, BYTES.length - 1)
    expect(whole.error?.message).toMatch(/changed while being sent/)
    // Everything but the last chunk went out; the last was held back.
    expect(whole.bytes.length).toBe(2 * CHUNK)
    // The indexed file, other bytes: only a re-read can fix the entry, so one is asked for.
    expect(rereads).toEqual(['big.bin'])
  })

  it('hashes whole bodies until one proves a file settled for 3 s; then fstat sees a rewrite', async () => {
    const { root, asset, open, rereads, source } = await setup()
    expect((await open(asset, 0, BYTES.length - 1)).error).toBeUndefined()
    // Written just now: a later write may fall within the same tick of the file system's clock.
    expect(source.proved.has(asset)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 3100))
    expect((await open(asset, 1, BYTES.length - 1)).error).toBeUndefined()
    expect(source.proved.has(asset)).toBe(false) // a range proves nothing
    expect((await open(asset, 0, BYTES.length - 1)).error).toBeUndefined()
    expect(source.proved.has(asset)).toBe(true)
    const touched = new Date()
    const after = await open(asset, 0, BYTES.length - 1, () =>
      utimesSync(path.join(root, 'big.bin'), touched, touched),
    )
    expect(after.error?.message).toMatch(/changed while being sent/)
    // Other times: the next open notices, so the entry is not read again from here.
    expect(rereads).toEqual([])
  })

  it('fails a range when fstat of the handle differs from the index before the last chunk', async () => {
    const { root, asset, open, rereads } = await setup()
    // Opened as indexed, then touched: the size is the same, the times are not.
    const touched = new Date(Date.now() + 60_000)
    const range = await open(asset, 1, BYTES.length - 2, () =>
      utimesSync(path.join(root, 'big.bin'), touched, touched),
    )
    expect(range.error?.message).toMatch(/changed while being sent/)
    expect(range.bytes.length).toBeLessThan(BYTES.length - 2)
    expect(rereads).toEqual([])
  })
})
