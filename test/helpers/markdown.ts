/**
 * The project's Markdown pages as tests read them: which pages there are, their fenced blocks,
 * their links, and their headings with the anchors GitHub gives them.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** README.md, CONTRIBUTING.md and every page under docs/, as paths relative to the repository. */
export function markdownPages(): string[] {
  const docs = readdirSync(path.join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.posix.join('docs', file.split(path.sep).join('/')))
    .sort()
  return ['README.md', 'CONTRIBUTING.md', ...docs]
}

export function readPage(page: string): string {
  return readFileSync(path.join(REPO, page), 'utf8')
}

/** The fenced blocks of `text` with the given language, with the line their code starts on. */
export function fencedBlocks(text: string, language: string): Array<{ line: number; code: string }> {
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm')
  return [...text.matchAll(fence)].map((match) => ({
    line: text.slice(0, match.index).split('\n').length + 1,
    code: match[1] ?? '',
  }))
}

/** `text` without its fenced blocks (each line kept, emptied), so that code is never read as prose. */
export function withoutFences(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, (block) => block.replace(/[^\n]/g, ''))
}

export interface Heading {
  readonly level: number
  /** The heading as written, inline markup included. */
  readonly text: string
  readonly line: number
}

export function headings(text: string): Heading[] {
  return withoutFences(text)
    .split('\n')
    .flatMap((line, index) => {
      const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line)
      return match === null ? [] : [{ level: (match[1] ?? '').length, text: match[2] ?? '', line: index + 1 }]
    })
}

/**
 * The anchors GitHub gives a page's headings: the text without markup, lowercased, with
 * punctuation dropped and spaces turned into hyphens; a repeated anchor gets `-1`, `-2`, ….
 */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const heading of headings(text)) {
    const plain = heading.text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '')
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    result.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return result
}

/** The inline links and images of `text` outside code: `[label](target)`, with their line. */
export function links(text: string): Array<{ target: string; line: number }> {
  const prose = withoutFences(text).replace(/`[^`\n]*`/g, (span) => span.replace(/[^\n]/g, ' '))
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => ({
    target: match[1] ?? '',
    line: prose.slice(0, match.index).split('\n').length,
  }))
}
