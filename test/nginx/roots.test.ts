import { chmodSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { main } from '../../src/cli/main.js'
import { createStatic, StaticConfigError } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { formatNginxConfig } from '../../src/nginx/config.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { freePort, HAS_NGINX, startNginx } from '../helpers/nginx.js'

/** An app's root over a theme's: the app's site.css shadows the theme's. */
function roots() {
  const app = useTempRoot({ 'css/site.css': 'app wins', 'robots.txt': 'User-agent: *\n' })
  const theme = useTempRoot({
    'css/site.css': 'theme loses',
    'css/theme.css': '.t { color: rgb(0, 128, 0) }',
    'img/dot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'favicon.ico': 'icon',
  })
  // nginx's workers run as an unprivileged user: the temporary directories must be readable.
  for (const dir of [app, theme]) chmodSync(dir, 0o755)
  return { app, theme }
}

describe.skipIf(!HAS_NGINX)('vstatic nginx for a build of several roots', () => {
  for (const versioning of ['query', 'filename'] as const) {
    it(`serves each file from the root the build took it from (${versioning})`, async () => {
      const { app, theme } = roots()
      const out = path.join(useTempRoot({}), 'static-manifest.json')
      await buildManifest({ root: [app, theme], out, versioning, onWarning: () => {} })
      const port = await freePort()
      const config = formatNginxConfig(readManifest(out), {
        root: [app, theme],
        manifestPath: out,
        listen: `127.0.0.1:${port}`,
      })
      const nginx = await startNginx(config, port)
      const assets = await createStatic({ root: [app, theme], manifest: out })
      const { url: node } = await listen((req, res) => assets.handle(req, res))
      const paths = [
        assets.url('css/site.css'),
        assets.url('css/theme.css'),
        assets.url('img/dot.svg'),
        '/static/img/dot.svg',
        '/favicon.ico',
        '/robots.txt',
        '/static/css/missing.css',
      ]
      for (const target of paths) {
        const [fromNode, fromNginx] = await Promise.all([request(node, target), request(nginx, target)])
        expect(fromNginx.status, target).toBe(fromNode.status)
        if (fromNode.status === 200) expect(fromNginx.body.toString(), target).toBe(fromNode.body.toString())
      }
      expect((await request(nginx, assets.url('css/site.css'))).body.toString()).toBe('app wins')
    }, 30_000)
  }

  it('refuses roots that are not the ones the build read, in the command too', async () => {
    const { app, theme } = roots()
    const out = path.join(useTempRoot({}), 'static-manifest.json')
    await buildManifest({ root: [app, theme], out, onWarning: () => {} })
    expect(() => formatNginxConfig(readManifest(out), { root: app, manifestPath: out })).toThrow(
      StaticConfigError,
    )
    let stdout = ''
    let stderr = ''
    const io = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text) }
    expect(await main(['nginx', '--manifest', out, '--root', app, '--root', theme], io)).toBe(0)
    expect(stdout).toContain('map $uri $vstatic_root {')
    expect(await main(['nginx', '--manifest', out, '--root', app], io)).toBe(2)
    expect(stderr).toContain('was built from 2 root(s), but 1 are given')
  })
})
