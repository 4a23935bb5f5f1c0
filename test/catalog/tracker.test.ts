import { statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createTracker, type Reread, type Tracker } from '../../src/catalog/tracker.js'
import { identityOf } from '../../src/root/open-file.js'
import type { Asset } from '../../src/types.js'
import { makeAsset } from '../helpers/asset.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { nextSecond } from '../helpers/trust-contract.js'

// Every statSync the tracker makes, by path: the cost rule is one per file per second.
const stats = vi.hoisted(() => ({ paths: [] as string[] }))
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>()
  const statSync = ((...args: Parameters<typeof actual.statSync>) => {
    stats.paths.push(String(args[0]))
    return actual.statSync(...args)
  }) as typeof actual.statSync
  return { ...actual, statSync, default: { ...actual, statSync } }
})

/** An asset for a real file of `root`, with the identity a scan would have recorded. */
function assetOf(root: string, logicalPath: string, references: string[] = [], hash = logicalPath): Asset {
  const absolutePath = path.join(root, logicalPath)
  return makeAsset({
    logicalPath,
    absolutePath,
    hash,
    token: hash.padEnd(16, '0').slice(0, 16),
    references,
    identity: identityOf(statSync(absolutePath)),
  })
}

async function eventually(check: () => boolean): Promise<void> {
  for (let waited = 0; waited < 5000 && !check(); waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20))
  expect(check()).toBe(true)
}

describe('tracker: re-reads retry, never drop', () => {
  it('keeps an entry whose re-read did not settle (answered as busy), and reads it again on the next try', async () => {
    const root = useTempRoot({ 'a.txt': 'one' })
    const first = assetOf(root, 'a.txt')
    const outcomes: Reread[] = ['unsettled', { ...first, hash: 'two', token: 'two0000000000000' }]
    const tracker = createTracker({ initial: [first], reread: async () => outcomes.shift() ?? 'gone' })
    await expect(tracker.refresh('a.txt')).rejects.toMatchObject({ code: 'EBUSY' })
    expect(tracker.values()).toEqual([first])
    expect(tracker.isFresh(first)).toBe(false)
    const next = await tracker.verify(first)
    expect(next?.hash).toBe('two')
    expect(next !== undefined && tracker.isFresh(next)).toBe(true)
  })

  it('starts the re-read again from a lookup, once a second, after one that did not settle', async () => {
    const root = useTempRoot({ 'a.txt': 'one' })
    const first = assetOf(root, 'a.txt')
    let reads = 0
    const tracker = createTracker({
      initial: [first],
      reread: async (current) => (++reads === 1 ? 'busy' : { ...current, hash: 'again' }),
    })
    await expect(tracker.refresh('a.txt')).rejects.toMatchObject({ code: 'EMFILE' })
    await nextSecond()
    tracker.get('a.txt')
    await eventually(() => tracker.get('a.txt')?.hash === 'again')
    expect(reads).toBe(2)
  })
})

describe('tracker: a stylesheet is as fresh as what it references', () => {
  /** css/app.css → css/base.css → img/bg.png, and css/other.css → img/bg.png, over real files. */
  function graph(): { root: string; tracker: Tracker; rereads: string[] } {
    const root = useTempRoot({
      'css/app.css': 'app',
      'css/base.css': 'base',
      'css/other.css': 'other',
      'img/bg.png': 'one',
    })
    const rereads: string[] = []
    const tracker: Tracker = createTracker({
      initial: [
        assetOf(root, 'css/app.css', ['css/base.css']),
        assetOf(root, 'css/base.css', ['img/bg.png']),
        assetOf(root, 'css/other.css', ['img/bg.png']),
        assetOf(root, 'img/bg.png'),
      ],
      async reread(current) {
        rereads.push(current.logicalPath)
        const identity = identityOf(statSync(current.absolutePath))
        return { ...current, hash: `${current.hash}+`, identity }
      },
      // What the scanned index does: the files naming a replaced file are read again.
      onReplaced(_previous, next) {
        for (const asset of tracker.values())
          if (asset.references.includes(next.logicalPath)) void tracker.refresh(asset.logicalPath)
      },
    })
    return { root, tracker, rereads }
  }

  it('notices an edit two references down from a lookup of the stylesheet alone, and is not fresh until it is re-read', async () => {
    const { root, tracker, rereads } = graph()
    const app = tracker.get('css/app.css') as Asset
    expect(tracker.isFresh(app)).toBe(true)
    writeFileSync(path.join(root, 'img/bg.png'), 'two, longer')
    await nextSecond()
    expect(tracker.get('css/app.css')).toBe(app)
    // The image's re-read has started; the stylesheet's token may name old bytes until it ends.
    expect(rereads).toEqual(['img/bg.png'])
    expect(tracker.isFresh(app)).toBe(false)
    await eventually(() => {
      const now = tracker.get('css/app.css')
      return now !== undefined && now !== app && tracker.isFresh(now)
    })
    expect(rereads.sort()).toEqual(['css/app.css', 'css/base.css', 'css/other.css', 'img/bg.png'])
  })

  it('stats each file at most once a second, however many stylesheets name it and however often they are looked up', async () => {
    const { root, tracker } = graph()
    const count = (logicalPath: string) =>
      stats.paths.filter((statted) => statted === path.join(root, logicalPath)).length
    // Counted over a burst that stays inside one second (tried again if it straddles one).
    let counted = false
    for (let attempt = 0; attempt < 3 && !counted; attempt++) {
      await nextSecond()
      const second = Math.floor(Date.now() / 1000)
      stats.paths.length = 0
      for (let call = 0; call < 2000; call++) {
        tracker.get('css/app.css')
        tracker.get('css/other.css')
      }
      counted = Math.floor(Date.now() / 1000) === second
    }
    expect(counted).toBe(true)
    for (const file of ['img/bg.png', 'css/base.css', 'css/app.css', 'css/other.css'])
      expect(count(file)).toBe(1)
  })

  it('ends the check of a reference cycle where it began', async () => {
    const root = useTempRoot({ 'a.css': 'a', 'b.css': 'b' })
    const tracker = createTracker({
      initial: [assetOf(root, 'a.css', ['b.css']), assetOf(root, 'b.css', ['a.css'])],
      reread: async (current) => current,
    })
    await nextSecond()
    const a = tracker.get('a.css') as Asset
    expect(tracker.isFresh(a)).toBe(true)
  })
})
