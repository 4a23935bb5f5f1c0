import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, MissingAssetError } from '../../src/index.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'

function sri(algorithm: string, file: string): string {
  return `${algorithm}-${createHash(algorithm)
    .update(readFileSync(path.join(PUBLIC_ROOT, file)))
    .digest('base64')}`
}

describe('Subresource Integrity', () => {
  it('integrity() is the sha384 of the bytes served; another algorithm on request', async () => {
    expect((await createStatic({ root: PUBLIC_ROOT })).integrity('js/app.js')).toBe(
      sri('sha384', 'js/app.js'),
    )
    expect((await createStatic({ root: PUBLIC_ROOT, integrity: 'sha512' })).integrity('/js/app.js')).toBe(
      sri('sha512', 'js/app.js'),
    )
  })

  it('renders whole tags with the versioned URL, integrity and crossorigin', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.script('js/app.js')).toBe(
      `<script src="${assets.url('js/app.js')}" integrity="${sri('sha384', 'js/app.js')}" crossorigin="anonymous"></script>`,
    )
    expect(assets.stylesheet('css/app.css', { media: 'print' })).toBe(
      `<link rel="stylesheet" href="${assets.url('css/app.css')}" integrity="${sri('sha384', 'css/app.css')}" crossorigin="anonymous" media="print">`,
    )
  })

  it('escapes attribute values, renders booleans, and lets attributes be dropped or replaced', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, crossorigin: false })
    const tag = assets.script('with space.txt', {
      defer: true,
      async: false,
      'data-x': `"><script>alert('x')</script>`,
    })
    expect(tag).toBe(
      `<script src="/static/with%20space.txt?v=${assets.get('with space.txt')?.token}" integrity="${sri('sha384', 'with space.txt')}" defer data-x="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"></script>`,
    )
    expect(assets.script('js/app.js', { crossorigin: 'use-credentials' })).toContain(
      'crossorigin="use-credentials"',
    )
    expect(() => assets.script('js/app.js', { 'on load': 'x' })).toThrow('invalid attribute name')
  })

  it('throws MissingAssetError for a file that is not in the index', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(() => assets.integrity('nope.js')).toThrow(MissingAssetError)
    expect(() => assets.stylesheet('nope.css')).toThrow(MissingAssetError)
  })
})
