import { execFileSync } from 'node:child_process'
import { type Browser, chromium } from 'playwright-core'
import { onTestFinished } from 'vitest'

/** Debian's Chromium, as `which chromium` finds it; undefined when it is not installed. */
export const CHROMIUM_PATH: string | undefined = (() => {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
})()

/** Browser tests run wherever Chromium is installed, and always in CI (where a missing one fails). */
export const HAS_BROWSER = CHROMIUM_PATH !== undefined || process.env.CI !== undefined

/**
 * Launches headless Chromium (a fresh temporary profile each time), with `args` added to its
 * command line; closed when the test finishes.
 */
export async function launchBrowser(args: readonly string[] = []): Promise<Browser> {
  if (CHROMIUM_PATH === undefined) throw new Error('chromium is not installed (apt-get install chromium)')
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  })
  onTestFinished(() => browser.close())
  return browser
}
