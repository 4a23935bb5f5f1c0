/**
 * The helpers every adapter hands to templates, under the same names in every framework.
 * @module
 */
import type { HintList, StaticAssets } from '../index.js'

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
  /**
   * Adds preloads to the page's final response as a `Link` header (what a CDN turns into 103s on
   * later requests) and renders nothing: `staticPreload(['img/hero.webp'])`. Per response; a no-op
   * once its headers are sent.
   */
  staticPreload: (list: HintList) => string
}

/** The helpers that are the same for every response. */
export type SharedHelpers = Omit<TemplateHelpers, 'staticPreload'>

/** The template helpers of `assets` that are the same for every response. */
export function templateHelpers(assets: StaticAssets): SharedHelpers {
  return {
    staticUrl: assets.url,
    staticScript: assets.script,
    staticStylesheet: assets.stylesheet,
    staticIntegrity: assets.integrity,
    staticEntry: assets.entry,
    staticImportMap: assets.importMap,
  }
}

/** `staticPreload` for one response: `append` adds a value to its `Link` header, unless its headers are sent. */
export function preloadHelper(
  assets: StaticAssets,
  append: (value: string) => void,
): TemplateHelpers['staticPreload'] {
  return (list) => {
    const value = assets.linkHeader(list)
    if (value !== '') append(value)
    return ''
  }
}
