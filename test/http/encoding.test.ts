import { describe, expect, it } from 'vitest'
import {
  byPreference,
  ENCODINGS,
  encodingExtension,
  isEncoding,
  negotiateEncoding,
} from '../../src/http/encoding.js'

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

  it.each([
    // q-values with several digits, and at their bounds
    { header: 'br;q=0.25, gzip;q=0.3', expected: 'gzip' },
    { header: 'br;q=0.125, gzip;q=0.12', expected: 'br' },
    { header: 'gzip;q=0.001, br;q=0', expected: 'gzip' },
    { header: 'br;q=0.001', expected: 'br' },
    { header: 'br;q=1.000, gzip', expected: 'br' },
    { header: 'br;q=0., gzip', expected: 'gzip' },
    { header: 'br;q=0.0001, gzip;q=0.5', expected: 'br' },
    { header: 'br;q=2, gzip;q=0.5', expected: 'br' },
    { header: 'br;q=1.5, gzip;q=1', expected: 'br' },
    { header: 'gzip;q=1.5, br;q=1', expected: 'br' },
    { header: 'br;q=-1, gzip;q=0.5', expected: 'br' },
    // whitespace and case around the parameter
    { header: 'br ; q=0, gzip', expected: 'gzip' },
    { header: 'br;q = 0 , gzip', expected: 'gzip' },
    { header: 'br;\tQ=0,\tgzip', expected: 'gzip' },
    { header: '  BR  ;q=0, gzip', expected: 'gzip' },
    { header: 'br;level=1;q=0, gzip', expected: 'gzip' },
    { header: 'br;q=0;level=1, gzip', expected: 'gzip' },
    { header: 'br;xq=0, gzip;q=0.5', expected: 'br' },
    { header: 'br;q=0x, gzip;q=0.5', expected: 'br' },
    // identity by q-value
    { header: 'br;q=0.5, identity', expected: 'identity' },
    { header: 'gzip;q=0.5, identity;q=0.6', expected: 'identity' },
    { header: 'identity;q=0, br;q=0.1', expected: 'br' },
    { header: 'identity;q=0.5, br;q=0.5', expected: 'br' },
    { header: '*;q=0.5, br;q=0.4', expected: 'gzip' },
    { header: '*;q=0, identity;q=0.5, br;q=0.4', expected: 'identity' },
    // every coding refused: identity anyway
    { header: 'br;q=0, gzip;q=0, identity;q=0', expected: 'identity' },
    { header: '*;q=0', expected: 'identity' },
    // duplicates: the first one counts
    { header: 'br;q=0, br, gzip', expected: 'gzip' },
    { header: 'br, br;q=0', expected: 'br' },
    { header: 'gzip;q=0, x-gzip, br;q=0', expected: 'identity' },
    { header: 'x-gzip;q=0.5, br;q=0.4', expected: 'gzip' },
    // empty and malformed members
    { header: ',,br,', expected: 'br' },
    { header: ';q=1, gzip', expected: 'gzip' },
  ])('$header → $expected', ({ header, expected }) => {
    expect(negotiateEncoding(header, BOTH)).toBe(expected)
  })

  it('only picks variants that exist', () => {
    expect(negotiateEncoding('br, gzip', new Set(['gzip']))).toBe('gzip')
    expect(negotiateEncoding('br', new Set(['gzip']))).toBe('identity')
    expect(negotiateEncoding('*', new Set(['gzip']))).toBe('gzip')
    expect(negotiateEncoding('br, gzip', new Set())).toBe('identity')
    expect(negotiateEncoding('gzip;q=0, x-gzip', new Set(['gzip']))).toBe('identity')
    expect(negotiateEncoding('identity;q=0, gzip;q=0.1', new Set(['gzip']))).toBe('gzip')
  })

  it('reads at most 64 members of the header', () => {
    const filler = Array.from({ length: 63 }, (_, i) => `c${i}`)
    expect(negotiateEncoding([...filler, 'br'].join(','), BOTH)).toBe('br')
    expect(negotiateEncoding([...filler, 'x', 'br'].join(','), BOTH)).toBe('identity')
  })
})

describe('the coding table', () => {
  it('lists br before gzip, with their file suffixes', () => {
    expect(ENCODINGS).toEqual(['br', 'gzip'])
    expect(ENCODINGS.map(encodingExtension)).toEqual(['.br', '.gz'])
  })

  it.each([
    ['br', true],
    ['gzip', true],
    ['x-gzip', false],
    ['identity', false],
    ['deflate', false],
    ['toString', false],
    ['', false],
  ])('isEncoding(%j) is %s', (name, expected) => {
    expect(isEncoding(name)).toBe(expected)
  })

  it('orders variants best first', () => {
    const variants = [{ encoding: 'gzip' as const }, { encoding: 'br' as const }]
    expect([...variants].sort(byPreference).map((variant) => variant.encoding)).toEqual(['br', 'gzip'])
    expect(
      [...variants]
        .reverse()
        .sort(byPreference)
        .map((variant) => variant.encoding),
    ).toEqual(['br', 'gzip'])
  })
})
