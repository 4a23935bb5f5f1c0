/**
 * The docs stay in step with the code: every option of StaticOptions and every flag of every
 * command is documented, nothing documented is gone, every relative link leads somewhere, and
 * the README stays a front page.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { build } from '../src/cli/build.js'
import type { Command, OptionTable } from '../src/cli/command.js'
import { main } from '../src/cli/main.js'
import { nginx } from '../src/cli/nginx.js'
import { publish } from '../src/cli/publish.js'
import { serve } from '../src/cli/serve.js'
import { url } from '../src/cli/url.js'
import { verify } from '../src/cli/verify.js'
import { StaticConfigError } from '../src/errors.js'
import { resolveOptions } from '../src/options/options.js'
import type { StaticOptions } from '../src/types.js'
import { PUBLIC_ROOT } from './helpers/fixtures.js'
import { anchors, headings, links, markdownPages, REPO, readPage, withoutFences } from './helpers/markdown.js'

const README_MAX_BYTES = 12_288

/** The property names of `StaticOptions`, read from src/types.ts with the compiler. */
function staticOptionKeys(): string[] {
  const file = path.join(REPO, 'src/types.ts')
  const program = ts.createProgram([file], { strict: true, noEmit: true })
  const source = program.getSourceFile(file)
  let declaration: ts.InterfaceDeclaration | undefined
  source?.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'StaticOptions') declaration = node
  })
  if (declaration === undefined) throw new Error('src/types.ts declares no StaticOptions')
  const type = program.getTypeChecker().getTypeAtLocation(declaration)
  return type.getProperties().map((property) => property.getName())
}

/** The code spans of a heading or a table cell, in order. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '')
}

/** The option named by each `### \`name\`` heading of the options page. */
function documentedOptions(): string[] {
  return headings(readPage('docs/reference/options.md'))
    .filter((heading) => heading.level === 3 && heading.text.startsWith('`'))
    .map((heading) => codeSpans(heading.text)[0] ?? '')
}

/** The cells of a Markdown table row, with `\|` read as a literal bar. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'))
}

/** The `## \`vstatic <name>\`` sections of the CLI page: command name → its text. */
function commandSections(): Map<string, string> {
  const lines = withoutFences(readPage('docs/reference/cli.md')).split('\n')
  const sections = new Map<string, string>()
  let current: string | undefined
  for (const line of lines) {
    const heading = /^## `vstatic ([a-z-]+)`\s*$/.exec(line)
    if (heading !== null) {
      current = heading[1] ?? ''
      sections.set(current, '')
    } else if (/^## /.test(line)) {
      current = undefined
    } else if (current !== undefined) {
      sections.set(current, `${sections.get(current)}${line}\n`)
    }
  }
  return sections
}

interface DocumentedFlag {
  readonly name: string
  /** The value's placeholder as written after the flag (`<n>`), or '' for a flag that takes none. */
  readonly value: string
  readonly meaning: string
}

/** The flags of a command's table: rows whose first cell starts with `--flag`. */
function documentedFlags(section: string): DocumentedFlag[] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `--'))
    .map((line) => {
      const [flag = '', , meaning = ''] = cells(line)
      const spelled = codeSpans(flag)[0] ?? ''
      const match = /^--([a-z][a-z-]*)(?: (.+))?$/.exec(spelled)
      if (match === null) throw new Error(`docs/reference/cli.md: cannot read the flag of ${line}`)
      return { name: match[1] ?? '', value: match[2] ?? '', meaning }
    })
}

/** The commands `vstatic --help` lists, read from its output. */
async function listedCommands(): Promise<string[]> {
  let out = ''
  await main(['--help'], { stdout: (text) => (out += text), stderr: () => {} })
  const list = out.split('Commands:\n')[1]?.split('\n\n')[0] ?? ''
  return list
    .split('\n')
    .map((line) => line.trim().split(/\s/)[0] ?? '')
    .filter((name) => name !== '')
}

/** The command objects whose option tables this test reads, by name. */
const COMMANDS: Readonly<Record<string, Command>> = { serve, url, build, verify, nginx, publish }

describe('docs/reference/options.md', () => {
  const keys = staticOptionKeys()
  const documented = documentedOptions()

  it('reads the options from StaticOptions', () => {
    expect(keys).toContain('root')
    expect(keys.length).toBeGreaterThanOrEqual(20)
  })

  it('has a heading for every option of StaticOptions', () => {
    expect(keys.filter((key) => !documented.includes(key))).toEqual([])
  })

  it('documents no option that is gone', () => {
    expect(documented.filter((name) => !keys.includes(name))).toEqual([])
    expect(new Set(documented).size).toBe(documented.length)
  })

  it('names only options that createStatic() accepts', () => {
    const refused = keys.filter((key) => {
      const options = { root: PUBLIC_ROOT, [key]: undefined } as unknown as StaticOptions
      try {
        resolveOptions(options)
        return false
      } catch (error) {
        return error instanceof StaticConfigError && error.message.includes('is not a vstatic option')
      }
    })
    expect(refused).toEqual([])
  })

  it('gives each option a type and a default', () => {
    const text = readPage('docs/reference/options.md')
    const sections = text.split(/^### /m).slice(1)
    const missing = sections
      .filter((section) => section.startsWith('`'))
      .filter((section) => !section.includes('- **Type:**') || !section.includes('- **Default:**'))
      .map((section) => section.split('\n')[0])
    expect(missing).toEqual([])
  })
})

describe('docs/reference/cli.md', () => {
  const sections = commandSections()

  it('has a section for every command vstatic lists, and none for a command that is gone', async () => {
    const listed = await listedCommands()
    expect(listed).toEqual(['serve', 'url', 'build', 'verify', 'nginx', 'publish'])
    // A command listed but not imported above would go unchecked: import its table too.
    expect(listed.filter((name) => COMMANDS[name] === undefined)).toEqual([])
    expect([...sections.keys()].sort()).toEqual([...listed].sort())
  })

  for (const [name, command] of Object.entries(COMMANDS)) {
    describe(`vstatic ${name}`, () => {
      const flags = documentedFlags(sections.get(name) ?? '')
      const table: OptionTable = { ...command.options, help: { type: 'boolean' } }

      it('documents every flag of its option table', () => {
        const documented = flags.map((flag) => flag.name)
        expect(Object.keys(table).filter((option) => !documented.includes(option))).toEqual([])
      })

      it('documents no flag that is gone, and each flag once', () => {
        expect(flags.map((flag) => flag.name).filter((flag) => !Object.hasOwn(table, flag))).toEqual([])
        expect(new Set(flags.map((flag) => flag.name)).size).toBe(flags.length)
      })

      it('shows each flag with the value it takes, and what it means', () => {
        for (const flag of flags) {
          const spec = Object.hasOwn(table, flag.name) ? table[flag.name] : undefined
          const expected = spec === undefined || spec.type === 'boolean' ? '' : (spec.value ?? flag.value)
          expect({ flag: flag.name, value: flag.value }).toEqual({ flag: flag.name, value: expected })
          if (spec?.type === 'string') expect(flag.value, `--${flag.name} takes a value`).not.toBe('')
          expect(flag.meaning, `--${flag.name}`).not.toBe('')
        }
      })
    })
  }
})

describe('links in the README, CONTRIBUTING.md and docs/', () => {
  const pages = markdownPages()

  it('finds the pages', () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        'docs/README.md',
        'docs/reference/options.md',
        'docs/reference/api.md',
        'docs/reference/cli.md',
        'docs/reference/manifest.md',
      ]),
    )
  })

  it.each(pages)('%s: every relative link leads to a file, and every #anchor to a heading', (page) => {
    const broken: string[] = []
    for (const { target, line } of links(readPage(page))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:
      const [file = '', anchor] = target.split('#')
      const resolved = file === '' ? path.join(REPO, page) : path.join(REPO, path.dirname(page), file)
      const where = `${page}:${line}: ${target}`
      if (!existsSync(resolved)) {
        broken.push(`${where} (no such file)`)
        continue
      }
      if (anchor === undefined || anchor === '') continue
      if (!resolved.endsWith('.md') || !statSync(resolved).isFile()) {
        broken.push(`${where} (an anchor into a file that is not Markdown)`)
        continue
      }
      if (!anchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))) {
        broken.push(`${where} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})

describe('README.md', () => {
  it(`stays a front page: at most ${README_MAX_BYTES} bytes`, () => {
    expect(Buffer.byteLength(readPage('README.md'))).toBeLessThanOrEqual(README_MAX_BYTES)
  })

  it('links to the table of contents of docs/', () => {
    expect(links(readPage('README.md')).map((link) => link.target)).toContain('docs/README.md')
  })
})
