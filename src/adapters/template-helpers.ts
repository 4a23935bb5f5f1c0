/**
 * The helpers every adapter hands to templates, under the same names in every framework.
 * @module
 */
import type { StaticAssets } from '../index.js'

/** What templates call: `staticUrl('css/app.css')`, `staticScript('js/app.js')`, and so on. */
export interface TemplateHelpers {
  staticUrl: StaticAssets['url']
  staticScript: StaticAssets['script']
  staticStylesheet: StaticAssets['stylesheet']
  staticIntegrity: StaticAssets['integrity']
  /** The tags of a bundler entry: `staticEntry('src/main.ts')`. */
  staticEntry: StaticAssets['entry']
  /** The import map of the root's modules: `staticImportMap()`. */
  staticImportMap: StaticAssets['importMap']
}

/** The template helpers of `assets`. */
export function templateHelpers(assets: StaticAssets): TemplateHelpers {
  return {
    staticUrl: assets.url,
    staticScript: assets.script,
    staticStylesheet: assets.stylesheet,
    staticIntegrity: assets.integrity,
    staticEntry: assets.entry,
    staticImportMap: assets.importMap,
  }
}
