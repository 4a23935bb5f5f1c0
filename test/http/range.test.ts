import { describe, expect, it } from 'vitest'
import { MAX_RANGE_SPECS, parseRange } from '../../src/http/range.js'

describe('parseRange on a 10000-byte representation (RFC 9110 §14.1.2 examples)', () => {
  it.each([
    { header: 'bytes=0-499', expected: { kind: 'single', start: 0, end: 499 } },
    { header: 'bytes=500-999', expected: { kind: 'single', start: 500, end: 999 } },
    { header: 'bytes=-500', expected: { kind: 'single', start: 9500, end: 9999 } },
    { header: 'bytes=9500-', expected: { kind: 'single', start: 9500, end: 9999 } },
    { header: 'bytes=0-0,-1', expected: { kind: 'ignore' } },
    { header: 'bytes= 0-999, 4500-5499, -1000', expected: { kind: 'ignore' } },
    { header: 'bytes=500-600,601-999', expected: { kind: 'single', start: 500, end: 999 } },
    { header: 'bytes=500-700,601-999', expected: { kind: 'single', start: 500, end: 999 } },
  ])('$header', ({ header, expected }) => {
    expect(parseRange(header, 10_000)).toEqual(expected)
  })
})

describe('parseRange edge cases', () => {
  it.each([
    {
      when: 'whole file from 0',
      header: 'bytes=0-',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    {
      when: 'end past EOF is clamped',
      header: 'bytes=5-500',
      size: 10,
      expected: { kind: 'single', start: 5, end: 9 },
    },
    {
      when: 'suffix longer than the file',
      header: 'bytes=-500',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    {
      when: 'huge numbers',
      header: 'bytes=0-99999999999999999999999',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    {
      when: 'unit is case-insensitive',
      header: 'Bytes=1-2',
      size: 10,
      expected: { kind: 'single', start: 1, end: 2 },
    },
    {
      when: 'overlapping reversed order merge',
      header: 'bytes=5-9,0-5',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    { when: 'start at EOF', header: 'bytes=10-', size: 10, expected: { kind: 'unsatisfiable' } },
    { when: 'start past EOF', header: 'bytes=50-60', size: 10, expected: { kind: 'unsatisfiable' } },
    { when: 'suffix of zero', header: 'bytes=-0', size: 10, expected: { kind: 'unsatisfiable' } },
    { when: 'any range of an empty file', header: 'bytes=0-', size: 0, expected: { kind: 'unsatisfiable' } },
    { when: 'suffix of an empty file', header: 'bytes=-5', size: 0, expected: { kind: 'unsatisfiable' } },
    { when: 'reversed range is invalid', header: 'bytes=5-2', size: 10, expected: { kind: 'ignore' } },
    { when: 'another unit', header: 'items=0-4', size: 10, expected: { kind: 'ignore' } },
    { when: 'no equals sign', header: 'bytes', size: 10, expected: { kind: 'ignore' } },
    { when: 'empty set', header: 'bytes=', size: 10, expected: { kind: 'ignore' } },
    { when: 'letters', header: 'bytes=abc', size: 10, expected: { kind: 'ignore' } },
    { when: 'negative start', header: 'bytes=--5', size: 10, expected: { kind: 'ignore' } },
    { when: 'decimal', header: 'bytes=1.5-3', size: 10, expected: { kind: 'ignore' } },
    { when: 'bare dash', header: 'bytes=-', size: 10, expected: { kind: 'ignore' } },
    { when: 'disjoint ranges', header: 'bytes=0-1,4-5', size: 10, expected: { kind: 'ignore' } },
    {
      when: 'first byte only',
      header: 'bytes=0-0',
      size: 10,
      expected: { kind: 'single', start: 0, end: 0 },
    },
    {
      when: 'one middle byte',
      header: 'bytes=5-5',
      size: 10,
      expected: { kind: 'single', start: 5, end: 5 },
    },
    { when: 'last byte only', header: 'bytes=9-9', size: 10, expected: { kind: 'single', start: 9, end: 9 } },
    {
      when: 'last byte by suffix',
      header: 'bytes=-1',
      size: 10,
      expected: { kind: 'single', start: 9, end: 9 },
    },
    { when: 'one-byte file', header: 'bytes=0-', size: 1, expected: { kind: 'single', start: 0, end: 0 } },
    {
      when: 'exact whole file',
      header: 'bytes=0-9',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    {
      when: 'suffix equal to the size',
      header: 'bytes=-10',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    { when: 'end not a number', header: 'bytes=0-x', size: 10, expected: { kind: 'ignore' } },
    { when: 'start not a number', header: 'bytes=x-5', size: 10, expected: { kind: 'ignore' } },
    { when: 'suffix not a number', header: 'bytes=-x', size: 10, expected: { kind: 'ignore' } },
    { when: 'signed suffix', header: 'bytes=-+5', size: 10, expected: { kind: 'ignore' } },
    { when: 'no dash', header: 'bytes=5', size: 10, expected: { kind: 'ignore' } },
    { when: 'no dash after a good spec', header: 'bytes=0-1,5', size: 10, expected: { kind: 'ignore' } },
    { when: 'bad spec after a good one', header: 'bytes=0-1,x-2', size: 10, expected: { kind: 'ignore' } },
    { when: 'reversed after a good one', header: 'bytes=0-1,5-2', size: 10, expected: { kind: 'ignore' } },
    {
      when: 'empty list elements',
      header: 'bytes=, ,0-1,,',
      size: 10,
      expected: { kind: 'single', start: 0, end: 1 },
    },
    { when: 'only empty elements', header: 'bytes=, ,', size: 10, expected: { kind: 'ignore' } },
    {
      when: 'spaces around the unit and dash',
      header: ' bytes =2 - 3',
      size: 10,
      expected: { kind: 'single', start: 2, end: 3 },
    },
    { when: 'unit with a suffix', header: 'bytesx=0-1', size: 10, expected: { kind: 'ignore' } },
    {
      when: 'touching ranges merge',
      header: 'bytes=0-1,2-3',
      size: 10,
      expected: { kind: 'single', start: 0, end: 3 },
    },
    { when: 'a gap of one byte', header: 'bytes=0-1,3-4', size: 10, expected: { kind: 'ignore' } },
    {
      when: 'contained range',
      header: 'bytes=0-9,2-3',
      size: 10,
      expected: { kind: 'single', start: 0, end: 9 },
    },
    {
      when: 'one satisfiable among unsatisfiable',
      header: 'bytes=50-60,2-3',
      size: 10,
      expected: { kind: 'single', start: 2, end: 3 },
    },
    {
      when: 'zero suffix beside a range',
      header: 'bytes=-0,2-3',
      size: 10,
      expected: { kind: 'single', start: 2, end: 3 },
    },
    {
      when: 'start at EOF with an end',
      header: 'bytes=10-12',
      size: 10,
      expected: { kind: 'unsatisfiable' },
    },
  ])('$when: $header', ({ header, size, expected }) => {
    expect(parseRange(header, size)).toEqual(expected)
  })

  it(`ignores a header with more than ${MAX_RANGE_SPECS} ranges`, () => {
    const header = `bytes=${Array.from({ length: MAX_RANGE_SPECS + 1 }, () => '0-1').join(',')}`
    expect(parseRange(header, 10)).toEqual({ kind: 'ignore' })
  })

  it(`reads exactly ${MAX_RANGE_SPECS} ranges`, () => {
    const header = `bytes=${Array.from({ length: MAX_RANGE_SPECS }, () => '0-1').join(',')}`
    expect(parseRange(header, 10)).toEqual({ kind: 'single', start: 0, end: 1 })
  })

  it(`merges up to ${MAX_RANGE_SPECS} overlapping ranges`, () => {
    const header = `bytes=${Array.from({ length: MAX_RANGE_SPECS }, (_, i) => `${i}-${i + 1}`).join(',')}`
    expect(parseRange(header, 1000)).toEqual({ kind: 'single', start: 0, end: MAX_RANGE_SPECS })
  })
})
