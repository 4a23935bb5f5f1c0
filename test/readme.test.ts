import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it, onTestFinished } from 'vitest'

const REPO = fileURLToPath(new URL('..', import.meta.url))

/** The ```ts blocks of the README: complete programs, each checked as a module of its own. */
function typeScriptBlocks(): Array<{ line: number; code: string }> {
  const text = readFileSync(path.join(REPO, 'README.md'), 'utf8')
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: text.slice(0, match.index).split('\n').length + 1,
    code: match[1] ?? '',
  }))
}

/** Type-checks `files` with the tests' compiler options (strict; `vstatic` mapped to src/). */
function diagnose(files: readonly string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO, 'test/tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (config === undefined) throw new Error('test/tsconfig.json cannot be read')
  const program = ts.createProgram(files, config.options)
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file !== undefined && files.includes(diagnostic.file.fileName))
    .map((diagnostic) => {
      const file = diagnostic.file as ts.SourceFile
      const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')
      return `${path.basename(file.fileName)}:${line + 1}: ${message}`
    })
}

describe('README', () => {
  it('has TypeScript examples for node:http and every framework, and each type-checks', () => {
    const blocks = typeScriptBlocks()
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    mkdirSync(path.join(REPO, '.tmp'), { recursive: true })
    // Inside the repository, so that the examples' imports resolve as an app's would.
    const dir = mkdtempSync(path.join(REPO, '.tmp', 'readme-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const files = blocks.map(({ line, code }) => {
      const file = path.join(dir, `readme-line-${line}.ts`)
      writeFileSync(file, `${code}\nexport {}\n`)
      return file
    })
    expect(diagnose(files)).toEqual([])
  }, 60_000)
})
