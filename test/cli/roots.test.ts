import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { CLI, run } from '../helpers/cli.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'

function roots() {
  const app = useTempRoot({ 'css/site.css': 'app', 'css/site.scss': '$x: 1' })
  const theme = useTempRoot({ 'css/site.css': 'theme', 'img/dot.svg': '<svg/>', 'src/theme.scss': '$y: 2' })
  return { app, theme }
}

describe('the CLI with several roots and --ignore', () => {
  it('build and verify take every root, in order, and the ignore patterns', async () => {
    const { app, theme } = roots()
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    const built = await run(['build', app, theme, '--out', out, '--ignore', '**/*.scss', '--quiet'])
    expect(built).toMatchObject({ code: 0, stdout: '' })
    const manifest = readManifest(out)
    expect(Object.keys(manifest.assets)).toEqual(['css/site.css', 'img/dot.svg'])
    expect(manifest.options).toMatchObject({ roots: 2, ignore: ['**/*.scss'] })
    expect(await run(['verify', app, theme, '--manifest', out])).toMatchObject({ code: 0 })
    const oneRoot = await run(['verify', app, '--manifest', out])
    expect(oneRoot.code).toBe(2)
    expect(oneRoot.stderr).toContain('was built from 2 root(s), but 1 are given')
  })

  it("verify says when the roots are given in another order than the build's, and how to give them", async () => {
    const app = useTempRoot({ 'css/site.css': 'app' })
    const theme = useTempRoot({ 'img/dot.svg': '<svg/>' })
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    expect(await run(['build', app, theme, '--out', out, '--quiet'])).toMatchObject({ code: 0 })
    const swapped = await run(['verify', theme, app, '--manifest', out])
    expect(swapped.code).toBe(1)
    expect(swapped.stderr).toBe(
      `vstatic: the roots are given in another order than the build's; in its order: vstatic verify ${app} ${theme} --manifest ${out}\n`,
    )
  })

  it('verify of an --out-dir build passes on the output directory right after the build', async () => {
    const { app, theme } = roots()
    const work = useTempRoot({})
    const [out, outDir] = [path.join(work, 'static-manifest.json'), path.join(work, 'dist')]
    const built = await run(['build', app, theme, '--out', out, '--out-dir', outDir, '--compress', '--quiet'])
    expect(built).toMatchObject({ code: 0 })
    expect(await run(['verify', outDir, '--manifest', out])).toEqual({
      code: 0,
      stdout: `${out} matches ${outDir}\n`,
      stderr: '',
    })
  })

  it('url takes --root more than once', async () => {
    const { app, theme } = roots()
    const assets = await createStatic({ root: [app, theme], onWarning: () => {} })
    const result = await run(['url', 'img/dot.svg', 'css/site.css', '--root', app, '--root', theme])
    expect(result.stdout).toBe(`${assets.url('img/dot.svg')}\n${assets.url('css/site.css')}\n`)
  })

  it('serve takes several roots and --ignore', async () => {
    const { app, theme } = roots()
    const child = spawn(process.execPath, [
      CLI,
      'serve',
      app,
      theme,
      '--port',
      '0',
      '--ignore',
      '**/*.scss',
      '--quiet',
    ])
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let output = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /Listening on (http:\/\/\S+)\n/.exec(output)
        if (match?.[1] && /\nServing .*\n/.test(output)) resolve(match[1])
      })
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.once('exit', () => reject(new Error(output)))
    })
    expect(output).toContain(`Serving ${app}, ${theme} at`)
    expect((await request(url, '/static/css/site.css')).body.toString()).toBe('app')
    expect((await request(url, '/static/img/dot.svg')).status).toBe(200)
    expect((await request(url, '/static/css/site.scss')).status).toBe(404)
    expect((await request(url, '/static/src/theme.scss')).status).toBe(404)
    expect(output).toContain('css/site.css is in')
  })
})
