import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLiveIndex } from '../../src/catalog/dev-index.js'
import type { Locator } from '../../src/catalog/dev-locate.js'
import { resolveOptions } from '../../src/options/options.js'
import { useTempRoot } from '../helpers/fixtures.js'

/** A dev index over `root` that counts the files it looks up on disk. */
function countingIndex(root: string) {
  const looked = { count: 0 }
  const index = createLiveIndex(
    resolveOptions({ root, dev: true, onWarning: () => {} }),
    (locator: Locator): Locator => ({
      ...locator,
      file(logicalPath) {
        looked.count++
        return locator.file(logicalPath)
      },
    }),
  )
  const lookups = (run: () => void) => {
    looked.count = 0
    run()
    return looked.count
  }
  return { index, lookups }
}

/** Sets a directory's modification time an hour back, as if nothing had changed in it lately. */
function settle(directory: string): void {
  const past = new Date(Date.now() - 3_600_000)
  utimesSync(directory, past, past)
}

describe('dev mode: references to missing files cost bounded work per lookup', () => {
  const count = 30_000
  const stylesheet = Array.from({ length: count }, (_, at) => `.i${at}{background:url(../img/i${at}.png)}`)

  it('does not look each missing name up again while no directory that could hold it changes', () => {
    const root = useTempRoot({ 'css/app.css': stylesheet.join('\n'), 'img/present.png': 'png' })
    settle(path.join(root, 'img'))
    const { index, lookups } = countingIndex(root)
    // The first lookup resolves every reference once.
    expect(lookups(() => index.get('css/app.css'))).toBeGreaterThanOrEqual(count)
    const token = index.get('css/app.css')?.token
    // Later lookups look up the stylesheet alone: one lookup, whatever the number of missing names.
    for (let again = 0; again < 3; again++) expect(lookups(() => index.get('css/app.css'))).toBe(1)
    expect(index.get('css/app.css')?.token).toBe(token)
  })

  it('still sees a missing file appear at once, in a folder that exists and in one that did not', () => {
    const root = useTempRoot({
      'css/app.css': `${stylesheet.slice(0, 100).join('\n')}\n.late{background:url(../late/new.png)}`,
      'img/present.png': 'png',
    })
    settle(path.join(root, 'img'))
    settle(root)
    const { index, lookups } = countingIndex(root)
    index.get('css/app.css')
    expect(lookups(() => index.get('css/app.css'))).toBe(1)
    writeFileSync(path.join(root, 'img/i7.png'), 'seven')
    expect(index.get('css/app.css')?.body?.toString()).toContain(
      `url(../img/i7.png?v=${index.get('img/i7.png')?.token})`,
    )
    mkdirSync(path.join(root, 'late'))
    writeFileSync(path.join(root, 'late/new.png'), 'new')
    expect(index.get('css/app.css')?.body?.toString()).toContain(
      `url(../late/new.png?v=${index.get('late/new.png')?.token})`,
    )
    rmSync(path.join(root, 'img/i7.png'))
    expect(index.get('css/app.css')?.body?.toString()).toContain('url(../img/i7.png)}')
  })

  it('looks up at every lookup a missing name behind a symlink, whose target can appear anywhere', () => {
    const root = useTempRoot({
      'css/app.css': '.a{background:url(../linked/a.png)}',
      'elsewhere/keep.txt': 'k',
    })
    symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'linked'))
    settle(root)
    settle(path.join(root, 'elsewhere'))
    const { index, lookups } = countingIndex(root)
    index.get('css/app.css')
    expect(lookups(() => index.get('css/app.css'))).toBe(2)
    writeFileSync(path.join(root, 'elsewhere/a.png'), 'a')
    expect(index.get('css/app.css')?.body?.toString()).toContain('url(../linked/a.png?v=')
  })
})
