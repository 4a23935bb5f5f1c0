import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { CLI, run } from '../helpers/cli.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'

const SERVE_USAGE = 'Usage: vstatic serve <root>... [options]\nRun "vstatic serve --help" for usage.\n'

describe('mistakes on the command line', () => {
  it.each([
    [['serve', 'public', '--prot', '3000'], 'unknown option --prot (did you mean --port?)'],
    [['serve', 'public', '--qiuet'], 'unknown option --qiuet (did you mean --quiet?)'],
    [['serve', 'public', '--max-ag', '60'], 'unknown option --max-ag (did you mean --max-age?)'],
    [['serve', 'public', '--frobnicate'], 'unknown option --frobnicate'],
    [['serve', 'public', '-x'], 'unknown option -x'],
    [['serve', 'public', '--port'], 'option --port needs a value: --port <n>'],
    [['serve', 'public', '--port', '--quiet'], 'option --port needs a value: --port <n>'],
    [['serve', 'public', '--quiet=yes'], 'option --quiet takes no value, got --quiet=yes'],
    [
      ['serve', 'public', '--drain-timeout', '-5'],
      'option --drain-timeout takes no negative number, got --drain-timeout -5',
    ],
    [['serve', 'public', '--port', '-1'], 'option --port takes no negative number, got --port -1'],
  ])('%j: %s, the usage line, exit 2', async (argv, message) => {
    expect(await run(argv)).toEqual({ code: 2, stdout: '', stderr: `vstatic: ${message}\n${SERVE_USAGE}` })
  })

  it.each([
    [['build', PUBLIC_ROOT, '--out-dri', 'x'], 'unknown option --out-dri (did you mean --out-dir?)', 'build'],
    [['url', 'a.css', '--roto', PUBLIC_ROOT], 'unknown option --roto (did you mean --root?)', 'url'],
    [['nginx', '--manifets', 'm.json'], 'unknown option --manifets (did you mean --manifest?)', 'nginx'],
    [['verify', PUBLIC_ROOT, '--manifest'], 'option --manifest needs a value: --manifest <file>', 'verify'],
  ])('%j names the option and that command', async (argv, message, command) => {
    const result = await run(argv)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      new RegExp(`^vstatic: ${message.replace(/[()?.-]/g, '\\$&')}\\nUsage: vstatic ${command} `),
    )
    expect(result.stderr).toContain(`Run "vstatic ${command} --help" for usage.`)
  })

  it('names a negative number as such for every command', async () => {
    const result = await run(['build', PUBLIC_ROOT, '--out-dir', 'x', '--keep', '-1'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /^vstatic: option --keep takes no negative number, got --keep -1\nUsage: vstatic build /,
    )
  })

  it('prints a command\'s help for "vstatic help <command>", as --help does', async () => {
    for (const command of ['serve', 'url', 'build', 'verify', 'nginx']) {
      const viaHelp = await run(['help', command])
      expect(viaHelp).toEqual({ ...(await run([command, '--help'])), code: 0 })
      expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: vstatic ${command} `))
    }
    expect((await run(['help'])).stdout).toBe((await run(['--help'])).stdout)
    expect(await run(['help', 'biuld'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'vstatic: no help for "biuld": not a command (did you mean build?)\nRun "vstatic --help" for usage.\n',
    })
  })

  it('suggests the nearest command for an unknown one', async () => {
    expect(await run(['serv', PUBLIC_ROOT])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'vstatic: unknown command "serv" (did you mean serve?)\nRun "vstatic --help" for usage.\n',
    })
  })

  it('prints the same from the installed bin, and an option after -- is a positional', () => {
    const bin = spawnSync(process.execPath, [CLI, 'serve', PUBLIC_ROOT, '--prot', '3000'], {
      encoding: 'utf8',
    })
    expect({ status: bin.status, stderr: bin.stderr }).toEqual({
      status: 2,
      stderr: `vstatic: unknown option --prot (did you mean --port?)\n${SERVE_USAGE}`,
    })
    const positional = spawnSync(process.execPath, [CLI, 'url', '--root', PUBLIC_ROOT, '--', '--prot'], {
      encoding: 'utf8',
    })
    expect(positional.stderr).toBe(
      `vstatic: static asset "--prot" is not in ${JSON.stringify(PUBLIC_ROOT)}\n`,
    )
  })
})
