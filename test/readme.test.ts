import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it, onTestFinished } from 'vitest'
import { fencedBlocks, markdownPages, REPO, readPage } from './helpers/markdown.js'

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

describe('the ```ts blocks of the README and the docs', () => {
  it('include examples for node:http and every framework in the README', () => {
    const readme = fencedBlocks(readPage('README.md'), 'ts').map(({ code }) => code)
    for (const module of ['node:http', 'vstatic/express', 'vstatic/fastify', 'vstatic/koa', 'vstatic/hono']) {
      expect(readme.some((code) => code.includes(`from '${module}'`))).toBe(true)
    }
  })

  it('each type-check as a module of its own', () => {
    mkdirSync(path.join(REPO, '.tmp'), { recursive: true })
    // Inside the repository, so that the examples' imports resolve as an app's would.
    const dir = mkdtempSync(path.join(REPO, '.tmp', 'docs-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const files = markdownPages().flatMap((page) =>
      fencedBlocks(readPage(page), 'ts').map(({ line, code }) => {
        // The file's name says where the block is: docs-guides-build.md-line-42.ts
        const file = path.join(dir, `${page.replaceAll('/', '-')}-line-${line}.ts`)
        writeFileSync(file, `${code}\nexport {}\n`)
        return file
      }),
    )
    expect(files.length).toBeGreaterThanOrEqual(10)
    expect(diagnose(files)).toEqual([])
  }, 120_000)
})
