/**
 * How the build report writes values: HTML escaping, byte counts, ratios, and the category (and so
 * the colour) of a file by its content type.
 * @module
 */

/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** `412 B`, `3.4 KiB`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** A size change with its sign: `+1.2 KiB`, `−300 B`, `0 B`. */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '0 B'
  return `${bytes > 0 ? '+' : '−'}${formatBytes(Math.abs(bytes))}`
}

/** How much smaller `compressed` is than `original`: `72%`; '' when there is nothing to compare. */
export function formatSaving(original: number, compressed: number | null): string {
  if (compressed === null || original === 0) return ''
  return `${Math.round((1 - compressed / original) * 100)}%`
}

/** The kinds of file the treemap and the graph colour, with their legend. */
export const CATEGORIES = [
  ['style', 'stylesheets'],
  ['script', 'scripts'],
  ['image', 'images'],
  ['font', 'fonts'],
  ['document', 'HTML, JSON, text'],
  ['other', 'other'],
] as const

export type Category = (typeof CATEGORIES)[number][0]

export function categoryOf(contentType: string): Category {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === 'text/css') return 'style'
  if (type.endsWith('javascript')) return 'script'
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('font/') || type.includes('font')) return 'font'
  if (type.startsWith('text/') || type.endsWith('json') || type.endsWith('xml')) return 'document'
  return 'other'
}
