/**
 * The two error classes vstatic throws: a configuration error and a missing asset.
 * @module
 */

/** A bad option, caught when the static assets are created (never at request time). */
export class StaticConfigError extends Error {
  readonly code = 'ERR_STATIC_OPTION'
  /** The option at fault, e.g. `root` or `prefix`. */
  readonly option: string

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`option "${option}" ${message}`, options)
    this.name = 'StaticConfigError'
    this.option = option
  }
}

/**
 * `url()` was asked for a logical path that is not in the asset index, or `entry()` for an entry
 * that is not in the bundler's manifest.
 */
export class MissingAssetError extends Error {
  readonly code = 'ERR_STATIC_MISSING_ASSET'
  /** The logical path (or entry name) that was asked for. */
  readonly path: string
  /** The absolute static root that was searched (the first, when there are several). */
  readonly root: string

  /** @param where What was searched, as the message names it. @default the root, quoted */
  constructor(path: string, root: string, where = JSON.stringify(root)) {
    super(`static asset ${JSON.stringify(path)} is not in ${where}`)
    this.name = 'MissingAssetError'
    this.path = path
    this.root = root
  }
}
