import { describe, expect, it } from 'vitest'
import { runSoak } from '../bench/soak.mjs'

describe('a short soak (npm run soak runs the minute-long one)', () => {
  it('mixed traffic at 200 connections: no unexpected status, memory and descriptors flat', async () => {
    const result = await runSoak({ seconds: 10, connections: 200, window: 3 })
    expect(result.unexpectedSamples).toEqual([])
    expect(result.unexpected).toBe(0)
    expect(result.serverAlive).toBe(true)
    expect(result.requests).toBeGreaterThan(1000)
    for (const name of ['versioned 200', '200', '304', 'range 206', '404', 'alias 200', 'aborted download']) {
      expect(result.counts[name], name).toBeGreaterThan(0)
    }
    expect(result.rssMiB.last).toBeLessThanOrEqual(result.rssMiB.first * 1.25 + 16)
    expect(result.fds.last).toBeLessThanOrEqual(result.fds.first + 16)
  }, 60_000)
})
