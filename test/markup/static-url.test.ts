import ejs from 'ejs'
import { describe, expect, it } from 'vitest'
import { createStatic, MissingAssetError } from '../../src/index.js'
import { PUBLIC_ROOT, useTempRoot } from '../helpers/fixtures.js'

describe('url()', () => {
  it.each([
    ['css/app.css', '/static/css/app.css?v='],
    ['/css/app.css', '/static/css/app.css?v='],
    ['with space.txt', '/static/with%20space.txt?v='],
    ['fünke.txt', '/static/f%C3%BCnke.txt?v='],
    ['.well-known/security.txt', '/static/.well-known/security.txt?v='],
  ])('%s → %s<token>', async (input, start) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    const url = assets.url(input)
    expect(url.startsWith(start)).toBe(true)
    expect(url.slice(start.length)).toMatch(/^[0-9a-f]{16}$/)
  })

  it('percent-encodes ?, #, % and spaces in every segment', async () => {
    const root = useTempRoot({ 'a?b#c.txt': '1', '100%/x y.txt': '2' })
    const assets = await createStatic({ root })
    expect(assets.url('a?b#c.txt')).toMatch(/^\/static\/a%3Fb%23c\.txt\?v=[0-9a-f]{16}$/)
    expect(assets.url('100%/x y.txt')).toMatch(/^\/static\/100%25\/x%20y\.txt\?v=[0-9a-f]{16}$/)
  })

  describe.each(['query', 'filename'] as const)(
    'a query and a fragment after the path (%s versioning)',
    (versioning) => {
      const versioned = (path: string, token: string, suffix: string) =>
        versioning === 'query'
          ? `/static/${path}?v=${token}${suffix.replace(/^\?/, '&').replace(/^&(#|$)/, '$1')}`
          : `/static/${path.replace(/\.(\w+)$/, `.${token}.$1`)}${suffix}`

      it.each([
        ['img/logo.svg#icon', 'img/logo.svg', '#icon'],
        ['css/app.css?theme=dark', 'css/app.css', '?theme=dark'],
        ['css/app.css?theme=dark#top', 'css/app.css', '?theme=dark#top'],
        ['css/app.css?#iefix', 'css/app.css', '?#iefix'],
        ['css/app.css?', 'css/app.css', '?'],
      ])('%s keeps its suffix and versions %s', async (input, path, suffix) => {
        const assets = await createStatic({ root: PUBLIC_ROOT, versioning })
        const token = assets.get(path)?.token ?? ''
        expect(assets.url(input)).toBe(versioned(path, token, suffix))
      })

      it('keeps them without a version, with a host, and in the tags', async () => {
        const assets = await createStatic({ root: PUBLIC_ROOT, versioning })
        const token = assets.get('img/logo.svg')?.token ?? ''
        expect(assets.url('img/logo.svg#icon', { version: false })).toBe('/static/img/logo.svg#icon')
        expect(assets.url('img/logo.svg#icon', { host: 'https://cdn.example.com' })).toBe(
          `https://cdn.example.com${versioned('img/logo.svg', token, '#icon')}`,
        )
        expect(assets.stylesheet('css/app.css?media=print')).toContain(
          `integrity="${assets.integrity('css/app.css')}"`,
        )
      })
    },
  )

  it('prefers a file really named with ? or # over reading them as a suffix', async () => {
    const root = useTempRoot({ 'a?b.txt': 'literal', 'a.txt': 'plain' })
    const assets = await createStatic({ root })
    expect(assets.url('a?b.txt')).toBe(`/static/a%3Fb.txt?v=${assets.get('a?b.txt')?.token}`)
    expect(assets.url('a.txt?b=1')).toBe(`/static/a.txt?v=${assets.get('a.txt')?.token}&b=1`)
    expect(() => assets.url('missing.txt#x')).toThrow('static asset "missing.txt#x" is not in')
  })

  it('gives the same token for the same bytes, whatever the file name or mtime', async () => {
    const root = useTempRoot({ 'one.txt': 'same bytes', 'two.txt': 'same bytes', 'three.txt': 'other' })
    const assets = await createStatic({ root })
    const token = (name: string) => assets.url(name).split('?v=')[1]
    expect(token('one.txt')).toBe(token('two.txt'))
    expect(token('one.txt')).not.toBe(token('three.txt'))
  })

  it('omits the token with { version: false }', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.url('css/app.css', { version: false })).toBe('/static/css/app.css')
  })

  it('uses the configured prefix, adding its trailing slash', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, prefix: '/assets' })
    expect(assets.url('js/app.js')).toMatch(/^\/assets\/js\/app\.js\?v=/)
  })

  it('returns the same string object on repeated calls (no allocation per call)', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(assets.url('css/app.css')).toBe(assets.url('css/app.css'))
  })

  it.each(['missing.css', 'css/missing.css', '.secret', 'css'])(
    'throws MissingAssetError naming %j and the root',
    async (input) => {
      const assets = await createStatic({ root: PUBLIC_ROOT })
      expect(() => assets.url(input)).toThrow(MissingAssetError)
      expect(() => assets.url(input)).toThrow(
        `static asset ${JSON.stringify(input)} is not in ${JSON.stringify(PUBLIC_ROOT)}`,
      )
      try {
        assets.url(input)
      } catch (error) {
        expect(error).toMatchObject({
          code: 'ERR_STATIC_MISSING_ASSET',
          path: input,
          assetPath: input,
          root: PUBLIC_ROOT,
          suggestions: [],
        })
      }
    },
  )

  it.each([
    ['css//app.css', 'it has an empty segment (a doubled "/" or a trailing "/")'],
    ['css/', 'it has an empty segment (a doubled "/" or a trailing "/")'],
    ['//css/app.css', 'it has an empty segment (a doubled "/" or a trailing "/")'],
    ['../outside.txt', 'it has a ".." segment, and a path may not leave the root'],
    ['css/../../outside.txt', 'it has a ".." segment, and a path may not leave the root'],
    ['./css/app.css', 'it has a "." segment; write the path without it'],
    ['', 'it is empty'],
    ['/', 'it is empty'],
    ['a\0b', 'it contains a NUL byte'],
    ['css//app.css#x', 'it has an empty segment (a doubled "/" or a trailing "/")'],
  ])('says why %j is not a valid path: %s', async (input, reason) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    expect(() => assets.url(input)).toThrow(
      `static asset ${JSON.stringify(input)} is not a valid path: ${reason}`,
    )
    expect(() => assets.integrity(input)).toThrow(MissingAssetError)
  })

  it.each([
    ['css/App.css', ['css/app.css']],
    ['CSS/APP.CSS', ['css/app.css']],
    ['css/ap.css', ['css/app.css']],
    ['css/appp.css', ['css/app.css']],
    ['img/lgoo.svg', ['img/logo.svg']],
    ['img/logo.svh', ['img/logo.svg']],
    ['robot.txt', ['robots.txt']],
    ['img/pixl.png#x', ['img/pixel.png']],
    ['nothing/like/it.css', []],
  ])('suggests what %j was probably meant to be: %j', async (input, suggestions) => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    let thrown: unknown
    try {
      assets.url(input)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MissingAssetError)
    const expected = suggestions.length === 0 ? '' : `; did you mean ${JSON.stringify(suggestions[0])}?`
    expect((thrown as MissingAssetError).suggestions).toEqual(suggestions)
    expect((thrown as MissingAssetError).message).toBe(
      `static asset ${JSON.stringify(input)} is not in ${JSON.stringify(PUBLIC_ROOT)}${expected}`,
    )
  })

  it('keeps the asked path on assetPath when a template engine takes over path (EJS)', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT })
    let thrown: MissingAssetError | undefined
    try {
      ejs.render(
        '<%= staticUrl("css/typo.css") %>',
        { staticUrl: assets.url },
        { filename: '/views/index.ejs' },
      )
    } catch (error) {
      thrown = error as MissingAssetError
    }
    expect(thrown).toBeInstanceOf(MissingAssetError)
    expect({ path: thrown?.path, assetPath: thrown?.assetPath }).toEqual({
      path: '/views/index.ejs',
      assetPath: 'css/typo.css',
    })
  })

  it('warns once and returns the unversioned URL under onMissing: "warn"', async () => {
    const warnings: string[] = []
    const assets = await createStatic({
      root: PUBLIC_ROOT,
      onMissing: 'warn',
      onWarning: (m) => warnings.push(m),
    })
    expect(assets.url('new file.css')).toBe('/static/new%20file.css')
    expect(assets.url('new file.css')).toBe('/static/new%20file.css')
    expect(warnings).toEqual([
      `static asset "new file.css" is not in ${PUBLIC_ROOT}; using an unversioned URL`,
    ])
  })

  it.each(['../outside.txt', 'css/../../outside.txt', '', 'a//b'])(
    'throws for %j even under onMissing: "warn" (it can never name a file of the root)',
    async (input) => {
      const assets = await createStatic({ root: PUBLIC_ROOT, onMissing: 'warn', onWarning: () => {} })
      expect(() => assets.url(input)).toThrow(MissingAssetError)
    },
  )
})

describe('CDN host and CORS', () => {
  it('makes URLs absolute with host, with a per-call override', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, host: 'https://cdn.example.com/' })
    const token = assets.get('css/app.css')?.token
    expect(assets.url('css/app.css')).toBe(`https://cdn.example.com/static/css/app.css?v=${token}`)
    expect(assets.url('css/app.css', { host: false })).toBe(`/static/css/app.css?v=${token}`)
    expect(assets.url('css/app.css', { host: 'https://other.example' })).toBe(
      `https://other.example/static/css/app.css?v=${token}`,
    )
    expect(assets.stylesheet('css/app.css')).toContain(
      `href="https://cdn.example.com/static/css/app.css?v=${token}"`,
    )
    expect(assets.stylesheet('css/app.css')).toContain('crossorigin="anonymous"')
  })

  it.each(['cdn.example.com', 'https://cdn.example.com/assets', 'ftp://cdn.example.com', 42])(
    'rejects host %j with a named error',
    async (host) => {
      await expect(createStatic({ root: PUBLIC_ROOT, host: host as string })).rejects.toThrow(
        /option "host" must be an origin/,
      )
    },
  )

  it.each([
    [true, '*', undefined],
    ['https://www.example.com', 'https://www.example.com', 'Origin'],
  ])('cors: %j sends Access-Control-Allow-Origin on 200 and 304', async (cors, allow, vary) => {
    const assets = await createStatic({ root: PUBLIC_ROOT, cors })
    const ok = assets.respond({ method: 'GET', url: '/static/css/app.css', header: () => undefined })
    expect(ok?.headers['access-control-allow-origin']).toBe(allow)
    expect(ok?.headers.vary).toBe(vary)
    const etag = assets.get('css/app.css')?.etag
    const notModified = assets.respond({
      method: 'GET',
      url: '/static/css/app.css',
      header: (name) => (name === 'if-none-match' ? etag : undefined),
    })
    expect(notModified?.status).toBe(304)
    expect(notModified?.headers['access-control-allow-origin']).toBe(allow)
  })
})

describe('url() of a file the ignore patterns leave out', () => {
  it('says the file is there but ignored, and by which pattern', async () => {
    const root = useTempRoot({ 'css/app.scss': '$x: 1', 'css/app.css': 'a {}', 'notes/todo.md': '-' })
    const assets = await createStatic({ root, ignore: ['notes/**', '**/*.scss'] })
    expect(() => assets.url('css/app.scss')).toThrow(
      `static asset "css/app.scss" is in ${JSON.stringify(root)} but left out by the ignore pattern "**/*.scss"`,
    )
    expect(() => assets.url('notes/todo.md')).toThrow('left out by the ignore pattern "notes/**"')
    // A file that is not there at all keeps the usual message and its suggestions.
    expect(() => assets.url('css/app.cs')).toThrow(/is not in .*; did you mean "css\/app\.css"\?/)
  })
})
