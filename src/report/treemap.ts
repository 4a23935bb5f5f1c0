/**
 * The treemap of the build report: served bytes by folder and file, as an inline SVG. Each folder's
 * children are laid out with the squarified algorithm (Bruls, Huizing and van Wijk), which keeps the
 * rectangles close to squares so that sizes can be compared by eye.
 * @module
 */
import type { ReportFile } from './data.js'
import { categoryOf, escapeHtml, formatBytes } from './format.js'

/** A rectangle in SVG user units. */
export interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** A folder or a file of the tree, with the bytes below it. */
export interface TreeNode {
  readonly name: string
  readonly path: string
  readonly size: number
  readonly children: readonly TreeNode[]
  readonly file: ReportFile | undefined
}

const WIDTH = 1200
const HEIGHT = 560
/** Height of a folder's title strip, and the padding inside its frame. */
const HEADER = 16
const PADDING = 3

/** The SVG of the treemap of `files` (files of zero bytes take no room). */
export function renderTreemap(files: readonly ReportFile[]): string {
  const root = buildTree(files.filter((file) => file.size > 0))
  const shapes: string[] = []
  drawChildren(root, { x: 0, y: 0, width: WIDTH, height: HEIGHT }, shapes)
  return (
    `<svg class="treemap" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Served bytes by folder and file">` +
    `${shapes.join('')}</svg>`
  )
}

/** Folders and files as a tree, each level sorted largest first. */
export function buildTree(files: readonly ReportFile[]): TreeNode {
  interface Folder {
    readonly folders: Map<string, Folder>
    readonly files: ReportFile[]
  }
  const top: Folder = { folders: new Map(), files: [] }
  for (const file of files) {
    const segments = file.path.split('/')
    let folder = top
    for (const segment of segments.slice(0, -1)) {
      let next = folder.folders.get(segment)
      if (next === undefined) {
        next = { folders: new Map(), files: [] }
        folder.folders.set(segment, next)
      }
      folder = next
    }
    folder.files.push(file)
  }
  const toNode = (folder: Folder, name: string, path: string): TreeNode => {
    const children = [
      ...[...folder.folders].map(([child, sub]) =>
        toNode(sub, child, path === '' ? child : `${path}/${child}`),
      ),
      ...folder.files.map((file) => ({
        name: file.path.slice(file.path.lastIndexOf('/') + 1),
        path: file.path,
        size: file.size,
        children: [],
        file,
      })),
    ].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    return {
      name,
      path,
      size: children.reduce((total, child) => total + child.size, 0),
      children,
      file: undefined,
    }
  }
  return toNode(top, '', '')
}

/**
 * Places items of the given sizes in `rect`, each with an area in proportion to its size: rows are
 * laid along the shorter side and grow while that makes their worst aspect ratio better.
 */
export function squarify<T extends { readonly size: number }>(
  items: readonly T[],
  rect: Rect,
): Array<{ item: T; rect: Rect }> {
  const total = items.reduce((sum, item) => sum + item.size, 0)
  if (total <= 0 || rect.width <= 0 || rect.height <= 0) return []
  const scale = (rect.width * rect.height) / total
  const placed: Array<{ item: T; rect: Rect }> = []
  let free = rect
  let start = 0
  while (start < items.length) {
    const side = Math.min(free.width, free.height)
    let end = start + 1
    while (
      end < items.length &&
      worst(items, start, end + 1, scale, side) <= worst(items, start, end, scale, side)
    )
      end++
    const rowArea = items.slice(start, end).reduce((sum, item) => sum + item.size * scale, 0)
    const thickness = rowArea / side
    const vertical = free.width >= free.height
    let offset = 0
    for (const item of items.slice(start, end)) {
      const length = (item.size * scale) / thickness
      placed.push({
        item,
        rect: vertical
          ? { x: free.x, y: free.y + offset, width: thickness, height: length }
          : { x: free.x + offset, y: free.y, width: length, height: thickness },
      })
      offset += length
    }
    free = vertical
      ? { x: free.x + thickness, y: free.y, width: free.width - thickness, height: free.height }
      : { x: free.x, y: free.y + thickness, width: free.width, height: free.height - thickness }
    start = end
  }
  return placed
}

// --- internal ---

/** The worst aspect ratio of a row of items[start, end) laid along a side of length `side`. */
function worst<T extends { readonly size: number }>(
  items: readonly T[],
  start: number,
  end: number,
  scale: number,
  side: number,
): number {
  const areas = items.slice(start, end).map((item) => item.size * scale)
  const rowArea = areas.reduce((sum, area) => sum + area, 0)
  const largest = Math.max(...areas)
  const smallest = Math.min(...areas)
  return Math.max(
    (side * side * largest) / (rowArea * rowArea),
    (rowArea * rowArea) / (side * side * smallest),
  )
}

function drawChildren(node: TreeNode, rect: Rect, shapes: string[]): void {
  for (const { item, rect: box } of squarify(node.children, rect)) {
    if (item.file !== undefined) drawFile(item, box, shapes)
    else drawFolder(item, box, shapes)
  }
}

function drawFolder(node: TreeNode, box: Rect, shapes: string[]): void {
  shapes.push(
    `<g class="folder"><rect ${coordinates(box)}><title>${escapeHtml(`${node.path}/ ${formatBytes(node.size)}`)}</title></rect>`,
  )
  const titled = box.height > HEADER * 2 && box.width > 40
  if (titled)
    shapes.push(label(box.x + 4, box.y + 12, `${node.name}/ ${formatBytes(node.size)}`, box.width - 8))
  shapes.push('</g>')
  const top = titled ? HEADER : PADDING
  drawChildren(
    node,
    {
      x: box.x + PADDING,
      y: box.y + top,
      width: Math.max(0, box.width - 2 * PADDING),
      height: Math.max(0, box.height - top - PADDING),
    },
    shapes,
  )
}

function drawFile(node: TreeNode, box: Rect, shapes: string[]): void {
  const file = node.file as ReportFile
  const tip = `${file.path}\n${formatBytes(file.size)} served${file.br === null ? '' : `, ${formatBytes(file.br)} br`}`
  shapes.push(
    `<g class="file ${categoryOf(file.contentType)}" data-path="${escapeHtml(file.path)}" data-size="${file.size}">` +
      `<rect ${coordinates(box)}><title>${escapeHtml(tip)}</title></rect>`,
  )
  if (box.height >= 16 && box.width >= 36) shapes.push(label(box.x + 4, box.y + 13, node.name, box.width - 8))
  if (box.height >= 30 && box.width >= 36)
    shapes.push(label(box.x + 4, box.y + 26, formatBytes(file.size), box.width - 8, 'size'))
  shapes.push('</g>')
}

/** A text label cut to fit `width` (about 6.2 units per character at the report's font size). */
function label(x: number, y: number, text: string, width: number, className = 'name'): string {
  const fits = Math.max(0, Math.floor(width / 6.2))
  const shown = text.length <= fits ? text : `${text.slice(0, Math.max(0, fits - 1))}…`
  return shown === '…' || shown === ''
    ? ''
    : `<text class="${className}" x="${round(x)}" y="${round(y)}">${escapeHtml(shown)}</text>`
}

function coordinates(box: Rect): string {
  return `x="${round(box.x)}" y="${round(box.y)}" width="${round(box.width)}" height="${round(box.height)}"`
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
