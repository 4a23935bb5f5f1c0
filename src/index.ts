/**
 * vstatic: content-hashed static assets for Node.js.
 * @module
 */

export type { NextFunction, RequestInfo, StaticAssets } from './create-static.js'
export { createStatic } from './create-static.js'
export { MissingAssetError, StaticConfigError } from './errors.js'
export type { PreparedResponse } from './node-body.js'
export type { FileBody, StaticResponse } from './respond.js'
export type {
  Asset,
  CacheKind,
  HeaderContext,
  SetHeaders,
  StaticOptions,
  UrlOptions,
} from './types.js'
