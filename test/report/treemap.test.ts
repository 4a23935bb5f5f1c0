import { describe, expect, it } from 'vitest'
import type { ReportFile } from '../../src/report/data.js'
import { buildTree, type Rect, squarify } from '../../src/report/treemap.js'

const RECT: Rect = { x: 10, y: 20, width: 600, height: 400 }

function overlap(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return width > 0 && height > 0 ? width * height : 0
}

describe('squarify', () => {
  it.each([
    [[6, 6, 4, 3, 2, 2, 1]],
    [[1]],
    [[100, 1, 1, 1]],
    [[5, 5, 5, 5, 5, 5, 5, 5, 5]],
    [[1000, 999, 3, 2, 1, 1, 1, 1, 1, 1, 1]],
  ])(
    'gives each of %j an area in proportion to its size, inside the rectangle, without overlaps',
    (sizes) => {
      const placed = squarify(
        sizes.map((size) => ({ size })),
        RECT,
      )
      const total = sizes.reduce((sum, size) => sum + size, 0)
      expect(placed).toHaveLength(sizes.length)
      for (const [index, { item, rect }] of placed.entries()) {
        expect(rect.width * rect.height).toBeCloseTo((item.size / total) * RECT.width * RECT.height, 6)
        expect(rect.x).toBeGreaterThanOrEqual(RECT.x - 1e-9)
        expect(rect.y).toBeGreaterThanOrEqual(RECT.y - 1e-9)
        expect(rect.x + rect.width).toBeLessThanOrEqual(RECT.x + RECT.width + 1e-6)
        expect(rect.y + rect.height).toBeLessThanOrEqual(RECT.y + RECT.height + 1e-6)
        for (const other of placed.slice(index + 1)) expect(overlap(rect, other.rect)).toBeLessThan(1e-6)
      }
    },
  )

  it('keeps equal items close to squares', () => {
    const placed = squarify(
      Array.from({ length: 6 }, () => ({ size: 1 })),
      { x: 0, y: 0, width: 300, height: 200 },
    )
    for (const { rect } of placed)
      expect(Math.max(rect.width / rect.height, rect.height / rect.width)).toBeLessThan(2)
  })

  it('places nothing when there is nothing to place', () => {
    expect(squarify([{ size: 0 }], RECT)).toEqual([])
    expect(squarify([{ size: 1 }], { ...RECT, width: 0 })).toEqual([])
  })
})

describe('buildTree', () => {
  it('sums bytes by folder and orders each level largest first', () => {
    const file = (path: string, size: number) => ({ path, size }) as ReportFile
    const tree = buildTree([
      file('css/a.css', 10),
      file('css/deep/b.css', 30),
      file('js/app.js', 25),
      file('robots.txt', 1),
    ])
    expect(tree.size).toBe(66)
    expect(tree.children.map((child) => [child.path, child.size])).toEqual([
      ['css', 40],
      ['js', 25],
      ['robots.txt', 1],
    ])
    expect(tree.children[0]?.children.map((child) => [child.path, child.size])).toEqual([
      ['css/deep', 30],
      ['css/a.css', 10],
    ])
  })
})
