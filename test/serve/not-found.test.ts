import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'
import { getAndHead, listen } from '../helpers/http.js'

/**
 * A 404 the handler answers itself carries Cache-Control: without one, a CDN with a default TTL
 * may keep the 404 for a file that the next deploy adds.
 */
describe('404s answered by vstatic', () => {
  it.each([
    ['/static/not-yet-deployed.css', 'a missing file under the prefix'],
    ['/static/css/missing.0123456789abcdef.css', 'a versioned URL of a missing file'],
    ['/static/.secret', 'a dotfile'],
    ['/elsewhere', 'a URL outside the prefix, with no next()'],
  ])('%s (%s) gets no-cache over a real socket, GET and HEAD alike', async (url) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const { url: base } = await listen((req, res) => assets.handle(req, res))
    const response = await getAndHead(base, url)
    expect(response.status).toBe(404)
    expect(response.headers['cache-control']).toBe('no-cache')
  })

  it('sends a short public max-age instead with notFoundMaxAge', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, notFoundMaxAge: 60, fallthrough: false })
    const { url: base } = await listen((req, res) => assets.handle(req, res, () => res.end('app')))
    const response = await getAndHead(base, '/static/not-yet-deployed.css')
    expect(response.status).toBe(404)
    expect(response.headers['cache-control']).toBe('public, max-age=60')
  })

  it('sends it from fetch() and respond() too, and for other methods', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, fallthrough: false })
    const fetched = await assets.fetch(new Request('http://localhost/static/missing.css'))
    expect([fetched.status, fetched.headers.get('cache-control')]).toEqual([404, 'no-cache'])
    const planned = assets.respond({ method: 'DELETE', url: '/static/missing.css', header: () => undefined })
    expect(planned?.headers).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '10',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
  })

  it('leaves the 404 to the framework when it falls through', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const { url: base } = await listen((req, res) =>
      assets.handle(req, res, () => {
        res.writeHead(404, { 'x-from': 'app', 'content-length': '0' })
        res.end()
      }),
    )
    const response = await getAndHead(base, '/static/missing.css')
    expect([response.status, response.headers['x-from'], response.headers['cache-control']]).toEqual([
      404,
      'app',
      undefined,
    ])
  })
})
