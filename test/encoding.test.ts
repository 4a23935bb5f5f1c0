import { describe, expect, it } from 'vitest'
import { negotiateEncoding } from '../src/http/encoding.js'

const BOTH = new Set(['br', 'gzip'])

describe('negotiateEncoding', () => {
  it.each([
    { header: undefined, expected: 'identity' },
    { header: '', expected: 'identity' },
    { header: 'gzip, deflate, br', expected: 'br' },
    { header: 'gzip', expected: 'gzip' },
    { header: 'gzip;q=1.0', expected: 'gzip' },
    { header: 'GZIP', expected: 'gzip' },
    { header: 'x-gzip', expected: 'gzip' },
    { header: 'br;q=0, gzip', expected: 'gzip' },
    { header: 'br;q=0.5, gzip;q=0.8', expected: 'gzip' },
    { header: 'br;q=0.8, gzip;q=0.8', expected: 'br' },
    { header: '*', expected: 'br' },
    { header: '*;q=0.1, br;q=0', expected: 'gzip' },
    { header: 'identity', expected: 'identity' },
    { header: 'deflate', expected: 'identity' },
    { header: 'br;q=0, gzip;q=0', expected: 'identity' },
    { header: 'br;q=abc', expected: 'br' },
    { header: 'zstd, br;q=0.9', expected: 'br' },
  ])('$header → $expected', ({ header, expected }) => {
    expect(negotiateEncoding(header, BOTH)).toBe(expected)
  })

  it('only picks variants that exist', () => {
    expect(negotiateEncoding('br, gzip', new Set(['gzip']))).toBe('gzip')
    expect(negotiateEncoding('br', new Set(['gzip']))).toBe('identity')
  })
})
