import { execFileSync, spawn } from 'node:child_process'
import { closeSync, openSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, StaticConfigError } from '../../src/index.js'
import { MAX_MANIFEST_BYTES, readManifest } from '../../src/manifest/format.js'
import { useTempRoot } from '../helpers/fixtures.js'

/**
 * A FIFO with a writer that, after a second, writes `{}` into it and closes it: a reader that
 * blocks on the FIFO gets that instead of hanging the test run, and so fails on the message.
 */
function fifoWithLateWriter(): string {
  const fifo = path.join(useTempRoot({}), 'manifest.json')
  execFileSync('mkfifo', [fifo])
  const writer = spawn('sh', ['-c', 'sleep 1; echo "{}" > "$0"', fifo], { stdio: 'ignore' })
  onTestFinished(() => {
    writer.kill()
  })
  return fifo
}

/** The error `run` throws; fails the test when it throws none. */
function thrownBy(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

describe('readManifest() reads only a regular file of bounded size', () => {
  it('refuses a FIFO at once instead of waiting for a writer', { timeout: 5000 }, () => {
    const fifo = fifoWithLateWriter()
    const error = thrownBy(() => readManifest(fifo))
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error).toMatchObject({ option: 'manifest' })
    expect(error.message).toContain(`${JSON.stringify(fifo)} is not a regular file (a FIFO)`)
  })

  it('refuses /dev/zero, named or through a link, without reading it', { timeout: 5000 }, () => {
    const link = path.join(useTempRoot({}), 'manifest.json')
    symlinkSync('/dev/zero', link)
    for (const file of ['/dev/zero', link]) {
      const error = thrownBy(() => readManifest(file))
      expect(error).toBeInstanceOf(StaticConfigError)
      expect(error.message).toContain(`${JSON.stringify(file)} is not a regular file (a character device)`)
    }
  })

  it('refuses a directory, naming what it is', () => {
    const directory = useTempRoot({})
    expect(thrownBy(() => readManifest(directory)).message).toContain(
      `${JSON.stringify(directory)} is not a regular file (a directory)`,
    )
  })

  it('refuses a file larger than the bound before reading a byte of it', { timeout: 5000 }, () => {
    // A sparse file: its size is over the bound, its blocks are not on disk.
    const huge = path.join(useTempRoot({}), 'manifest.json')
    const fd = openSync(huge, 'w')
    writeFileSync(fd, '{')
    closeSync(fd)
    execFileSync('truncate', ['-s', String(MAX_MANIFEST_BYTES + 1), huge])
    const error = thrownBy(() => readManifest(huge))
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error.message).toContain(
      `${JSON.stringify(huge)} is ${MAX_MANIFEST_BYTES + 1} bytes, larger than the ${MAX_MANIFEST_BYTES} bytes read at most`,
    )
  })

  it('still says a missing manifest does not exist, and reads a real one', async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const out = path.join(useTempRoot({}), 'manifest.json')
    expect(thrownBy(() => readManifest(out)).message).toContain(
      `${JSON.stringify(out)} does not exist; run "vstatic build" to create it`,
    )
    await buildManifest({ root, out })
    expect(Object.keys(readManifest(out).assets)).toEqual(['a.txt'])
  })

  it('createStatic({ manifest }) fails at startup with a StaticConfigError for a FIFO', {
    timeout: 5000,
  }, async () => {
    const root = useTempRoot({ 'a.txt': 'a' })
    const fifo = fifoWithLateWriter()
    const error = await createStatic({ root, manifest: fifo }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain('is not a regular file (a FIFO)')
  })
})
