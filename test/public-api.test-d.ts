/**
 * Type tests of the public API, as an app imports it (`vstatic`, `vstatic/<framework>`). Checked by
 * `npm run typecheck` (test/tsconfig.json), never run: a change to a public type fails here first.
 */
import http from 'node:http'
import http2 from 'node:http2'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type Asset,
  createStatic,
  type HintList,
  MissingAssetError,
  type PathOption,
  type StaticAssets,
  StaticConfigError,
  type StaticOptions,
  type UrlOptions,
} from 'vstatic'
import { serveStatic as expressStatic, type StaticLocals } from 'vstatic/express'
import { serveStatic as fastifyStatic } from 'vstatic/fastify'
import { serveStatic as honoStatic, type StaticVariables } from 'vstatic/hono'
import { serveStatic as koaStatic } from 'vstatic/koa'

declare const assets: StaticAssets

describe('vstatic', () => {
  it('createStatic takes the options and resolves with the assets', () => {
    expectTypeOf(createStatic).parameter(0).toEqualTypeOf<StaticOptions>()
    expectTypeOf(createStatic).returns.resolves.toEqualTypeOf<StaticAssets>()
    expectTypeOf<StaticOptions>().toHaveProperty('root').toEqualTypeOf<PathOption | readonly PathOption[]>()
  })

  it('url, integrity and the tags return strings; get returns an asset or undefined', () => {
    expectTypeOf(assets.url).toEqualTypeOf<(path: string, options?: UrlOptions) => string>()
    expectTypeOf(assets.integrity).returns.toEqualTypeOf<string>()
    expectTypeOf(assets.script).returns.toEqualTypeOf<string>()
    expectTypeOf(assets.stylesheet).returns.toEqualTypeOf<string>()
    expectTypeOf(assets.get).returns.toEqualTypeOf<Asset | undefined>()
    expectTypeOf(assets.versioning).toEqualTypeOf<'query' | 'filename'>()
  })

  it('earlyHints takes node:http and node:http2 responses; linkHeader gives a header value', () => {
    http.createServer((_req, res) => {
      expectTypeOf(assets.earlyHints(res, ['css/app.css'])).toEqualTypeOf<boolean>()
    })
    http2.createServer((_req, res) => {
      assets.earlyHints(res, { entry: 'src/main.ts' }, { http1: false })
    })
    expectTypeOf(assets.linkHeader).parameter(0).toEqualTypeOf<HintList>()
    expectTypeOf(assets.linkHeader).returns.toEqualTypeOf<string>()
    expectTypeOf<StaticOptions['earlyHints']>().toEqualTypeOf<{ http1?: boolean } | undefined>()
    // @ts-expect-error a Link value is made from files of the root, never from a raw string
    assets.linkHeader('</evil>; rel=preload')
  })

  it('errors carry their code and what they are about', () => {
    const missing = new MissingAssetError('css/app.css', '/srv/public')
    expectTypeOf<MissingAssetError['code']>().toEqualTypeOf<'ERR_STATIC_MISSING_ASSET'>()
    expectTypeOf(missing.assetPath).toEqualTypeOf<string>()
    expectTypeOf(missing.path).toEqualTypeOf<string>()
    expectTypeOf(missing.suggestions).toEqualTypeOf<readonly string[]>()
    expectTypeOf(missing.root).toEqualTypeOf<string>()
    expectTypeOf(missing).toExtend<Error>()
    const config = new StaticConfigError('root', 'must be a directory')
    expectTypeOf<StaticConfigError['code']>().toEqualTypeOf<'ERR_STATIC_OPTION'>()
    expectTypeOf(config.option).toEqualTypeOf<string>()
  })
})

describe('adapters', () => {
  it('hono: c.var carries the helpers when the app declares StaticVariables', () => {
    const app = new Hono<{ Variables: StaticVariables }>()
    app.use(honoStatic(assets))
    app.use(honoStatic(assets, { earlyHints: { entry: 'src/main.ts' } }))
    app.get('/', (c) => {
      expectTypeOf(c.var.staticUrl).toEqualTypeOf<StaticAssets['url']>()
      expectTypeOf(c.get('staticStylesheet')).toEqualTypeOf<StaticAssets['stylesheet']>()
      return c.html(`<link rel="stylesheet" href="${c.var.staticUrl('css/app.css')}">`)
    })
    // Without the type parameter Hono cannot know the variables: the reason the README declares them.
    new Hono().get('/', (c) => {
      // @ts-expect-error c.var has no staticUrl on an app that does not declare StaticVariables
      return c.text(c.var.staticUrl('css/app.css'))
    })
  })

  it('express: a request handler, and the locals views get', () => {
    const app = express()
    app.use(expressStatic(assets))
    app.use(expressStatic(assets, { earlyHints: { entry: ['src/main.ts', 'src/admin.ts'] } }))
    expectTypeOf<StaticLocals['staticUrl']>().toEqualTypeOf<StaticAssets['url']>()
    app.get('/', (_request, res) => {
      expectTypeOf(res.locals.staticUrl).toEqualTypeOf<StaticAssets['url']>()
      expectTypeOf(res.locals.staticEntry).toEqualTypeOf<StaticAssets['entry']>()
      expectTypeOf(res.locals.staticImportMap).toEqualTypeOf<StaticAssets['importMap']>()
      // @ts-expect-error a helper's arguments are checked: a path is a string
      res.locals.staticUrl(42)
      res.send(res.locals.staticStylesheet('css/app.css'))
    })
  })

  it('fastify: a plugin taking the assets, and staticUrl on the instance and the reply', async () => {
    const app = Fastify()
    await app.register(fastifyStatic, { assets, earlyHints: ['css/app.css'] })
    expectTypeOf(app.staticUrl).toEqualTypeOf<StaticAssets['url']>()
    app.get('/', (_request, reply) => {
      expectTypeOf(reply.staticUrl).toEqualTypeOf<StaticAssets['url']>()
      return reply.staticUrl('js/app.js')
    })
    expectTypeOf(app.staticImportMap).toEqualTypeOf<StaticAssets['importMap']>()
    expectTypeOf(app.staticEntry).toEqualTypeOf<StaticAssets['entry']>()
    expectTypeOf(app.staticIntegrity).toEqualTypeOf<StaticAssets['integrity']>()
    app.get('/tags', (_request, reply) => {
      expectTypeOf(reply.staticScript).toEqualTypeOf<StaticAssets['script']>()
      return reply.staticStylesheet('css/app.css')
    })
    // @ts-expect-error the plugin needs the assets
    await app.register(fastifyStatic, {})
  })

  it('koa: a middleware, and ctx.state typed for views', () => {
    new Koa().use(koaStatic(assets)).use((ctx) => {
      expectTypeOf(ctx.state.staticUrl).toEqualTypeOf<StaticAssets['url']>()
      expectTypeOf(ctx.state.staticImportMap).toEqualTypeOf<StaticAssets['importMap']>()
      // @ts-expect-error a helper's arguments are checked: a path is a string
      ctx.state.staticUrl(42)
      ctx.body = ctx.state.staticEntry('src/main.ts')
    })
    new Koa().use(koaStatic(assets, { earlyHints: ['css/app.css', 'js/app.js'] }))
    expectTypeOf(koaStatic).returns.toExtend<Koa.Middleware>()
  })
})
