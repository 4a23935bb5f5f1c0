// HTTP-date (RFC 9110 §5.6.7) in its three formats, field by field, at a pinned clock (two-digit
// RFC 850 years are read relative to the current year).
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseHttpDate } from '../../src/http/conditional.js'

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(Date.UTC(2024, 5, 1))
})
afterAll(() => {
  vi.useRealTimers()
})

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

describe('every month in every format', () => {
  it.each(MONTHS.map((name, month) => ({ name, month })))('$name', ({ name, month }) => {
    const expected = Date.UTC(2001, month, 9, 10, 11, 12)
    expect(parseHttpDate(`Mon, 09 ${name} 2001 10:11:12 GMT`)).toBe(expected)
    expect(parseHttpDate(`Monday, 09-${name}-01 10:11:12 GMT`)).toBe(expected)
    expect(parseHttpDate(`Mon ${name}  9 10:11:12 2001`)).toBe(expected)
  })
})

describe('any whole second in each format', () => {
  const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
  const pad = (n: number) => String(n).padStart(2, '0')
  // RFC 850 years have two digits: in 2024 they name 1975 to 2074.
  const seconds = fc.integer({
    min: Date.UTC(1975, 0, 1) / 1000,
    max: Date.UTC(2074, 11, 31, 23, 59, 59) / 1000,
  })

  it('reads back what it was written from (fast-check)', () => {
    fc.assert(
      fc.property(seconds, (second) => {
        const date = new Date(second * 1000)
        const weekday = WEEKDAYS[date.getUTCDay()] ?? ''
        const month = MONTHS[date.getUTCMonth()] ?? ''
        const day = date.getUTCDate()
        const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
        const year = date.getUTCFullYear()
        expect(parseHttpDate(date.toUTCString())).toBe(date.getTime())
        expect(parseHttpDate(`${weekday}, ${pad(day)}-${month}-${pad(year % 100)} ${time} GMT`)).toBe(
          date.getTime(),
        )
        expect(
          parseHttpDate(`${weekday.slice(0, 3)} ${month} ${String(day).padStart(2)} ${time} ${year}`),
        ).toBe(date.getTime())
      }),
      { numRuns: 500 },
    )
  })

  it.each(WEEKDAYS)('reads %s, whatever the date', (weekday) => {
    const expected = Date.UTC(2001, 0, 9, 10, 11, 12)
    expect(parseHttpDate(`${weekday.slice(0, 3)}, 09 Jan 2001 10:11:12 GMT`)).toBe(expected)
    expect(parseHttpDate(`${weekday}, 09-Jan-01 10:11:12 GMT`)).toBe(expected)
    expect(parseHttpDate(`${weekday.slice(0, 3)} Jan  9 10:11:12 2001`)).toBe(expected)
  })
})

describe('valid fields at their limits', () => {
  it.each([
    ['day 01', 'Mon, 01 Jan 2001 00:00:00 GMT', Date.UTC(2001, 0, 1)],
    ['day 31', 'Wed, 31 Jan 2001 00:00:00 GMT', Date.UTC(2001, 0, 31)],
    ['hour 23, minute 59, second 59', 'Mon, 01 Jan 2001 23:59:59 GMT', Date.UTC(2001, 0, 1, 23, 59, 59)],
    ['leap second 60 read as 59', 'Sat, 31 Dec 2016 23:59:60 GMT', Date.UTC(2016, 11, 31, 23, 59, 59)],
    ['29 February of a leap year', 'Thu, 29 Feb 2024 12:00:00 GMT', Date.UTC(2024, 1, 29, 12)],
    ['asctime, one-digit day', 'Sun Nov  6 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 37)],
    ['asctime, two-digit day', 'Wed Nov 16 08:49:37 1994', Date.UTC(1994, 10, 16, 8, 49, 37)],
    ['asctime, zero-padded day', 'Sun Nov 06 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 37)],
    ['asctime, day 31', 'Sat Dec 31 23:59:59 1994', Date.UTC(1994, 11, 31, 23, 59, 59)],
    ['surrounding whitespace', '\t Sun, 06 Nov 1994 08:49:37 GMT \t', Date.UTC(1994, 10, 6, 8, 49, 37)],
  ])('%s: %s', (_when, text, expected) => {
    expect(parseHttpDate(text)).toBe(expected)
  })
})

describe('two-digit RFC 850 years, read in 2024', () => {
  it.each([
    ['00', 2000],
    ['24', 2024],
    ['74', 2074],
    ['75', 1975],
    ['94', 1994],
    ['99', 1999],
  ])('%s → %i', (shortYear, year) => {
    expect(parseHttpDate(`Sunday, 06-Nov-${shortYear} 08:49:37 GMT`)).toBe(Date.UTC(year, 10, 6, 8, 49, 37))
  })
})

describe('rejected', () => {
  it.each([
    ['day 00', 'Mon, 00 Jan 2001 00:00:00 GMT'],
    ['day 32', 'Mon, 32 Jan 2001 00:00:00 GMT'],
    ['31 April', 'Mon, 31 Apr 2001 00:00:00 GMT'],
    ['29 February of a common year', 'Thu, 29 Feb 2023 12:00:00 GMT'],
    ['hour 24', 'Mon, 01 Jan 2001 24:00:00 GMT'],
    ['hour 24 of the last day of a month', 'Wed, 31 Jan 2001 24:00:00 GMT'],
    ['hour 99', 'Mon, 01 Jan 2001 99:00:00 GMT'],
    ['day 99', 'Mon, 99 Jan 2001 00:00:00 GMT'],
    ['asctime day 0', 'Sun Nov  0 08:49:37 1994'],
    ['asctime hour 24', 'Sun Nov  6 24:49:37 1994'],
    ['RFC 850 minute 60', 'Sunday, 06-Nov-94 08:60:37 GMT'],
    ['RFC 850 second 61', 'Sunday, 06-Nov-94 08:49:61 GMT'],
    ['minute 60', 'Mon, 01 Jan 2001 23:60:00 GMT'],
    ['second 61', 'Mon, 01 Jan 2001 23:59:61 GMT'],
    ['asctime minute 60', 'Sun Nov  6 08:60:37 1994'],
    ['asctime second 61', 'Sun Nov  6 08:49:61 1994'],
    ['RFC 850 hour 24', 'Sunday, 06-Nov-94 24:49:37 GMT'],
    ['RFC 850 day 00', 'Sunday, 00-Nov-94 08:49:37 GMT'],
    ['lower-case month', 'Sun, 06 nov 1994 08:49:37 GMT'],
    ['unknown month', 'Sun, 06 Nox 1994 08:49:37 GMT'],
    ['one-digit day in IMF-fixdate', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['asctime day without its space', 'Sun Nov 6 08:49:37 1994'],
    ['two-digit year in IMF-fixdate', 'Sun, 06 Nov 94 08:49:37 GMT'],
    ['four-digit year in RFC 850', 'Sunday, 06-Nov-1994 08:49:37 GMT'],
    ['short weekday in RFC 850', 'Sun, 06-Nov-94 08:49:37 GMT'],
    ['long weekday in IMF-fixdate', 'Sunday, 06 Nov 1994 08:49:37 GMT'],
    ['another zone', 'Sun, 06 Nov 1994 08:49:37 UTC'],
    ['trailing junk', 'Sun, 06 Nov 1994 08:49:37 GMT; x'],
    ['trailing junk after RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMTx'],
    ['trailing junk after asctime', 'Sun Nov  6 08:49:37 19945'],
    ['leading junk', 'x Sun, 06 Nov 1994 08:49:37 GMT'],
    ['leading junk before RFC 850', 'xSunday, 06-Nov-94 08:49:37 GMT'],
    ['leading junk before asctime', 'xSun Nov  6 08:49:37 1994'],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['epoch seconds', '784111777'],
    ['empty', ''],
    ['over 40 characters', `Sun, 06 Nov 1994 08:49:37 GMT${'x'.repeat(12)}`],
  ])('%s: %j', (_when, text) => {
    expect(parseHttpDate(text)).toBeUndefined()
  })
})
