import { describe, expect, it } from 'vitest'
import { fdCeiling, PIPELINERS, runSoak } from '../../bench/soak.mjs'

const CONNECTIONS = 200
/** The slow clients of the soak's middle phase (bench/soak.mjs). */
const SLOW_DOWNLOADS = 8
const TRICKLERS = 50

describe('a short soak (npm run soak runs the minute-long one)', () => {
  // Load-bound: one retry absorbs a run that shares two cores with other heavy processes.
  it('mixed traffic at 200 connections, slow and pipelining clients, a reload: no failed request, nothing leaks', {
    retry: 1,
    timeout: 90_000,
  }, async () => {
    const result = await runSoak({ seconds: 10, connections: CONNECTIONS, window: 3 })
    expect(result.unexpectedSamples).toEqual([])
    expect(result.unexpected).toBe(0)
    expect(result.serverAlive).toBe(true)
    expect(result.reloadSeconds).toBeGreaterThan(0)
    expect(result.requests).toBeGreaterThan(1000)
    for (const name of ['versioned 200', '200', '304', 'range 206', '404', 'alias 200', 'aborted download']) {
      expect(result.counts[name], name).toBeGreaterThan(0)
    }
    expect(result.counts['slow download']).toBe(SLOW_DOWNLOADS)
    expect(result.counts['slow headers 408']).toBe(TRICKLERS)
    // In 10 s the heap is still growing to its working size, so this bound is loose; it still catches
    // a leak that keeps anything per request. `npm run soak` (a minute) applies the strict one.
    expect(result.rssMiB.last).toBeLessThanOrEqual(result.rssMiB.first * 1.5 + 64)
    // Under load the count follows the open connections, and on a busy machine they may still be
    // opening in the first window, so comparing windows of 10 s is left to `npm run soak`. Here the
    // bound is what the clients can hold at most (fdCeiling: a socket and a file per connection, in
    // two generations of workers during the reload). A descriptor leaked per request, or opened per
    // pipelined request (tens of thousands in the run), breaks it; at idle the count must be back.
    expect(result.fds.peak).toBeLessThanOrEqual(fdCeiling(result))
    expect(result.idleFds.after).toBeLessThanOrEqual(result.idleFds.before + 2)
    // The pipelining clients: thousands of requests on unread connections, which the server closes
    // (more than 32 waiting each), without memory per request (before: gigabytes).
    expect(result.pipelining.requests).toBeGreaterThan(1000 * PIPELINERS)
    expect(result.pipelining.closedByServer).toBeGreaterThan(0)
    expect(result.rssMiB.peak).toBeLessThanOrEqual(3 * result.idleRssMiB + 512)
  })
})
