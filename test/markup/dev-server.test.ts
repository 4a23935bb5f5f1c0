import { writeFileSync } from 'node:fs'
import type http from 'node:http'
import https from 'node:https'
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createStatic, StaticConfigError, type WarningContext } from '../../src/index.js'
import { createDevServerProbe } from '../../src/markup/dev-server.js'
import { useTempRoot, writeTree } from '../helpers/fixtures.js'
import { listen, request } from '../helpers/http.js'
import { selfSignedCertificate } from '../helpers/tls.js'

/** An http: URL of a port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function deadServer(): Promise<string> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/static/`
}

/** A dev server stand-in that answers every request with a 404 (any answer means it runs), counting them. */
async function liveServer(): Promise<{ url: string; paths: string[]; server: http.Server }> {
  const paths: string[] = []
  const { url, server } = await listen((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(404).end()
  })
  return { url: `${url}/static/`, paths, server }
}

function collectWarnings() {
  const warnings: { message: string; context: WarningContext | undefined }[] = []
  const onWarning = (message: string, context?: WarningContext) => warnings.push({ message, context })
  return { warnings, onWarning }
}

const EVERY_TIME = { intervalMs: 0, timeoutMs: 1000 }

describe('the dev server probe', () => {
  it('warns once while the dev server does not answer, however often it is checked', async () => {
    const devServer = await deadServer()
    const { warnings, onWarning } = collectWarnings()
    const probe = createDevServerProbe(devServer, onWarning, EVERY_TIME)
    for (let round = 0; round < 4; round++) await probe.check()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.context).toEqual({ kind: 'dev-server-down', paths: [] })
    expect(warnings[0]?.message).toContain(`${devServer}@vite/client`)
    expect(warnings[0]?.message).toContain('ECONNREFUSED')
    expect(warnings[0]?.message).toContain('`npx vite`')
    expect(warnings[0]?.message).toContain('`vite build`')
  })

  it('stays silent while any HTTP answer comes back', async () => {
    const live = await liveServer()
    const { warnings, onWarning } = collectWarnings()
    const probe = createDevServerProbe(live.url, onWarning, EVERY_TIME)
    for (let round = 0; round < 3; round++) await probe.check()
    expect(warnings).toEqual([])
    expect(live.paths).toEqual(['/static/@vite/client', '/static/@vite/client', '/static/@vite/client'])
  })

  it('counts a dev server over HTTPS with a self-signed certificate as answering', async () => {
    const server = https.createServer(selfSignedCertificate(), (_req, res) => res.writeHead(404).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const { warnings, onWarning } = collectWarnings()
    await createDevServerProbe(`https://127.0.0.1:${port}/static/`, onWarning, EVERY_TIME).check()
    expect(warnings).toEqual([])
  })

  it('warns again each time the dev server stops after answering', async () => {
    const live = await liveServer()
    const { port } = live.server.address() as AddressInfo
    const { warnings, onWarning } = collectWarnings()
    const probe = createDevServerProbe(live.url, onWarning, EVERY_TIME)
    const stop = () => new Promise<void>((resolve) => live.server.close(() => resolve()))
    await probe.check()
    await stop()
    await probe.check()
    await probe.check()
    expect(warnings).toHaveLength(1)
    await new Promise<void>((resolve) => live.server.listen(port, '127.0.0.1', resolve))
    await probe.check()
    expect(warnings).toHaveLength(1)
    await stop()
    await probe.check()
    expect(warnings).toHaveLength(2)
    // listen()'s own cleanup closes it once more.
    await new Promise<void>((resolve) => live.server.listen(port, '127.0.0.1', resolve))
  })

  it('calls a dev server that accepts connections but never answers down after the timeout', async () => {
    // It reads the request (so it sees the probe hang up) and never answers.
    const silent = net.createServer((socket) => socket.resume())
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => silent.close(() => resolve())))
    const { port } = silent.address() as AddressInfo
    const { warnings, onWarning } = collectWarnings()
    await createDevServerProbe(`http://127.0.0.1:${port}/`, onWarning, {
      intervalMs: 0,
      timeoutMs: 100,
    }).check()
    expect(warnings.map(({ message }) => message)).toEqual([expect.stringContaining('ETIMEDOUT')])
  })

  it('probes at most once per interval, and not at all after close()', async () => {
    const live = await liveServer()
    const probe = createDevServerProbe(live.url, () => {}, { intervalMs: 60_000, timeoutMs: 1000 })
    await probe.check()
    expect(probe.check()).toBeUndefined()
    expect(live.paths).toHaveLength(1)
    const dead = createDevServerProbe(await deadServer(), () => {
      throw new Error('no warning after close()')
    })
    const inFlight = dead.check()
    dead.close()
    await inFlight
    expect(dead.check()).toBeUndefined()
  })

  it('survives an onWarning that throws', async () => {
    const probe = createDevServerProbe(
      await deadServer(),
      () => {
        throw new Error('boom')
      },
      EVERY_TIME,
    )
    await expect(probe.check()).resolves.toBeUndefined()
  })
})

describe('createStatic() in dev mode with a dev server', () => {
  it('warns once through onWarning when the dev server is not running, and renders regardless', async () => {
    const devServer = await deadServer()
    const { warnings, onWarning } = collectWarnings()
    const assets = await createStatic({ root: useTempRoot(), dev: true, vite: { devServer }, onWarning })
    onTestFinished(() => assets.close())
    for (let render = 0; render < 5; render++) {
      expect(assets.entry('src/main.ts')).toContain(`${devServer}src/main.ts`)
    }
    await vi.waitFor(() => expect(warnings).toHaveLength(1))
    for (let render = 0; render < 5; render++) assets.entry('src/main.ts')
    expect(warnings.map(({ context }) => context?.kind)).toEqual(['dev-server-down'])
  })

  it('stays silent when the dev server answers', async () => {
    const live = await liveServer()
    const { warnings, onWarning } = collectWarnings()
    const assets = await createStatic({
      root: useTempRoot(),
      dev: true,
      vite: { devServer: live.url },
      onWarning,
    })
    onTestFinished(() => assets.close())
    assets.entry('src/main.ts')
    await vi.waitFor(() => expect(live.paths).toEqual(['/static/@vite/client']))
    // The answer has been sent; give the probe a moment to read it.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(warnings).toEqual([])
  })

  it('does not probe in production, or without a dev server', async () => {
    const live = await liveServer()
    const root = useTempRoot({ '.vite/manifest.json': '{}' })
    const production = await createStatic({ root, vite: { devServer: live.url } })
    const watching = await createStatic({ root, dev: true, vite: true })
    await Promise.all([production.close(), watching.close()])
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(live.paths).toEqual([])
  })

  it('starts before the first vite build: the root may not exist yet, and is served once it does', async () => {
    const live = await liveServer()
    const root = path.join(useTempRoot(), 'build')
    // Dotfiles allowed: the bundler's manifest must stay unserved by its path alone.
    const assets = await createStatic({ root, dev: true, dotfiles: 'allow', vite: { devServer: live.url } })
    onTestFinished(() => assets.close())
    expect(assets.entry('src/main.ts')).toContain(`${live.url}src/main.ts`)
    expect(assets.url('src/images/logo.svg')).toBe(`${live.url}src/images/logo.svg`)
    const app = await listen((req, res) => assets.handle(req, res))
    expect((await request(app.url, '/static/assets/main-Cf4nH2Ly.js')).status).toBe(404)
    expect(assets.assets()).toEqual([])
    writeTree(root, {
      'assets/main-Cf4nH2Ly.js': 'export {}',
      'favicon.ico': 'icon',
      '.vite/manifest.json': '{}',
    })
    const built = await request(app.url, '/static/assets/main-Cf4nH2Ly.js')
    expect([built.status, built.body.toString()]).toEqual([200, 'export {}'])
    expect((await request(app.url, '/favicon.ico')).status).toBe(200)
    expect(assets.url('favicon.ico')).toMatch(/^\/static\/favicon\.ico\?v=/)
    expect((await request(app.url, '/static/.vite/manifest.json')).status).toBe(404)
  })

  it.each([
    { label: 'in production', dev: false, vite: { devServer: 'http://localhost:5173' } },
    { label: 'in dev mode without a dev server', dev: true, vite: true },
  ] as const)('still requires an existing root $label', async ({ dev, vite }) => {
    const root = path.join(useTempRoot(), 'build')
    const error = await createStatic({ root, dev, vite }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect((error as Error).message).toContain(`option "root" must be an existing directory, got "${root}"`)
  })

  it('refuses a root that is a file even with a dev server', async () => {
    const root = path.join(useTempRoot(), 'build')
    writeFileSync(root, 'not a folder')
    const error = await createStatic({ root, dev: true, vite: { devServer: 'http://localhost:5173' } }).catch(
      (caught: unknown) => caught,
    )
    expect((error as Error).message).toContain('which is a file')
  })
})
