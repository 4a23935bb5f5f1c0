/**
 * nginx for a source build of several roots: the roots as nginx takes them, and the `map` that
 * sends each file to the root the build took it from (a variable `alias` reads it).
 * @module
 */

import { StaticConfigError } from '../errors.js'
import type { Manifest } from '../manifest/format.js'
import { quote } from './locations.js'

/** The roots as nginx takes them (with a final slash), checked against the number the build read. */
export function toNginxRoots(given: string | readonly string[], built: number): string[] {
  const roots = (typeof given === 'string' ? [given] : [...given]).map((root) =>
    root.endsWith('/') ? root : `${root}/`,
  )
  for (const root of roots) {
    if (/[\s;{}"'$\\]/.test(root)) {
      throw new StaticConfigError(
        'root',
        `must be a path nginx can take unquoted (no spaces, quotes, ";", "{}", "$"), got ${JSON.stringify(root)}`,
      )
    }
  }
  if (roots.length !== built) {
    throw new StaticConfigError(
      'root',
      `the build read ${built} root(s), but ${roots.length} are given; pass them in the order the build read them`,
    )
  }
  return roots
}

/**
 * `map $uri $vstatic_root`: the root of every file not in the first root. `volatile`, because the
 * fallback for a stale token rewrites the URI and the map must be read again.
 */
export function rootMapLines(manifest: Manifest, roots: readonly string[]): string[] {
  const lines = [
    '# The root that holds each file (the build read several; the first that had a file won).',
    'map $uri $vstatic_root {',
    '    volatile;',
    `    default ${roots[0]};`,
  ]
  for (const [logicalPath, entry] of Object.entries(manifest.assets)) {
    const root = roots[entry.root ?? 0]
    // A path that cannot be written into nginx's configuration is never served (as in the other maps).
    if (root !== undefined && (entry.root ?? 0) > 0 && !/[\n\r"\\]/.test(logicalPath))
      lines.push(`    ${quote(manifest.options.prefix + logicalPath)} ${root};`)
  }
  lines.push('}', '')
  return lines
}
