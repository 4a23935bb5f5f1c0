/**
 * The `<script>` / `<link>` tags that carry a versioned URL and its Subresource Integrity value.
 * @module
 */
import type { CrossOrigin, TagAttributes } from './types.js'

/** The tags vstatic renders. */
export type TagKind = 'script' | 'stylesheet'

/** Renders a script or stylesheet tag; every attribute value is escaped for HTML. */
export function renderTag(
  kind: TagKind,
  url: string,
  integrity: string | undefined,
  crossorigin: CrossOrigin | false,
  extra: TagAttributes | undefined,
): string {
  const attributes: Array<[string, string | boolean | undefined]> =
    kind === 'script'
      ? [['src', url]]
      : [
          ['rel', 'stylesheet'],
          ['href', url],
        ]
  attributes.push(['integrity', integrity])
  if (crossorigin !== false) attributes.push(['crossorigin', crossorigin])
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name))
      throw new TypeError(`invalid attribute name ${JSON.stringify(name)}`)
    const existing = attributes.findIndex(([known]) => known === name)
    if (existing === -1) attributes.push([name, value])
    else attributes[existing] = [name, value]
  }
  const text = attributes
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => (value === true ? name : `${name}="${escapeAttribute(String(value))}"`))
    .join(' ')
  return kind === 'script' ? `<script ${text}></script>` : `<link ${text}>`
}

// --- internal ---

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}
