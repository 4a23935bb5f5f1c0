import { describe, expect, it } from 'vitest'
import {
  evaluatePreconditions,
  isRangeCurrent,
  matchesEntityTag,
  parseHttpDate,
} from '../../src/http/conditional.js'

const ETAG = '"a"'
const LAST_MODIFIED = Date.UTC(2024, 0, 2, 3, 4, 5)
const LAST_MODIFIED_TEXT = new Date(LAST_MODIFIED).toUTCString()
const EARLIER = new Date(LAST_MODIFIED - 1000).toUTCString()
const LATER = new Date(LAST_MODIFIED + 1000).toUTCString()
const NOW = Date.UTC(2025, 0, 1)
const FUTURE = new Date(NOW + 86_400_000).toUTCString()
const validators = { etag: ETAG, lastModifiedMs: LAST_MODIFIED }

function getter(headers: Record<string, string | undefined>) {
  return (name: string) => headers[name]
}

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', 784111777000],
    ['obsolete RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', 784111777000],
    ['ANSI C asctime', 'Sun Nov  6 08:49:37 1994', 784111777000],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT ', 784111777000],
  ])('accepts %s', (_format, text, expected) => {
    expect(parseHttpDate(text)).toBe(expected)
  })

  it.each([
    'yesterday',
    '2024',
    '2024-01-02T03:04:05Z',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 25:49:37 GMT',
    '',
    'x'.repeat(10_000),
  ])('rejects %j', (text) => {
    expect(parseHttpDate(text)).toBeUndefined()
  })
})

describe('matchesEntityTag', () => {
  it.each([
    { field: '"a"', weak: true, strong: true },
    { field: 'W/"a"', weak: true, strong: false },
    { field: '"x", "a"', weak: true, strong: true },
    { field: '"x",\t"a"', weak: true, strong: true },
    { field: '"x",W/"a"', weak: true, strong: false },
    { field: '*', weak: true, strong: true },
    { field: '"b"', weak: false, strong: false },
    { field: 'a', weak: false, strong: false },
    { field: '"a', weak: false, strong: false },
    { field: '"ab"', weak: false, strong: false },
    { field: '', weak: false, strong: false },
    { field: ', , "a"', weak: true, strong: true },
  ])('$field → weak=$weak strong=$strong', ({ field, weak, strong }) => {
    expect(matchesEntityTag(field, ETAG, 'weak')).toBe(weak)
    expect(matchesEntityTag(field, ETAG, 'strong')).toBe(strong)
  })

  it('scans a megabyte-long list in one pass', () => {
    const field = `${'"nope", '.repeat(130_000)}"a"`
    expect(field.length).toBeGreaterThan(1_000_000)
    expect(matchesEntityTag(field, ETAG, 'weak')).toBe(true)
  })
})

describe('evaluatePreconditions (RFC 9110 §13.2.2 order)', () => {
  it.each([
    { when: 'no validators', headers: {}, result: 'proceed' },
    { when: 'matching strong tag', headers: { 'if-none-match': '"a"' }, result: 'not-modified' },
    { when: 'weak tag matches weakly', headers: { 'if-none-match': 'W/"a"' }, result: 'not-modified' },
    { when: 'list containing the tag', headers: { 'if-none-match': '"x", "a"' }, result: 'not-modified' },
    { when: 'star', headers: { 'if-none-match': '*' }, result: 'not-modified' },
    { when: 'other tag', headers: { 'if-none-match': '"x"' }, result: 'proceed' },
    {
      when: 'empty If-None-Match counts as absent',
      headers: { 'if-none-match': '', 'if-modified-since': LAST_MODIFIED_TEXT },
      result: 'not-modified',
    },
    {
      when: 'INM wins over IMS',
      headers: { 'if-none-match': '"x"', 'if-modified-since': LATER },
      result: 'proceed',
    },
    {
      when: 'IMS equal to Last-Modified',
      headers: { 'if-modified-since': LAST_MODIFIED_TEXT },
      result: 'not-modified',
    },
    { when: 'IMS later', headers: { 'if-modified-since': LATER }, result: 'not-modified' },
    { when: 'IMS one second earlier', headers: { 'if-modified-since': EARLIER }, result: 'proceed' },
    { when: 'IMS unparseable', headers: { 'if-modified-since': 'yesterday' }, result: 'proceed' },
    { when: 'IMS in the future', headers: { 'if-modified-since': FUTURE }, result: 'proceed' },
    {
      when: 'request no-cache',
      headers: { 'if-none-match': '"a"', 'cache-control': 'no-cache' },
      result: 'proceed',
    },
    {
      when: 'request max-age=0 still revalidates',
      headers: { 'if-none-match': '"a"', 'cache-control': 'max-age=0' },
      result: 'not-modified',
    },
    { when: 'If-Match matches', headers: { 'if-match': '"a"' }, result: 'proceed' },
    { when: 'If-Match star', headers: { 'if-match': '*' }, result: 'proceed' },
    { when: 'If-Match other tag', headers: { 'if-match': '"x"' }, result: 'precondition-failed' },
    {
      when: 'If-Match weak tag (strong comparison)',
      headers: { 'if-match': 'W/"a"' },
      result: 'precondition-failed',
    },
    {
      when: 'IUS before Last-Modified',
      headers: { 'if-unmodified-since': EARLIER },
      result: 'precondition-failed',
    },
    { when: 'IUS equal', headers: { 'if-unmodified-since': LAST_MODIFIED_TEXT }, result: 'proceed' },
    { when: 'IUS unparseable is ignored', headers: { 'if-unmodified-since': 'nope' }, result: 'proceed' },
    {
      when: 'If-Match wins over IUS',
      headers: { 'if-match': '"a"', 'if-unmodified-since': EARLIER },
      result: 'proceed',
    },
    {
      when: 'If-Match checked before INM',
      headers: { 'if-match': '"x"', 'if-none-match': '"a"' },
      result: 'precondition-failed',
    },
  ])('$when → $result', ({ headers, result }) => {
    expect(evaluatePreconditions(getter(headers), validators, NOW)).toBe(result)
  })
})

describe('isRangeCurrent (If-Range, RFC 9110 §13.1.5)', () => {
  it.each([
    { when: 'absent', value: undefined, current: true },
    { when: 'current strong tag', value: '"a"', current: true },
    { when: 'weak tag never matches', value: 'W/"a"', current: false },
    { when: 'stale tag', value: '"old"', current: false },
    { when: 'exact Last-Modified date', value: LAST_MODIFIED_TEXT, current: true },
    { when: 'later date', value: LATER, current: false },
    { when: 'earlier date', value: EARLIER, current: false },
    { when: 'garbage', value: 'whenever', current: false },
  ])('$when → $current', ({ value, current }) => {
    expect(isRangeCurrent(value, validators)).toBe(current)
  })
})

describe('request Cache-Control: only a no-cache directive skips the 304', () => {
  it.each([
    { cacheControl: 'no-cache', result: 'proceed' },
    { cacheControl: 'NO-CACHE', result: 'proceed' },
    { cacheControl: 'max-age=0, no-cache', result: 'proceed' },
    { cacheControl: 'max-age=0,no-cache', result: 'proceed' },
    { cacheControl: 'no-cache, max-age=0', result: 'proceed' },
    { cacheControl: 'no-cache,max-age=0', result: 'proceed' },
    { cacheControl: ' \tno-cache\t ', result: 'proceed' },
    { cacheControl: 'no-store, no-cache , max-age=0', result: 'proceed' },
    { cacheControl: 'no-cache-please', result: 'not-modified' },
    { cacheControl: 'x-no-cache', result: 'not-modified' },
    { cacheControl: 'max-age=0 no-cache', result: 'not-modified' },
    { cacheControl: 'no-cachex, max-age=0', result: 'not-modified' },
    { cacheControl: 'private="no-cache"', result: 'not-modified' },
    { cacheControl: 'no-store', result: 'not-modified' },
    { cacheControl: '', result: 'not-modified' },
  ])('$cacheControl → $result', ({ cacheControl, result }) => {
    const headers = { 'cache-control': cacheControl }
    expect(evaluatePreconditions(getter({ ...headers, 'if-none-match': ETAG }), validators, NOW)).toBe(result)
    expect(
      evaluatePreconditions(getter({ ...headers, 'if-modified-since': LAST_MODIFIED_TEXT }), validators, NOW),
    ).toBe(result)
  })

  it('still fails If-Match and If-Unmodified-Since under no-cache', () => {
    const noCache = { 'cache-control': 'no-cache' }
    expect(evaluatePreconditions(getter({ ...noCache, 'if-match': '"x"' }), validators, NOW)).toBe(
      'precondition-failed',
    )
    expect(
      evaluatePreconditions(getter({ ...noCache, 'if-unmodified-since': EARLIER }), validators, NOW),
    ).toBe('precondition-failed')
  })
})

describe('If-Modified-Since and If-Unmodified-Since at their edges', () => {
  it.each([
    { when: 'IMS equal to now', since: NOW, result: 'not-modified' },
    { when: 'IMS a second after now', since: NOW + 1000, result: 'proceed' },
    { when: 'IMS a second before Last-Modified', since: LAST_MODIFIED - 1000, result: 'proceed' },
    { when: 'IMS a second after Last-Modified', since: LAST_MODIFIED + 1000, result: 'not-modified' },
  ])('$when → $result', ({ since, result }) => {
    const header = { 'if-modified-since': new Date(since).toUTCString() }
    expect(evaluatePreconditions(getter(header), validators, NOW)).toBe(result)
  })

  it.each([
    { when: 'IUS a second after Last-Modified', since: LAST_MODIFIED + 1000, result: 'proceed' },
    { when: 'IUS a second before Last-Modified', since: LAST_MODIFIED - 1000, result: 'precondition-failed' },
  ])('$when → $result', ({ since, result }) => {
    const header = { 'if-unmodified-since': new Date(since).toUTCString() }
    expect(evaluatePreconditions(getter(header), validators, NOW)).toBe(result)
  })

  it('ignores If-Modified-Since when If-None-Match is present, even unmatched', () => {
    const headers = { 'if-none-match': '"x"', 'if-modified-since': LAST_MODIFIED_TEXT }
    expect(evaluatePreconditions(getter(headers), validators, NOW)).toBe('proceed')
  })

  it.each(['   ', '\t'])('treats an If-None-Match of only whitespace (%j) as absent', (blank) => {
    const headers = { 'if-none-match': blank, 'if-modified-since': LAST_MODIFIED_TEXT }
    expect(evaluatePreconditions(getter(headers), validators, NOW)).toBe('not-modified')
    expect(evaluatePreconditions(getter({ 'if-none-match': blank }), validators, NOW)).toBe('proceed')
  })
})

describe('malformed and padded entity-tag lists', () => {
  it.each([
    { field: 'x/"a"', weak: false, strong: false },
    { field: 'w/"a"', weak: false, strong: false },
    { field: 'W"a"', weak: false, strong: false },
    { field: 'W/', weak: false, strong: false },
    { field: '"b", x, "a"', weak: false, strong: false },
    { field: '"b" x "a"', weak: false, strong: false },
    { field: '  "a"  ', weak: true, strong: true },
    { field: '\t"a"\t', weak: true, strong: true },
    { field: '"b",*', weak: true, strong: true },
    { field: ' *', weak: true, strong: true },
    { field: '"b","a"', weak: true, strong: true },
    { field: '"a""b"', weak: true, strong: true },
    { field: '"b""a"', weak: true, strong: true },
    { field: 'W/"b", W/"a"', weak: true, strong: false },
    { field: '"", "a"', weak: true, strong: true },
    { field: '"b', weak: false, strong: false },
    { field: 'x", "a"', weak: false, strong: false },
    { field: '"b"x, "a"', weak: false, strong: false },
    { field: 'W/x", "a"', weak: false, strong: false },
    { field: 'Wx"a"', weak: false, strong: false },
    { field: 'W"a", "a"', weak: false, strong: false },
    { field: '"a"x', weak: true, strong: true },
    { field: '"abc"', weak: false, strong: false },
    { field: '""', weak: false, strong: false },
  ])('$field', ({ field, weak, strong }) => {
    expect(matchesEntityTag(field, ETAG, 'weak')).toBe(weak)
    expect(matchesEntityTag(field, ETAG, 'strong')).toBe(strong)
  })

  it.each([
    { value: ' "a" ', current: true },
    { value: `  ${LAST_MODIFIED_TEXT}\t`, current: true },
    { value: 'W/"b"', current: false },
    { value: '"a" ', current: true },
    { value: 'Tue, 02 Jan 2024 03:04:06 GMT', current: false },
  ])('If-Range $value → $current', ({ value, current }) => {
    expect(isRangeCurrent(value, validators)).toBe(current)
  })
})
