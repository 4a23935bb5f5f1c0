import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStatic, StaticConfigError, type StaticOptions } from '../../src/index.js'
import { PUBLIC_ROOT } from '../helpers/fixtures.js'

describe('createStatic() option validation', () => {
  it.each([
    {
      option: 'root',
      given: { root: '' },
      message: 'option "root" must be the path of an existing directory, got ""',
    },
    {
      option: 'root',
      given: { root: 'no/such/dir' },
      message: 'option "root" must be an existing directory, got "no/such/dir"',
    },
    { option: 'root', given: { root: path.join(PUBLIC_ROOT, 'robots.txt') }, message: 'which is a file' },
    {
      option: 'prefix',
      given: { prefix: 'static/' },
      message: 'option "prefix" must be a URL path starting with "/"',
    },
    { option: 'prefix', given: { prefix: '/a?b/' }, message: 'option "prefix"' },
    { option: 'prefix', given: { prefix: '/a//b/' }, message: 'option "prefix"' },
    {
      option: 'aliases',
      given: { aliases: { 'sitemap.xml': 'sitemap.xml' } },
      message: 'keys must be URL paths',
    },
    {
      option: 'aliases',
      given: { aliases: { '/x': '../etc/passwd' } },
      message: 'must map to a file path inside the root',
    },
    { option: 'aliases', given: { aliases: ['x'] }, message: 'must be an object' },
    { option: 'dev', given: { dev: 'yes' }, message: 'option "dev" must be true or false, got "yes"' },
    {
      option: 'indexFile',
      given: { indexFile: 'a/index.html' },
      message: 'option "indexFile" must be a file name',
    },
    { option: 'index', given: { index: 'a/index.html' }, message: 'option "index" must be a file name' },
    {
      option: 'index',
      given: { index: 'index.html', indexFile: 'index.html' },
      message: 'option "index" is the older name of indexFile; give only indexFile',
    },
    {
      option: 'dotfiles',
      given: { dotfiles: 'deny' },
      message: 'option "dotfiles" must be one of "ignore", "allow", got "deny"',
    },
    { option: 'maxAge', given: { maxAge: -1 }, message: 'option "maxAge" must be a whole number of seconds' },
    { option: 'maxAge', given: { maxAge: 1.5 }, message: 'option "maxAge"' },
    {
      option: 'notFoundMaxAge',
      given: { notFoundMaxAge: '60' },
      message: 'option "notFoundMaxAge" must be a whole number of seconds',
    },
    { option: 'immutableMaxAge', given: { immutableMaxAge: '1y' }, message: 'option "immutableMaxAge"' },
    {
      option: 'onMissing',
      given: { onMissing: 'ignore' },
      message: 'option "onMissing" must be one of "throw", "warn"',
    },
    { option: 'setHeaders', given: { setHeaders: 'no' }, message: 'option "setHeaders" must be a function' },
    { option: 'memoryBudget', given: { memoryBudget: -5 }, message: 'option "memoryBudget"' },
    {
      option: 'staticPath',
      given: { staticPath: 'x' },
      message: 'option "staticPath" is not a vstatic option',
    },
  ])('$option: $message', async ({ option, given, message }) => {
    const options = { root: PUBLIC_ROOT, ...given } as unknown as StaticOptions
    const error = await createStatic(options).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
    expect(error).toMatchObject({ code: 'ERR_STATIC_OPTION', option })
    expect((error as Error).message).toContain(message)
  })

  it("does not mutate the caller's options", async () => {
    const aliases = { '/sitemap.xml': 'sitemap.xml' }
    const options: StaticOptions = Object.freeze({ root: PUBLIC_ROOT, aliases: Object.freeze(aliases) })
    await createStatic(options)
    expect(options).toEqual({ root: PUBLIC_ROOT, aliases: { '/sitemap.xml': 'sitemap.xml' } })
  })

  it('rejects a missing options object with a clear message', async () => {
    const error = await createStatic(undefined as unknown as StaticOptions).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StaticConfigError)
  })
})

describe('indexFile and its older name index', () => {
  it.each([{ indexFile: 'robots.txt' }, { index: 'robots.txt' }] as const)(
    'serves the file of a directory URL with %o',
    async (option) => {
      const assets = await createStatic({ root: PUBLIC_ROOT, prefix: '/', ...option })
      const response = await assets.fetch(new Request('http://localhost/'))
      expect(response.status).toBe(200)
      expect(await response.text()).toBe(
        await (await assets.fetch(new Request('http://localhost/robots.txt'))).text(),
      )
    },
  )

  it('serves no directory URL without either', async () => {
    const assets = await createStatic({ root: PUBLIC_ROOT, prefix: '/' })
    expect((await assets.fetch(new Request('http://localhost/'))).status).toBe(404)
  })
})
