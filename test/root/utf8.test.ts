import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createUtf8Check, isUtf8Text } from '../../src/root/utf8.js'

const latin1 = (text: string) => Buffer.from(text, 'latin1')

describe('isUtf8Text', () => {
  it.each([
    ['ASCII', true, Buffer.from('body { color: red }')],
    ['empty', true, Buffer.alloc(0)],
    ['UTF-8 with £ and é', true, Buffer.from('£ café')],
    ['four-byte sequences', true, Buffer.from('emoji 🎉')],
    ['a BOM, then UTF-8', true, Buffer.from('\ufeffcafé')],
    [
      'a BOM, then Latin-1 (the BOM says UTF-8, and browsers obey it)',
      true,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), latin1('café')]),
    ],
    ['Latin-1 £ and é', false, latin1('@charset "iso-8859-1"; £ café')],
    ['a truncated sequence at the end', false, Buffer.from([0x61, 0xe2, 0x82])],
    ['an overlong encoding of "/"', false, Buffer.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate encoded in UTF-8', false, Buffer.from([0xed, 0xa0, 0x80])],
    ['a code point above U+10FFFF', false, Buffer.from([0xf4, 0x90, 0x80, 0x80])],
    ['a UTF-16 BOM', false, Buffer.from([0xff, 0xfe, 0x61, 0x00])],
  ])('%s → %s', (_name, expected, bytes) => {
    expect(isUtf8Text(bytes)).toBe(expected)
  })
})

describe('createUtf8Check: chunk by chunk, the same answer as the whole', () => {
  // Text with one- to four-byte characters, sometimes with stray bytes, cut anywhere.
  const piece = fc.oneof(
    fc.constantFrom('a', 'é', '£', '€', '𝄞', '\ufeff', '\n').map((text) => Buffer.from(text)),
    fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => Buffer.from(bytes)),
  )
  const bytesAndCuts = fc
    .array(piece, { maxLength: 40 })
    .map((pieces) => Buffer.concat(pieces))
    .chain((bytes) =>
      fc.tuple(
        fc.constant(bytes),
        fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }),
      ),
    )

  it('for any bytes and any cuts (fast-check)', () => {
    fc.assert(
      fc.property(bytesAndCuts, ([bytes, cuts]) => {
        const check = createUtf8Check()
        let start = 0
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          check.update(bytes.subarray(start, cut))
          start = cut
        }
        check.update(bytes.subarray(start))
        expect(check.end()).toBe(isUtf8Text(bytes))
      }),
      { numRuns: 2000 },
    )
  })

  it('one byte at a time, through a four-byte character and a BOM', () => {
    for (const bytes of [Buffer.from('a𝄞b'), Buffer.from('\ufeffx'), Buffer.from([0xf0, 0x9d, 0x84])]) {
      const check = createUtf8Check()
      for (const byte of bytes) check.update(Uint8Array.of(byte))
      expect(check.end(), bytes.toString('hex')).toBe(isUtf8Text(bytes))
    }
  })
})
