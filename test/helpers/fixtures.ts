import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

/** The canonical static root of the fixtures. */
export const PUBLIC_ROOT = fileURLToPath(new URL('../../fixtures/public', import.meta.url))
/** A Vite build's output in miniature: `.vite/manifest.json` and the files it names. */
export const VITE_ROOT = fileURLToPath(new URL('../../fixtures/vite', import.meta.url))
/** A sentinel file just outside the root: no request may ever return its bytes. */
export const OUTSIDE_FILE = fileURLToPath(new URL('../../fixtures/outside.txt', import.meta.url))
export const OUTSIDE_TEXT = 'OUTSIDE THE ROOT'

/** A tree of files to write: logical path → content. */
export type Tree = Record<string, string | Uint8Array>

/** Writes `tree` into a new temporary directory, removed when the test finishes. */
export function useTempRoot(tree: Tree = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vstatic-test-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  writeTree(dir, tree)
  return dir
}

/** Writes (or overwrites) files under `dir`. */
export function writeTree(dir: string, tree: Tree): void {
  for (const [logicalPath, content] of Object.entries(tree)) {
    const file = path.join(dir, logicalPath)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
}
