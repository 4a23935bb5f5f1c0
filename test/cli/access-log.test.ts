import http from 'node:http'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { type AccessLogSettings, type AccessRecord, FORMATTERS } from '../../src/cli/access-log.js'
import { parseLimits } from '../../src/cli/limits.js'
import { listen } from '../../src/cli/listen.js'
import { main } from '../../src/cli/main.js'
import { createStatic } from '../../src/index.js'
import { readManifest } from '../../src/manifest/format.js'
import { formatNginxConfig } from '../../src/nginx/config.js'
import { PUBLIC_ROOT, useTempRoot } from '../helpers/fixtures.js'
import { request } from '../helpers/http.js'
import { freePort, HAS_NGINX, startNginx } from '../helpers/nginx.js'

const RECORD: AccessRecord = {
  time: new Date('2026-11-30T17:04:05.678Z'),
  remote: '203.0.113.7',
  method: 'GET',
  target: '/static/css/app.css?v=8835ac5e6b6b1b6c',
  protocol: 'HTTP/1.1',
  status: 200,
  bytes: 412,
  durationMs: 0.4321,
  referer: 'https://example.com/',
  userAgent: 'curl/8.5.0',
  aborted: false,
  pid: undefined,
}

describe('the access log formats', () => {
  it.each([
    [
      'dev',
      RECORD,
      '2026-11-30T17:04:05.678Z 203.0.113.7 GET /static/css/app.css?v=8835ac5e6b6b1b6c 200 412 0.4ms',
    ],
    [
      'dev',
      { ...RECORD, pid: 4242, aborted: true },
      '[4242] 2026-11-30T17:04:05.678Z 203.0.113.7 GET /static/css/app.css?v=8835ac5e6b6b1b6c 200 412 0.4ms (aborted)',
    ],
    [
      'combined',
      RECORD,
      '203.0.113.7 - - [30/Nov/2026:17:04:05 +0000] "GET /static/css/app.css?v=8835ac5e6b6b1b6c HTTP/1.1" 200 412 "https://example.com/" "curl/8.5.0"',
    ],
    [
      'combined',
      { ...RECORD, status: 304, bytes: 0, referer: undefined, userAgent: undefined },
      '203.0.113.7 - - [30/Nov/2026:17:04:05 +0000] "GET /static/css/app.css?v=8835ac5e6b6b1b6c HTTP/1.1" 304 - "-" "-"',
    ],
    [
      'combined',
      { ...RECORD, target: '/a"b\\c\x1b[31m\xe9', userAgent: 'x" "forged' },
      '203.0.113.7 - - [30/Nov/2026:17:04:05 +0000] "GET /a\\x22b\\x5Cc\\x1B[31m\\xE9 HTTP/1.1" 200 412 "https://example.com/" "x\\x22 \\x22forged"',
    ],
    [
      'json',
      { ...RECORD, pid: 4242 },
      '{"time":"2026-11-30T17:04:05.678Z","remote":"203.0.113.7","method":"GET","target":"/static/css/app.css?v=8835ac5e6b6b1b6c","protocol":"HTTP/1.1","status":200,"bytes":412,"durationMs":0.432,"referer":"https://example.com/","userAgent":"curl/8.5.0","pid":4242}',
    ],
    [
      'json',
      { ...RECORD, target: '/a\x9b31m\x85b\u2028c\x1b\xe9', userAgent: 'x\x9d' },
      '{"time":"2026-11-30T17:04:05.678Z","remote":"203.0.113.7","method":"GET","target":"/a\\u009b31m\\u0085b\\u2028c\\u001b\xe9","protocol":"HTTP/1.1","status":200,"bytes":412,"durationMs":0.432,"referer":"https://example.com/","userAgent":"x\\u009d"}',
    ],
  ] as const)('%s: %j', (format, record, line) => {
    expect(FORMATTERS[format](record)).toBe(line)
  })
})

/** vstatic serve's server in this process, over a real socket, with its log captured. */
async function serveWithLog(log: AccessLogSettings) {
  let output = ''
  const io = { stdout: (text: string) => (output += text), stderr: () => {} }
  const limits = parseLimits({ 'drain-timeout': '0' })
  const settings = { root: PUBLIC_ROOT, port: 0, host: '127.0.0.1', quiet: false, limits, log, options: {} }
  const running = await listen(settings, io)
  onTestFinished(() => running.close())
  const lines = async (count: number): Promise<string[]> => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const logged = output.split('\n').filter((line) => line !== '' && !/^(Listening|Serving) /.test(line))
      if (logged.length >= count) return logged
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`expected ${count} log lines, got: ${output}`)
  }
  return { url: running.url, lines }
}

describe('vstatic serve logs each request', () => {
  it('with the body bytes sent: the file size for GET, none for HEAD and 304', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const asset = assets.get('robots.txt')
    const { url, lines } = await serveWithLog({ format: 'json', trustProxy: [] })
    await request(url, '/robots.txt', { headers: { 'user-agent': 'probe/1', referer: 'http://r/' } })
    await request(url, '/robots.txt', { method: 'HEAD' })
    await request(url, '/robots.txt', { headers: { 'if-none-match': asset?.etag ?? '' } })
    const records = (await lines(3)).map((line) => JSON.parse(line))
    expect(records.map(({ time, durationMs, ...rest }) => rest)).toEqual([
      {
        remote: '127.0.0.1',
        method: 'GET',
        target: '/robots.txt',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: asset?.size,
        referer: 'http://r/',
        userAgent: 'probe/1',
      },
      {
        remote: '127.0.0.1',
        method: 'HEAD',
        target: '/robots.txt',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 0,
        referer: null,
        userAgent: null,
      },
      {
        remote: '127.0.0.1',
        method: 'GET',
        target: '/robots.txt',
        protocol: 'HTTP/1.1',
        status: 304,
        bytes: 0,
        referer: null,
        userAgent: null,
      },
    ])
    for (const record of records) expect(typeof record.durationMs).toBe('number')
  })

  it('never believes X-Forwarded-For or X-Real-IP by default', async () => {
    const { url, lines } = await serveWithLog({ format: 'combined', trustProxy: [] })
    await request(url, '/robots.txt', {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '198.51.100.1' },
    })
    expect(await lines(1)).toEqual([expect.stringMatching(/^127\.0\.0\.1 - - \[/)])
  })

  it.each([
    [['loopback'], { 'x-forwarded-for': '203.0.113.7' }, '203.0.113.7'],
    [['loopback'], { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }, '203.0.113.7'],
    [['loopback', '10.0.0.0/8'], { 'x-forwarded-for': '203.0.113.7, 10.1.2.3' }, '203.0.113.7'],
    [['127.0.0.1'], { 'x-real-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.7' }, '198.51.100.1'],
    [['loopback'], { 'x-forwarded-for': 'not-an-address' }, '127.0.0.1'],
    [['10.0.0.0/8'], { 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1'],
  ])('--trust-proxy %j with %j logs %s', async (trustProxy, headers, remote) => {
    const { url, lines } = await serveWithLog({ format: 'dev', trustProxy })
    await request(url, '/robots.txt', { headers })
    const [line] = await lines(1)
    expect(line?.split(' ')[1]).toBe(remote)
  })
})

describe('the logging flags', () => {
  it.each([
    [['--log-format', 'xml'], '--log-format must be one of dev, combined, json, got "xml"'],
    [
      ['--trust-proxy', 'nginx'],
      '--trust-proxy takes loopback, addresses or subnets (10.0.0.0/8), comma-separated; got "nginx"',
    ],
    [['--trust-proxy', '10.0.0.0/33'], 'got "10.0.0.0/33"'],
  ])('%j is a usage error', async (flags, message) => {
    let stderr = ''
    const code = await main(['serve', PUBLIC_ROOT, ...flags], {
      stdout: () => {},
      stderr: (text) => (stderr += text),
    })
    expect(code).toBe(2)
    expect(stderr).toContain(message)
  })
})

describe.skipIf(!HAS_NGINX)('behind the configuration vstatic nginx writes', () => {
  it('--trust-proxy logs the address nginx saw, not an X-Real-IP or X-Forwarded-For the client sent', async () => {
    const { url, lines } = await serveWithLog({ format: 'dev', trustProxy: ['127.0.0.1'] })
    const port = await freePort()
    const work = useTempRoot({})
    const out = path.join(work, 'm.json')
    await buildManifest({ root: PUBLIC_ROOT, out })
    const config = formatNginxConfig(readManifest(out), {
      root: PUBLIC_ROOT,
      manifestPath: out,
      listen: `127.0.0.1:${port}`,
      upstreams: [new URL(url).host],
    })
    await startNginx(config, port)
    // The client connects from 127.0.0.2, nginx from 127.0.0.1 (the one trusted proxy).
    await new Promise<number | undefined>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          // Not a file nginx serves itself: the app behind it answers.
          path: '/page',
          localAddress: '127.0.0.2',
          headers: { 'x-real-ip': '198.51.100.1', 'x-forwarded-for': '198.51.100.2' },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode))
        },
      )
      req.on('error', reject)
    })
    const [line] = await lines(1)
    expect(line?.split(' ')[1]).toBe('127.0.0.2')
  })
})
