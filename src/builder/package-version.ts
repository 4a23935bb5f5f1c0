/**
 * The version of vstatic itself, for `vstatic --version` and the manifest's `generator`.
 * @module
 */
import { readFileSync } from 'node:fs'

/** The `version` of vstatic's package.json (two levels up from `src/builder/` and `dist/builder/`); `unknown` if unreadable. */
export function readPackageVersion(): string {
  try {
    const packageJson = new URL('../../package.json', import.meta.url)
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
