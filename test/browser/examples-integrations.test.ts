import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { getAndHead, request } from '../helpers/http.js'

async function listenNode(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => stop(server))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes a server without waiting for a browser's keep-alive connections to time out. */
function stop(server: http.Server): Promise<void> {
  server.closeAllConnections()
  return new Promise<void>((resolve) => server.close(() => resolve()))
}

async function startViteExpress(options: { dev?: boolean } = {}): Promise<string> {
  const { createApp } = await import('../../examples/vite-express/server.js')
  return listenNode((await createApp(options)) as http.RequestListener)
}

async function startImportMap(): Promise<string> {
  const app = await (await import('../../examples/importmap/server.js')).createApp()
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
  })
  onTestFinished(() => stop(server as http.Server))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Fetches every URL a page names (`src`, `href`); the versioned and fingerprinted ones must be immutable. */
async function expectEveryUrlServed(base: string, page: string): Promise<string[]> {
  const urls = [...page.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1] ?? '')
  for (const url of urls) {
    const response = await getAndHead(base, url)
    expect(response.status, url).toBe(200)
    if (url.startsWith('/static/'))
      expect(response.headers['cache-control'], url).toBe('public, max-age=31536000, immutable')
  }
  return urls
}

describe('examples/vite-express', () => {
  it('renders each Vite entry with its stylesheets, preloads and module script, every URL served immutable', async () => {
    const base = await startViteExpress({ dev: false })
    for (const [path, expected] of [
      ['/', ['shared-Dq3vR9sT.css', 'main-BmT6w0Ke.css', 'shared-C8bX1Gw2.js', 'main-Cf4nH2Ly.js']],
      ['/admin', ['shared-Dq3vR9sT.css', 'shared-C8bX1Gw2.js', 'admin-B1kQp7Zx.js']],
    ] as const) {
      const page = (await request(base, path)).body.toString()
      const urls = await expectEveryUrlServed(base, page)
      // The entry's tags, then the logo the view names by its source path.
      expect(urls.filter((url) => url.startsWith('/static/'))).toEqual(
        [...expected, 'logo-Cx34Vb56.svg'].map((file) => `/static/assets/${file}`),
      )
      expect(page.match(/integrity="sha384-[A-Za-z0-9+/]+={0,2}"/g)).toHaveLength(expected.length)
    }
    expect((await request(base, '/static/.vite/manifest.json')).status).toBe(404)
  })

  it('shows url() of a source asset: the file Vite built from src/images/logo.svg, with its bytes', async () => {
    const base = await startViteExpress({ dev: false })
    const page = (await request(base, '/')).body.toString()
    expect(page).toContain('<img src="/static/assets/logo-Cx34Vb56.svg" alt=""')
    const logo = await getAndHead(base, '/static/assets/logo-Cx34Vb56.svg')
    expect(logo.status).toBe(200)
    expect(logo.headers['content-type']).toBe('image/svg+xml')
    expect(logo.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const source = await readFile(new URL('../../examples/vite-express/src/images/logo.svg', import.meta.url))
    expect(logo.body.equals(source)).toBe(true)
  })

  it('loads the entry from Vite’s dev server in dev mode, with the same template', async () => {
    const base = await startViteExpress({ dev: true })
    const page = (await request(base, '/')).body.toString()
    expect(page).toContain('<script type="module" src="http://localhost:5173/static/@vite/client"></script>')
    expect(page).toContain('<script type="module" src="http://localhost:5173/static/src/main.js"></script>')
    expect(page).toContain('<img src="http://localhost:5173/static/src/images/logo.svg" alt=""')
    expect(page).not.toContain('/static/assets/')
  })

  it('sends an unknown entry to the error handler, naming the manifest and the template', async () => {
    const base = await startViteExpress({ dev: false })
    const response = await request(base, '/broken')
    expect(response.status).toBe(500)
    expect(response.body.toString()).toContain('"src/tpyo.js" is not in the bundler manifest')
    expect(response.body.toString()).toContain('.vite/manifest.json')
    expect(response.body.toString()).toContain('broken.ejs:1')
  })
})

describe('examples/importmap', () => {
  it('renders an import map whose every URL answers with the bytes its integrity names', async () => {
    const base = await startImportMap()
    const page = (await request(base, '/')).body.toString()
    await expectEveryUrlServed(base, page)
    const json = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '{}'
    const map = JSON.parse(json) as { imports: Record<string, string>; integrity: Record<string, string> }
    expect(Object.keys(map.imports)).toEqual([
      '/static/modules/format.js',
      '/static/modules/main.js',
      'confetti',
    ])
    for (const [url, integrity] of Object.entries(map.integrity)) {
      const response = await getAndHead(base, url)
      expect(response.headers['cache-control'], url).toBe('public, max-age=31536000, immutable')
      expect(`sha384-${createHash('sha384').update(response.body).digest('base64')}`, url).toBe(integrity)
    }
    // The notes beside the modules are ignored; the favicon comes from the second root.
    expect((await request(base, '/static/modules/README.md')).status).toBe(404)
    expect((await getAndHead(base, '/favicon.ico')).status).toBe(200)
  })

  it.skipIf(!HAS_BROWSER)(
    'runs in a real browser, its imports loaded through the map',
    async () => {
      const base = await startImportMap()
      const browser = await launchBrowser()
      const tab = await (await browser.newContext()).newPage()
      const requested: string[] = []
      tab.on('request', (sent) => requested.push(sent.url().replace(base, '')))
      await tab.goto(`${base}/`, { waitUntil: 'load' })
      await tab.waitForFunction(() => document.querySelector('#note')?.textContent !== 'main.js has not run')
      expect(await tab.textContent('#note')).toBe('main.js and its imports have run')
      const modules = requested.filter((url) => /^\/static\/.*\.js(?:\?|$)/.test(url)).sort()
      expect(modules.map((url) => url.replace(/\?v=[0-9a-f]{16}$/, '?v=<token>'))).toEqual([
        '/static/modules/format.js?v=<token>',
        '/static/modules/main.js?v=<token>',
        '/static/vendor/confetti.js?v=<token>',
      ])
    },
    60_000,
  )
})
