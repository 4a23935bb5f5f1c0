/** Builds for the publish tests: a small site with every kind of object a publish writes. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildManifest } from '../../src/builder/build.js'
import { type Tree, writeTree } from './fixtures.js'

/** A site with a stylesheet that references an image, scripts, a Vite-fingerprinted file, text that is not UTF-8 and binary. */
export function siteTree(version = 1): Tree {
  const rule = (n: number) => `.rule-${n} { margin: ${n}px; padding: ${version}px; }\n`
  return {
    'css/app.css': `body { background: url(../img/logo.svg); }\n${Array.from({ length: 60 }, (_, n) => rule(n)).join('')}`,
    'img/logo.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>logo</title></svg>\n`,
    'js/app.js': 'export const answer = 42\n'.repeat(80),
    'assets/index-AbCd1234.js': 'console.log("bundled")\n'.repeat(60),
    'robots.txt': 'User-agent: *\nDisallow:\n',
    'notes/latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    'data/blob.bin': Buffer.from(Array.from({ length: 4096 }, (_, n) => (n * 7919 + version) % 256)),
  }
}

/** A source root and the output of `vstatic build --out-dir --versioning filename --compress`. */
export interface SiteBuild {
  readonly root: string
  readonly outDir: string
  readonly manifest: string
  /** Writes `tree` into the root and builds again (the out-dir keeps `keep` builds). */
  rebuild(tree: Tree, keep?: number): Promise<void>
  remove(): void
}

export async function buildSite(tree: Tree = siteTree(), keep = 1): Promise<SiteBuild> {
  const work = mkdtempSync(path.join(tmpdir(), 'vstatic-publish-'))
  const root = path.join(work, 'public')
  const outDir = path.join(work, 'out')
  const manifest = path.join(work, 'static-manifest.json')
  const build = async (files: Tree, retain: number) => {
    writeTree(root, files)
    await buildManifest({
      root,
      out: manifest,
      outDir,
      versioning: 'filename',
      compress: true,
      keep: retain,
      onWarning: () => {},
    })
  }
  await build(tree, keep)
  return {
    root,
    outDir,
    manifest,
    rebuild: (files, retain = keep) => build(files, retain),
    remove: () => rmSync(work, { recursive: true, force: true }),
  }
}
