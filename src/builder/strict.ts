/**
 * `vstatic build --strict` (Django's `manifest_strict`): what would be a warning fails the build
 * instead, before anything is written.
 * @module
 */
import type { WarningContext, WarningKind } from '../types.js'

/** The warnings a strict build fails on: a reference left as is, a reference cycle, a case collision. */
const STRICT_KINDS: ReadonlySet<WarningKind> = new Set([
  'unresolved-reference',
  'reference-cycle',
  'case-collision',
])

/** True for a warning that a strict build treats as an error. */
export function isStrictProblem(context: WarningContext | undefined): boolean {
  return context !== undefined && STRICT_KINDS.has(context.kind)
}

/** A strict build found problems; its message lists each of them. */
export class StrictBuildError extends Error {
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(
      `build failed (--strict): ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}, nothing written\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
    )
    this.name = 'StrictBuildError'
    this.problems = problems
  }
}
