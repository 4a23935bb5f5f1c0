/**
 * The request pipeline: resolve the URL, make sure the asset is true to the disk, plan the response,
 * open its body, and write it. `handle()` answers from memory without a promise when it can; every
 * other path goes through `prepare()`, which re-reads a file that changed and plans again.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AssetIndex } from '../catalog/asset-index.js'
import {
  createNotFound,
  type FileBody,
  type PlanContext,
  planBusy,
  planError,
  planRedirect,
  planResponse,
  type StaticResponse,
} from '../http/plan.js'
import { type ResolveContext, resolveRequest, type Target } from '../http/resolve.js'
import type { RequestInfo } from '../types.js'
import { type PreparedResponse, toPrepared, toRequestInfo, writeNodeResponse } from './node-io.js'
import { type BodySource, bodyInMemory, openBody } from './open-body.js'
import { awaitBindingsTurn, awaitTurn } from './turn.js'
import { abandonedResponse, toWebRequestInfo, toWebResponse } from './web.js'

/** Connect-style continuation: called for requests the handler does not answer, or with an I/O error. */
export type NextFunction = (error?: unknown) => void

/** What the pipeline serves from. */
export interface PipelineContext {
  readonly index: AssetIndex
  readonly resolve: ResolveContext
  readonly plan: PlanContext
  readonly bodies: BodySource
  /** Leave requests for missing files to the framework. */
  readonly fallthrough: boolean
  /** Cache-Control of the 404s the pipeline answers itself. */
  readonly notFoundCacheControl: string
}

/** The handlers built on one pipeline. */
export interface Pipeline {
  /** Resolves and plans without I/O, from the index as it stands. */
  respond(request: RequestInfo): StaticResponse | undefined
  /** Resolves, checks the file, plans and opens the body; undefined when the request is not ours. */
  prepare(request: RequestInfo): Promise<PreparedResponse | undefined>
  handle(req: IncomingMessage, res: ServerResponse, next?: NextFunction): void
  /** `bindings`: what @hono/node-server passes a fetch handler (the Node request and response), if any. */
  fetch(request: Request, bindings?: unknown): Promise<Response>
}

/** How many times a request re-reads a file that keeps changing before it gets a 503. */
const MAX_ATTEMPTS = 3
/** No descriptor free, or (EBUSY) a file that kept changing while the index read it again: 503, retry. */
const BUSY_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY'])

/** The pipeline over `context`: each handler is one of the named steps below, bound to it. */
export function createPipeline(context: PipelineContext): Pipeline {
  const steps: Steps = { ...context, planNotFound: createNotFound(context.notFoundCacheControl) }
  return {
    respond: (request) => respond(steps, request),
    prepare: (request) => prepare(steps, request),
    handle: (req, res, next) => handle(steps, req, res, next),
    fetch: (request, bindings) => fetchResponse(steps, request, bindings),
  }
}

// --- the steps ---

/** The context with the 404 it answers built once. */
interface Steps extends PipelineContext {
  readonly planNotFound: (method: string) => StaticResponse
}

/** A response for every target but a file; undefined for a file. */
function planOther(
  steps: Steps,
  target: Exclude<Target, { kind: 'asset' }>,
  method: string,
): StaticResponse | undefined {
  switch (target.kind) {
    case 'redirect':
      return planRedirect(target.location, method)
    case 'bad-request':
      return planError(400, `Bad Request: ${target.reason}`, method, {})
    case 'not-found':
      return steps.fallthrough ? undefined : steps.planNotFound(method)
    case 'none':
      return undefined
  }
}

/** Resolves and plans without I/O, from the index as it stands. */
function respond(steps: Steps, request: RequestInfo): StaticResponse | undefined {
  const target = resolveRequest(request.url, steps.resolve)
  if (target.kind !== 'asset') return planOther(steps, target, request.method)
  return planResponse(target.asset, target.cacheKind, request, steps.plan)
}

/** Resolves, checks the file, plans and opens the body, re-reading a file that changed meanwhile. */
async function prepare(steps: Steps, request: RequestInfo): Promise<PreparedResponse | undefined> {
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const target = resolveRequest(request.url, steps.resolve)
      if (target.kind !== 'asset') {
        const plan = planOther(steps, target, request.method)
        return plan === undefined ? undefined : toPrepared(plan)
      }
      const asset = await steps.index.verify(target.asset)
      // Gone: resolve once more, which may find another answer (the current file for a dropped
      // file of an earlier build); a refreshed asset may no longer carry the requested token.
      if (asset === undefined && attempt > 0) return notFound(steps, request.method)
      if (asset !== target.asset) continue
      const plan = planResponse(asset, target.cacheKind, request, steps.plan)
      if (plan.body === null || typeof plan.body === 'string') return toPrepared(plan)
      const prepared = await openPlanned(steps, plan, plan.body, request.method)
      if (prepared !== 'changed') return prepared
      await steps.index.refresh(asset.logicalPath)
    }
    return toPrepared(planBusy(request.method))
  } catch (error) {
    if (BUSY_CODES.has((error as NodeJS.ErrnoException).code ?? ''))
      return toPrepared(planBusy(request.method))
    throw error
  }
}

/** Opens the planned body; 'changed' when the file no longer holds the planned bytes. */
async function openPlanned(
  steps: Steps,
  plan: StaticResponse,
  body: FileBody,
  method: string,
): Promise<PreparedResponse | 'changed'> {
  // A stream that finds other bytes than indexed in the very file indexed has it read again: no
  // stat would notice, and every later response would be cut.
  const reread = () => void steps.index.refresh(body.asset.logicalPath).catch(() => undefined)
  const opened = await openBody(body, steps.bodies, reread)
  switch (opened.kind) {
    case 'bytes':
      return { status: plan.status, headers: plan.headers, body: opened.bytes, length: opened.bytes.length }
    case 'stream':
      return { status: plan.status, headers: plan.headers, body: opened.stream, length: opened.length }
    case 'changed':
    case 'gone':
      return 'changed'
    case 'busy':
      return toPrepared(planBusy(method))
    case 'error':
      throw opened.error
  }
}

function notFound(steps: Steps, method: string): PreparedResponse | undefined {
  return steps.fallthrough ? undefined : toPrepared(steps.planNotFound(method))
}

/** The response when it can be written at once: a trusted asset whose body is in memory, or no body. */
function respondAtOnce(steps: Steps, request: RequestInfo): StaticResponse | undefined | 'later' {
  const target = resolveRequest(request.url, steps.resolve)
  if (target.kind !== 'asset') return planOther(steps, target, request.method)
  if (steps.index.verify(target.asset) !== target.asset) return 'later'
  const plan = planResponse(target.asset, target.cacheKind, request, steps.plan)
  const body = plan.body
  if (body === null || typeof body === 'string' || bodyInMemory(body, steps.bodies) !== undefined) return plan
  return 'later'
}

/** node:http and Connect: answers from memory without a promise when it can, else through prepare(). */
function handle(steps: Steps, req: IncomingMessage, res: ServerResponse, next?: NextFunction): void {
  const request = toRequestInfo(req)
  const plan = respondAtOnce(steps, request)
  if (plan === undefined) {
    if (next) next()
    else writePlan(res, steps.planNotFound(request.method), steps.bodies)
    return
  }
  if (plan !== 'later') {
    writePlan(res, plan, steps.bodies)
    return
  }
  // Nothing is opened for a response queued behind others on a pipelined connection until its turn.
  const turn = awaitTurn(req, res)
  if (turn === true) respondLater(steps, request, res, next)
  else turn.then((owned) => owned && respondLater(steps, request, res, next))
}

/** Checks, plans and opens the body through prepare(), then writes the response. */
function respondLater(steps: Steps, request: RequestInfo, res: ServerResponse, next?: NextFunction): void {
  prepare(steps, request).then(
    (prepared) => {
      if (prepared !== undefined) writeNodeResponse(res, prepared)
      else if (next) next()
      else writePlan(res, steps.planNotFound(request.method), steps.bodies)
    },
    (error: unknown) => {
      if (next) next(error)
      else writeNodeResponse(res, toPrepared(planError(500, 'Internal Server Error', request.method, {})))
    },
  )
}

/**
 * Web-standard runtimes: every request goes through prepare(). Under @hono/node-server (`serve({
 * fetch: assets.fetch })`) the second argument carries the Node request and response: a response
 * queued on a pipelined connection opens nothing before its turn.
 */
async function fetchResponse(steps: Steps, request: Request, bindings?: unknown): Promise<Response> {
  const turn = awaitBindingsTurn(bindings)
  if (turn !== true && !(await turn)) return abandonedResponse()
  const info = toWebRequestInfo(request)
  const prepared = await prepare(steps, info)
  return toWebResponse(prepared ?? toPrepared(steps.planNotFound(info.method)))
}

/** Writes a plan whose body is in memory or absent. */
function writePlan(res: ServerResponse, plan: StaticResponse, bodies: BodySource): void {
  const body = plan.body
  res.writeHead(plan.status, plan.headers)
  res.end(body === null ? undefined : typeof body === 'string' ? body : bodyInMemory(body, bodies))
}
