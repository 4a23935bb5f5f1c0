import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { describe, expect, it, onTestFinished } from 'vitest'
import { request } from './helpers/http.js'

type Start = () => Promise<string>

async function listenNode(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const EXAMPLES: Array<{ name: string; start: Start; brokenMentions: string }> = [
  {
    name: 'express-ejs',
    start: async () =>
      listenNode(
        (await (await import('../examples/express-ejs/server.js')).createApp()) as http.RequestListener,
      ),
    brokenMentions: 'broken.ejs',
  },
  {
    name: 'express-nunjucks',
    start: async () =>
      listenNode(
        (await (await import('../examples/express-nunjucks/server.js')).createApp()) as http.RequestListener,
      ),
    brokenMentions: 'broken.njk',
  },
  {
    name: 'fastify-eta',
    start: async () => {
      const app = await (await import('../examples/fastify-eta/server.js')).createApp()
      onTestFinished(() => app.close())
      return app.listen({ host: '127.0.0.1', port: 0 })
    },
    brokenMentions: 'broken.eta:1',
  },
  {
    name: 'koa',
    start: async () => listenNode((await (await import('../examples/koa/server.js')).createApp()).callback()),
    brokenMentions: '/broken',
  },
  {
    name: 'hono',
    start: async () => {
      const app = await (await import('../examples/hono/server.js')).createApp()
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
      })
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    },
    brokenMentions: '/broken',
  },
]

describe.each(EXAMPLES)('examples/$name', ({ start, brokenMentions }) => {
  it('renders a page whose every asset URL answers, versioned ones immutable', async () => {
    const base = await start()
    const page = await request(base, '/')
    expect(page.status).toBe(200)
    const urls = [...page.body.toString().matchAll(/(?:src|href)="(\/[^"]*)"/g)].map(
      (match) => match[1] ?? '',
    )
    expect(urls.filter((url) => url.startsWith('/static/'))).toHaveLength(4)
    expect(urls).toContain('/favicon.ico')
    for (const url of urls) {
      const response = await request(base, url.replace(/&amp;/g, '&'))
      expect(response.status, url).toBe(200)
      if (url.includes('?v='))
        expect(response.headers['cache-control'], url).toBe('public, max-age=31536000, immutable')
    }
    expect(page.body.toString()).toMatch(/integrity="sha384-[A-Za-z0-9+/]+={0,2}"/)
  })

  it('sends a missing asset in a template to the framework error handler, naming where', async () => {
    const base = await start()
    const response = await request(base, '/broken')
    expect(response.status).toBe(500)
    expect(response.body.toString()).toContain('static asset')
    expect(response.body.toString()).toContain('tpyo')
    expect(response.body.toString()).toContain(brokenMentions)
  })
})

/** Starts the demo (`npm start`) as a child process on a free port; resolves with its URL. */
async function startDemo(env: Record<string, string> = {}): Promise<string> {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['examples/demo/server.js'], {
    env: { ...process.env, PORT: '0', ...env },
  })
  onTestFinished(() => {
    child.kill()
  })
  return new Promise<string>((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /on (http:\/\/[^\s/]+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', () => reject(new Error(output)))
  })
}

describe('examples/demo (npm start)', () => {
  it('serves its page, every asset and link on it, SRI tags, the rewritten stylesheet and the report', async () => {
    const url = await startDemo()
    const page = (await request(url, '/')).body.toString()
    const urls = [...page.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1] ?? '')
    expect(urls).toContain('/report')
    expect(urls.filter((target) => target.startsWith('/static/'))).toHaveLength(2)
    for (const target of urls) expect((await request(url, target)).status, target).toBe(200)
    expect(page).toMatch(/<script src="\/static\/js\/app\.js\?v=[0-9a-f]{16}" integrity="sha384-[^"]+"/)
    expect(page).toMatch(/@import &#34;theme\.css\?v=[0-9a-f]{16}&#34;/)
    expect(page).toMatch(/url\(&#34;\.\.\/img\/logo\.svg\?v=[0-9a-f]{16}&#34;\)/)
    expect(page).toContain('production mode')
    const report = (await request(url, '/report')).body.toString()
    expect(report).toContain('<h1>Build report')
    expect(report).toContain('data-total-files="7"')
  }, 30_000)

  it('sends 103 Early Hints for its page to a navigation, and none to a fetch()', async () => {
    const url = await startDemo()
    const navigation = await request(url, '/', { headers: { 'sec-fetch-mode': 'navigate' } })
    expect(navigation.status).toBe(200)
    const [hints, ...more] = navigation.informational ?? []
    expect(more).toEqual([])
    expect(hints?.status).toBe(103)
    const links = (hints?.headers.link ?? '').split(', ')
    expect(links).toHaveLength(2)
    expect(links[0]).toMatch(
      /^<\/static\/css\/site\.css\?v=[0-9a-f]{16}>; rel=preload; as=style; crossorigin$/,
    )
    expect(links[1]).toMatch(/^<\/static\/js\/app\.js\?v=[0-9a-f]{16}>; rel=preload; as=script; crossorigin$/)
    expect(navigation.body.toString()).toContain(links[0]?.slice(1, links[0].indexOf('>')))
    const fetched = await request(url, '/', { headers: { 'sec-fetch-mode': 'cors' } })
    expect(fetched.informational).toEqual([])
  }, 30_000)

  it('runs in dev mode with VSTATIC_DEV=1 and says so', async () => {
    const url = await startDemo({ VSTATIC_DEV: '1' })
    const page = (await request(url, '/')).body.toString()
    expect(page).toContain('<span class="mode dev">dev mode</span>')
  })
})
