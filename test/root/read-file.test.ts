import { createHash } from 'node:crypto'
import { appendFileSync, readFileSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type RereadRules, rereadFile } from '../../src/root/read-file.js'
import { useTempRoot } from '../helpers/fixtures.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

function rulesFor(root: string): RereadRules {
  return {
    rule: { realRoot: realpathSync(root), dotfiles: 'ignore', followSymlinksOutsideRoot: false },
    graphOptions: {
      prefix: '/static',
      versioning: 'query',
      isFingerprinted: () => false,
      onWarning: () => {},
    },
    tokenOf: () => undefined,
    rewriteReferences: true,
  }
}

/**
 * Runs `writer` inside the first `times` reads of a file handle, after fstat gave the handle its
 * size: a writer that changes the file while the index reads it again, every time.
 */
async function writeDuringReads(times: number, writer: () => void): Promise<void> {
  const probe = await open(fileURLToPath(import.meta.url))
  const prototype = Object.getPrototypeOf(probe) as FileHandle
  await probe.close()
  const read = prototype.read
  let left = times
  vi.spyOn(prototype, 'read').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
    if (left > 0) {
      left--
      writer()
    }
    return (read as (...given: unknown[]) => ReturnType<FileHandle['read']>).apply(this, args)
  })
}

describe('rereadFile(): a size change during a re-read is a change, not a deletion', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each([
    ['big.bin', Buffer.alloc(600 * 1024, 'a')],
    ['app.css', Buffer.from('a{color:red}')],
  ])('reads %s again when a writer appends during the read', async (name, initial) => {
    const root = useTempRoot({ [name]: initial })
    const file = path.join(root, name)
    await writeDuringReads(1, () => appendFileSync(file, 'more'))
    const read = await rereadFile(name, file, rulesFor(root))
    if (typeof read === 'string') throw new Error(`re-read gave ${read}`)
    const bytes = readFileSync(file)
    expect(bytes.length).toBe(initial.length + 4)
    expect(read.result.hash).toBe(sha256(bytes))
    expect(read.size).toBe(bytes.length)
  })

  it.each([
    ['big.bin', Buffer.alloc(600 * 1024, 'b')],
    ['app.css', Buffer.from('a{color:blue}')],
  ])('reads %s again when a writer truncates and then writes during the read', async (name, initial) => {
    const root = useTempRoot({ [name]: initial })
    const file = path.join(root, name)
    const next = Buffer.concat([initial, Buffer.from('/* edited */')])
    let step = 0
    // The first read sees the file empty, the second the new bytes: what `cp` does to a file in place.
    await writeDuringReads(2, () => (step++ === 0 ? truncateSync(file, 0) : writeFileSync(file, next)))
    const read = await rereadFile(name, file, rulesFor(root))
    if (typeof read === 'string') throw new Error(`re-read gave ${read}`)
    expect(read.result.hash).toBe(sha256(next))
    expect(read.size).toBe(next.length)
  })

  it('reads a file again when it is rewritten in place with the same size during the read', async () => {
    const root = useTempRoot({ 'same.txt': 'one one one' })
    const file = path.join(root, 'same.txt')
    await writeDuringReads(1, () => writeFileSync(file, 'two two two'))
    const read = await rereadFile('same.txt', file, rulesFor(root))
    if (typeof read === 'string') throw new Error(`re-read gave ${read}`)
    expect(read.result.hash).toBe(sha256(Buffer.from('two two two')))
    // The recorded identity is the file the bytes came from, so the next stat does not call it changed.
    expect(read.identity.mtimeMs).toBe(statSync(file).mtimeMs)
  })

  it('gives up with "unsettled", never "gone", on a file that changes on every try', async () => {
    const root = useTempRoot({ 'log.txt': 'line\n' })
    const file = path.join(root, 'log.txt')
    await writeDuringReads(Number.POSITIVE_INFINITY, () => appendFileSync(file, 'line\n'))
    expect(await rereadFile('log.txt', file, rulesFor(root))).toBe('unsettled')
  })

  it('still reports a file deleted before the re-read as gone', async () => {
    const root = useTempRoot({})
    expect(await rereadFile('none.txt', path.join(root, 'none.txt'), rulesFor(root))).toBe('gone')
  })
})
