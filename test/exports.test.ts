import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as express from '../src/adapters/express.js'
import * as fastify from '../src/adapters/fastify.js'
import * as hono from '../src/adapters/hono.js'
import * as koa from '../src/adapters/koa.js'
import * as api from '../src/index.js'
import * as publishing from '../src/publish/publish.js'

describe('public surface', () => {
  it('exports exactly these names from the main entry', () => {
    expect(Object.keys(api).sort()).toEqual(['MissingAssetError', 'StaticConfigError', 'createStatic'])
  })

  it('names each closed set of option values (checked by the type-check)', () => {
    expectTypeOf<api.Versioning>().toEqualTypeOf<'query' | 'filename'>()
    expectTypeOf<api.Encoding>().toEqualTypeOf<'br' | 'gzip'>()
    expectTypeOf<api.IntegrityAlgorithm>().toEqualTypeOf<'sha256' | 'sha384' | 'sha512'>()
    expectTypeOf<api.CrossOrigin>().toEqualTypeOf<'anonymous' | 'use-credentials'>()
    expectTypeOf<api.Dotfiles>().toEqualTypeOf<'ignore' | 'allow'>()
    expectTypeOf<api.OnMissing>().toEqualTypeOf<'throw' | 'warn'>()
    expectTypeOf<api.StaticOptions['versioning']>().toEqualTypeOf<api.Versioning | undefined>()
  })

  it.each([
    ['express', express],
    ['fastify', fastify],
    ['hono', hono],
    ['koa', koa],
  ])('vstatic/%s exports serveStatic only', (_name, module) => {
    expect(Object.keys(module)).toEqual(['serveStatic'])
  })

  it('vstatic/publish exports publish and its error, and loads no AWS SDK until a publish runs', () => {
    expect(Object.keys(publishing).sort()).toEqual(['PublishError', 'publish'])
  })

  it('maps every subpath to built files with types first', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(Object.keys(manifest.exports)).toEqual([
      '.',
      './express',
      './fastify',
      './koa',
      './hono',
      './publish',
      './package.json',
    ])
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === './package.json') continue
      expect(Object.keys(target as object)).toEqual(['types', 'default'])
    }
  })
})
