import { realpathSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStatic, type StaticAssets } from '../src/index.js'
import { OUTSIDE_FILE, useTempRoot } from './helpers/fixtures.js'

/** Pieces a hostile path is made of. */
const SEGMENTS = [
  'a.txt',
  'dir',
  'b.css',
  'index.html',
  '.env',
  '.well-known',
  'security.txt',
  'link-out',
  'linkdir',
  'sub',
  '..',
  '.',
  '',
  '%2e%2e',
  '%2E%2E',
  '%252e%252e',
  '%2e',
  '..%2f',
  '%2f',
  '%5c',
  '\\',
  '..\\',
  '%00',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%e0%80%ae',
  '%ef%bc%8e%ef%bc%8e',
  'C:',
  'c:%5c',
  '%',
  '%zz',
  '%ff',
  'caf%C3%A9.txt',
  'cafe%CC%81.txt',
  'café.txt',
  'x'.repeat(300),
  'A.TXT',
  'a.txt;',
  'a.txt%3F',
  '%3f',
  '?',
  '#',
]

const requestPath = fc
  .array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 6 })), { minLength: 0, maxLength: 8 })
  .map((segments) => `/static/${segments.join('/')}`)

function isInside(file: string, root: string): boolean {
  return file === root || file.startsWith(root + path.sep)
}

function tree(): string {
  const root = useTempRoot({
    'a.txt': 'a',
    'b.css': 'b{}',
    'dir/a.txt': 'dir a',
    'dir/index.html': '<p>dir</p>',
    'dir/sub/a.txt': 'deep',
    '.env': 'SECRET=1',
    '.well-known/security.txt': 'contact',
    'café.txt': 'nfc',
  })
  symlinkSync(OUTSIDE_FILE, path.join(root, 'link-out'))
  symlinkSync(path.dirname(OUTSIDE_FILE), path.join(root, 'linkdir'))
  return root
}

/** What the index allows: no dot segment except a leading .well-known directory. */
function isAllowed(logicalPath: string): boolean {
  const segments = logicalPath.split('/')
  return segments.every(
    (segment, i) => !segment.startsWith('.') || (i === 0 && segment === '.well-known' && segments.length > 1),
  )
}

function checkAnswer(
  assets: StaticAssets,
  realRoot: string,
  indexed: Set<string> | undefined,
  target: string,
): void {
  const plan = assets.respond({ method: 'GET', url: target, header: () => undefined })
  if (plan === undefined) return // not ours: the app (or a 404) answers
  expect([200, 301, 400, 404], target).toContain(plan.status)
  if (plan.status !== 200) return
  expect(plan.body, target).not.toBeNull()
  if (plan.body === null || typeof plan.body === 'string') return
  const { asset } = plan.body
  expect(isInside(realpathSync(asset.absolutePath), realRoot), `${target} → ${asset.absolutePath}`).toBe(true)
  expect(isAllowed(asset.logicalPath), `${target} → ${asset.logicalPath}`).toBe(true)
  if (indexed !== undefined) expect(indexed.has(asset.logicalPath), target).toBe(true)
}

describe('URL → file resolution, for any request path (fast-check)', () => {
  it('production: 400, 404 or an indexed file inside the root, never a dotfile or a symlink out', async () => {
    const root = tree()
    const assets = await createStatic({ root, index: 'index.html' })
    const indexed = new Set(assets.assets().map((asset) => asset.logicalPath))
    expect(indexed.has('link-out')).toBe(false)
    fc.assert(
      fc.property(requestPath, (target) => checkAnswer(assets, realpathSync(root), indexed, target)),
      { numRuns: 3000 },
    )
  })

  it('dev mode: the same, resolved on disk with the containment check', async () => {
    const root = tree()
    const assets = await createStatic({ root, dev: true, index: 'index.html' })
    fc.assert(
      fc.property(requestPath, (target) => checkAnswer(assets, realpathSync(root), undefined, target)),
      { numRuns: 1500 },
    )
  })

  it('every decoded form of a served path names the same indexed file', async () => {
    const root = tree()
    const assets = await createStatic({ root })
    fc.assert(
      fc.property(
        fc.constantFrom('a.txt', 'dir/a.txt', 'dir/sub/a.txt', 'café.txt'),
        fc.boolean(),
        (logicalPath, encodeAll) => {
          const encoded = encodeAll
            ? [...Buffer.from(logicalPath)]
                .map((byte) => (byte === 47 ? '/' : `%${byte.toString(16).padStart(2, '0')}`))
                .join('')
            : logicalPath.split('/').map(encodeURIComponent).join('/')
          const plan = assets.respond({ method: 'GET', url: `/static/${encoded}`, header: () => undefined })
          expect(plan?.status).toBe(200)
          expect(plan?.body).toMatchObject({ asset: { logicalPath } })
        },
      ),
    )
  })
})
