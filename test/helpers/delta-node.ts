/**
 * A Node that writes dictionary deltas, for the tests that build them: this one when its zlib can
 * (Node 22.19+), else the binary named by VSTATIC_NODE24 (CI installs Node 24 there). Undefined
 * when neither, and those tests are skipped, visibly.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { detectDeltaSupport } from '../../src/builder/deltas.js'
import { CLI } from './cli.js'

function findDeltaNode(): string | undefined {
  if (detectDeltaSupport().dcz) return process.execPath
  const configured = process.env.VSTATIC_NODE24
  return configured !== undefined && configured !== '' && existsSync(configured) ? configured : undefined
}

export const DELTA_NODE: string | undefined = findDeltaNode()

/** True when `DELTA_NODE` also writes `dcb` (Brotli with a dictionary). */
export const DELTA_NODE_WRITES_DCB: boolean =
  DELTA_NODE !== undefined &&
  execFileSync(DELTA_NODE, [
    '-e',
    `const z = require('node:zlib'); const d = require('node:crypto').randomBytes(2000); const i = Buffer.concat([d, Buffer.from('x')]);
     process.stdout.write(String(z.brotliCompressSync(i, { dictionary: d }).length < z.brotliCompressSync(i).length))`,
  ]).toString() === 'true'

/** Runs `vstatic build` (the built bin) on `DELTA_NODE`; throws with its output when it fails. */
export function buildWithDeltaNode(args: readonly string[]): { stdout: string; stderr: string } {
  if (DELTA_NODE === undefined) throw new Error('no Node that writes deltas')
  const result = spawnSync(DELTA_NODE, [CLI, 'build', ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`vstatic build failed (${result.status}): ${result.stderr}`)
  return { stdout: result.stdout, stderr: result.stderr }
}

/** A script of varied lines (so Brotli alone cannot make it tiny), `edit` changing one of them. */
export function appScript(edit = 'v1'): string {
  const lines: string[] = []
  let seed = 7
  for (let i = 0; i < 600; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    lines.push(`export function handler${i}(event) { return event.value * ${seed % 9973} + ${i} }`)
  }
  lines[300] = `export const release = '${edit}'`
  return `${lines.join('\n')}\n`
}
