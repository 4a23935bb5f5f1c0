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

/** What a {@link MissingAssetError} knows beyond the path and where it was searched. */
export interface MissingAssetDetails {
  /** Why the path can never name a file of the root (`css//app.css`): its message says so instead. */
  readonly reason?: string
  /** Indexed paths close to the one asked for, offered as "did you mean …?". */
  readonly suggestions?: readonly string[]
  /** The `ignore` pattern that leaves the file out, when it is on disk but ignored. */
  readonly ignoredBy?: string
}

/**
 * `url()` was asked for a logical path that is not in the asset index, or `entry()` for an entry
 * that is not in the bundler's manifest.
 */
export class MissingAssetError extends Error {
  readonly code = 'ERR_STATIC_MISSING_ASSET'
  /**
   * The logical path (or entry name) that was asked for. Template engines may overwrite `path` with
   * the template's file (EJS does); {@link MissingAssetError.assetPath} keeps it.
   */
  readonly path: string
  /** The path (or entry name) that was asked for, as given. */
  readonly assetPath: string
  /** The absolute static root that was searched (the first, when there are several). */
  readonly root: string
  /** Indexed paths that differ from the asked one only in case or by one character. */
  readonly suggestions: readonly string[]

  /** @param where What was searched, as the message names it. @default the root, quoted */
  constructor(path: string, root: string, where = JSON.stringify(root), details: MissingAssetDetails = {}) {
    const suggestions = details.suggestions ?? []
    super(
      details.reason !== undefined
        ? `static asset ${JSON.stringify(path)} is not a valid path: ${details.reason}`
        : details.ignoredBy !== undefined
          ? `static asset ${JSON.stringify(path)} is in ${where} but left out by the ignore pattern ${JSON.stringify(details.ignoredBy)}`
          : `static asset ${JSON.stringify(path)} is not in ${where}${formatSuggestions(suggestions)}`,
    )
    this.name = 'MissingAssetError'
    this.path = path
    this.assetPath = path
    this.root = root
    this.suggestions = suggestions
  }
}

/** `; did you mean "a" or "b"?`, or '' when there is nothing to suggest. */
export function formatSuggestions(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return ''
  const quoted = suggestions.map((suggestion) => JSON.stringify(suggestion))
  const last = quoted.pop()
  return `; did you mean ${quoted.length === 0 ? last : `${quoted.join(', ')} or ${last}`}?`
}
