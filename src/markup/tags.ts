/**
 * The `<script>` / `<link>` tags that carry a versioned URL and its Subresource Integrity value.
 * @module
 */
import type { CrossOrigin, TagAttributes } from '../types.js'

/** The tags vstatic renders: classic and module scripts, stylesheets and module preloads. */
export type TagKind = 'script' | 'module' | 'stylesheet' | 'modulepreload'

/** Renders a tag that loads `url`; every attribute value is escaped for HTML. No integrity without `integrity`. */
export function renderTag(
  kind: TagKind,
  url: string,
  integrity: string | undefined,
  crossorigin: CrossOrigin | false,
  extra: TagAttributes | undefined,
): string {
  const attributes: Array<[string, string | boolean | undefined]> = [...LEADING[kind], [SOURCE[kind], url]]
  attributes.push(['integrity', integrity])
  if (crossorigin !== false) attributes.push(['crossorigin', crossorigin])
  const text = formatAttributes(attributes, extra)
  return kind === 'script' || kind === 'module' ? `<script ${text}></script>` : `<link ${text}>`
}

/**
 * Renders an inline `<script>` of `type` (`importmap`, `module`). The content must already be safe
 * inside a script element; one that could end it early is refused.
 */
export function renderInlineScript(type: string, content: string, extra: TagAttributes | undefined): string {
  if (/<\/script|<!--/i.test(content))
    throw new TypeError('inline script content must not contain "</script" or "<!--"')
  return `<script ${formatAttributes([['type', type]], extra)}>${content}</script>`
}

// --- internal ---

const LEADING: Readonly<Record<TagKind, ReadonlyArray<[string, string]>>> = {
  script: [],
  module: [['type', 'module']],
  stylesheet: [['rel', 'stylesheet']],
  modulepreload: [['rel', 'modulepreload']],
}
const SOURCE: Readonly<Record<TagKind, 'src' | 'href'>> = {
  script: 'src',
  module: 'src',
  stylesheet: 'href',
  modulepreload: 'href',
}

/** `name="value"` pairs, `extra` overriding the defaults; false and undefined values are left out, true ones bare. */
function formatAttributes(
  defaults: Array<[string, string | boolean | undefined]>,
  extra: TagAttributes | undefined,
): string {
  const attributes = [...defaults]
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name))
      throw new TypeError(`invalid attribute name ${JSON.stringify(name)}`)
    const existing = attributes.findIndex(([known]) => known === name)
    if (existing === -1) attributes.push([name, value])
    else attributes[existing] = [name, value]
  }
  return attributes
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => (value === true ? name : `${name}="${escapeAttribute(String(value))}"`))
    .join(' ')
}

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}
