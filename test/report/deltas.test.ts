// The build report's delta savings: what a returning visitor downloads instead.
import { describe, expect, it } from 'vitest'
import { readManifest } from '../../src/manifest/format.js'
import { createBuildReport } from '../../src/report/data.js'
import { formatBytes } from '../../src/report/format.js'
import { renderReportPage } from '../../src/report/page.js'
import { makeDeltaSite } from '../helpers/delta-site.js'

describe('the build report of a build with deltas', () => {
  it('lists each file with deltas: the smallest delta against the newest kept version, instead of Brotli', async () => {
    const site = await makeDeltaSite()
    const manifest = readManifest(site.manifest)
    const report = createBuildReport(manifest, { warnings: [] })
    const br = manifest.assets['js/app.js']?.encodings?.br?.size as number
    expect(report.deltas).toEqual([
      { path: 'js/app.js', dictionaries: 1, delta: site.delta.length, instead: br },
    ])
    const page = renderReportPage(report)
    expect(page).toContain(
      `A returning visitor downloads ${formatBytes(site.delta.length)} instead of ${formatBytes(br)} for the 1 changed text file(s)`,
    )
    expect(page).toContain('id="deltas"')
  })

  it('has no delta section when the build wrote none', async () => {
    const site = await makeDeltaSite()
    const manifest = readManifest(site.manifest)
    const { 'js/app.js': app, ...rest } = manifest.assets
    const withoutDeltas = { ...manifest, assets: { ...rest, 'js/app.js': { ...app, deltas: undefined } } }
    const report = createBuildReport(withoutDeltas as typeof manifest, { warnings: [] })
    expect(report.deltas).toEqual([])
    expect(renderReportPage(report)).not.toContain('id="deltas"')
  })
})
