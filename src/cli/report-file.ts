/**
 * The report of `vstatic build`: the manifest the build replaces is read before it runs (for the
 * changes), the warnings are collected as they come, and the report is written or printed after.
 * @module
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { readPackageVersion } from '../builder/package-version.js'
import { type Manifest, readManifest, writeFileAtomic } from '../manifest/format.js'
import { type BuildReportData, createBuildReport, type ReportWarning } from '../report/data.js'
import { renderFailedReportPage, renderReportPage } from '../report/page.js'
import type { WarningContext } from '../types.js'

/** What is kept for the report while the build runs. */
export interface ReportInput {
  readonly previous: Manifest | undefined
  readonly warnings: ReportWarning[]
  /** Records a warning of the build. */
  record(message: string, context: WarningContext | undefined): void
}

/** Reads the manifest at `manifestPath` that the build is about to replace, if there is a readable one. */
export function startReport(manifestPath: string): ReportInput {
  let previous: Manifest | undefined
  try {
    previous = existsSync(manifestPath) ? readManifest(manifestPath) : undefined
  } catch {
    // The build warns about an unreadable previous manifest itself; the report then has no changes.
    previous = undefined
  }
  const warnings: ReportWarning[] = []
  return {
    previous,
    warnings,
    record: (message, context) =>
      warnings.push(context === undefined ? { message } : { message, ...context }),
  }
}

/** The report of the build that wrote `manifestPath`; with `htmlFile`, also written there as a page. */
export function finishReport(
  input: ReportInput,
  manifestPath: string,
  htmlFile: string | undefined,
): BuildReportData {
  const report = createBuildReport(readManifest(manifestPath), input)
  if (htmlFile !== undefined) writeFileAtomic(path.resolve(htmlFile), renderReportPage(report))
  return report
}

/** The report of a build that `--strict` stopped: written to `htmlFile`, the build's problems and warnings. */
export function writeFailedReport(input: ReportInput, htmlFile: string, problems: readonly string[]): void {
  const generator = `vstatic ${readPackageVersion()}`
  writeFileAtomic(
    path.resolve(htmlFile),
    renderFailedReportPage({ generator, problems, warnings: input.warnings }),
  )
}
