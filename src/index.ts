/**
 * vstatic: content-hashed static assets for Node.js.
 * @module
 */

export type { NextFunction, StaticAssets } from './create-static.js'
export { createStatic } from './create-static.js'
export { MissingAssetError, StaticConfigError } from './errors.js'
export type { FileBody, StaticResponse } from './http/plan.js'
export type { HintableResponse } from './markup/early-hints.js'
export type { PreparedResponse } from './serve/node-io.js'
export type {
  Asset,
  CacheKind,
  CrossOrigin,
  Dotfiles,
  EarlyHintsOptions,
  EarlyHintsSettings,
  EncodedVariant,
  Encoding,
  FileIdentity,
  HeaderContext,
  HintList,
  ImportMapOptions,
  IntegrityAlgorithm,
  OnMissing,
  OnWarning,
  PathOption,
  RequestInfo,
  SetHeaders,
  StaticOptions,
  TagAttributes,
  UrlOptions,
  Versioning,
  ViteOptions,
  WarningContext,
  WarningKind,
} from './types.js'
