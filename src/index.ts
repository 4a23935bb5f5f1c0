/**
 * vstatic: content-hashed static assets for Node.js.
 * @module
 */

export type { NextFunction, RequestInfo, StaticAssets } from './create-static.js'
export { createStatic } from './create-static.js'
export { MissingAssetError, StaticConfigError } from './errors.js'
export type { FileBody, StaticResponse } from './http/plan.js'
export type { PreparedResponse } from './serve/node-body.js'
export type {
  Asset,
  CacheKind,
  HeaderContext,
  SetHeaders,
  StaticOptions,
  UrlOptions,
} from './types.js'
