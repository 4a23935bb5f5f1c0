import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type ScanPolicy, scanRoot } from '../../src/root/scan.js'
import { OUTSIDE_FILE, useTempRoot } from '../helpers/fixtures.js'

/**
 * The root is walked with readdir when nothing is ignored and with fast-glob when patterns are:
 * both must list the same files under every policy, or a file would be served or not depending on
 * whether an unrelated ignore pattern is set.
 */

function awkwardRoot(): string {
  const root = realpathSync(
    useTempRoot({
      'a.txt': 'a',
      'deep/er/b.css': 'b{}',
      '.env': 'secret',
      '.hidden/c.txt': 'c',
      '.well-known/security.txt': 'contact',
      '.well-known/.inner': 'inner',
      'sub/.well-known/x.txt': 'x',
      'glob[*]?{a,b}.txt': 'metacharacters',
      'ünïcode/ß.txt': 'unicode',
    }),
  )
  for (const name of [
    'line\nbreak.txt',
    'carriage\rreturn.txt',
    'separator\u2028.txt',
    'paragraph\u2029.txt',
  ]) {
    writeFileSync(path.join(root, name), 'odd name')
  }
  mkdirSync(path.join(root, 'folder\nwith break'))
  writeFileSync(path.join(root, 'folder\nwith break', 'inside.txt'), 'inside')
  symlinkSync(path.join(root, 'a.txt'), path.join(root, 'link-in.txt'))
  symlinkSync(OUTSIDE_FILE, path.join(root, 'link-out.txt'))
  symlinkSync(path.join(root, '.env'), path.join(root, 'link-dotfile.txt'))
  symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling.txt'))
  symlinkSync(path.join(root, 'deep'), path.join(root, 'dir-link'))
  return root
}

const POLICIES: ScanPolicy[] = [
  { dotfiles: 'ignore', followSymlinksOutsideRoot: false },
  { dotfiles: 'allow', followSymlinksOutsideRoot: false },
  { dotfiles: 'ignore', followSymlinksOutsideRoot: true },
  { dotfiles: 'allow', followSymlinksOutsideRoot: true },
]

const listed = (files: readonly { logicalPath: string }[]) => files.map((file) => file.logicalPath).sort()

describe('scanRoot', () => {
  it.each(POLICIES)('lists the same files with and without ignore patterns (%o)', (policy) => {
    const root = awkwardRoot()
    const walked = listed(scanRoot(root, policy))
    const globbed = listed(scanRoot(root, policy, [], ['**/never-matches-anything']))
    expect(walked).toEqual(globbed)
    expect(walked).toContain('a.txt')
    expect(walked).toContain('glob[*]?{a,b}.txt')
    expect(walked).toContain('.well-known/security.txt')
    expect(walked.some((logicalPath) => /[\n\r\u2028\u2029]/.test(logicalPath))).toBe(false)
    expect(walked.includes('.env')).toBe(policy.dotfiles === 'allow')
  })
})
